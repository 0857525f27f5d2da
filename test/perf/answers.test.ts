import test from 'ava';
import { answerKey, checkKnownPair, expectAnswer } from '../../perf/lib/answers.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const search = (...titles: string[]): CallToolResult => ({
  content: [{ type: 'text', text: titles.join('\n') }],
  structuredContent: {
    results: titles.map((title) => ({ title, url: `https://x/${title}`, source: 's', score: 1 })),
  },
});

test('the answer key of a search is its top url', (t) => {
  t.is(answerKey(search('A', 'B')), 'top:https://x/A');
  t.is(answerKey(search()), 'empty');
});

test('error results, source lists and plain text get their own keys', (t) => {
  t.is(answerKey({ content: [{ type: 'text', text: 'no' }], isError: true }), 'error');
  t.is(
    answerKey({
      content: [],
      structuredContent: { sources: [{ id: 'a', itemCount: 1 }, { id: 'b', itemCount: 2 }] },
    }),
    'sources:a,b',
  );
  t.is(answerKey({ content: [{ type: 'text', text: 'ok' }] }), 'text:some');
});

test('expectAnswer throws with the call and both keys when the answer differs', (t) => {
  const call = { tool: 'search_swift_content', args: { query: 'q' } };
  t.notThrows(() => expectAnswer(call, 'top:https://x/A', search('A')));
  t.throws(() => expectAnswer(call, 'top:https://x/A', search('B', 'A')), {
    message: 'search_swift_content {"query":"q"}: expected top:https://x/A, got top:https://x/B',
  });
  const failed: CallToolResult = {
    content: [{ type: 'text', text: 'DEADLINE_EXCEEDED: late' }],
    isError: true,
  };
  t.throws(() => expectAnswer(call, 'top:https://x/A', failed), {
    message: /got error \(DEADLINE_EXCEEDED: late\)$/,
  });
});

test('a known pair holds only within its rank', (t) => {
  const pair = { query: 'async await', title: 'SE-0296: Async/await', within: 2 };
  t.is(checkKnownPair(pair, search('X', 'SE-0296: Async/await')), null);
  t.regex(checkKnownPair(pair, search('X', 'Y', 'SE-0296: Async/await')) ?? '', /not in top 2/);
});
