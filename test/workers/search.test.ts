// Search acceptance over the real Swift fixture feeds, parsed by the production ingest code.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { decodeFeed } from '../../workers/ingest/decode.js';
import { normalizeFeed } from '../../workers/ingest/normalize.js';
import { parseFeed } from '../../workers/ingest/parse-feed.js';
import { corpusFromSnapshots } from '../../workers/search/corpus-index.js';
import {
  bestCodeBlock, CODE_MAX_CHARS, makeSnippet, searchCorpus, SNIPPET_MAX_CHARS,
} from '../../workers/search/query.js';
import { feedsDir } from '../support/fixture-server.js';
import type { Corpus } from '../../workers/search/corpus-index.js';
import type { CodeBlock, PatternRecord, Snapshot } from '../../workers/protocol.js';

const SWIFT_FEEDS = [
  ['swift-org-archive', 'swift-org-archive.atom'],
  ['swift-evolution', 'swift-evolution.rss'],
  ['tca-articles', 'tca-articles.rss'],
  ['natasha', 'natasha.rss'],
] as const;

function fixtureSnapshot(id: string, file: string): Snapshot {
  const url = `http://127.0.0.1/${file}`;
  const feed = parseFeed(decodeFeed(readFileSync(path.join(feedsDir, file))));
  const { records, skipped } = normalizeFeed({ id, name: id, url }, feed);
  return {
    meta: {
      source: id, url, fetchedAt: '2026-01-01T00:00:00.000Z', etag: null, lastModified: null,
      format: feed.format, skipped, version: `${id}-v1`,
    },
    records,
  };
}

let corpus: Corpus;

test.before(() => {
  corpus = corpusFromSnapshots(SWIFT_FEEDS.map(([id, file]) => fixtureSnapshot(id, file)));
});

const titles = (query: string, n: number, filters = {}) =>
  searchCorpus(corpus, query, filters, n).hits.map((h) => h.title);

test('the corpus holds every Swift fixture article', (t) => {
  t.true(corpus.size > 800, String(corpus.size));
});

test('"async await" ranks SE-0296 in the top 3', (t) => {
  const top = titles('async await', 3);
  t.true(top.includes('SE-0296: Async/await'), top.join(' | '));
});

test('"test a reducer with TestStore" finds the TCA "Testing" article in the top 3', (t) => {
  const { hits } = searchCorpus(corpus, 'test a reducer with TestStore', {}, 3);
  const testing = hits.find((h) => h.title === 'Testing');
  t.truthy(testing, hits.map((h) => h.title).join(' | '));
  t.is(testing!.source, 'tca-articles');
});

test('"asynch awiat" (typos) still finds SE-0296 in the top 5', (t) => {
  const top = titles('asynch awiat', 5);
  t.true(top.includes('SE-0296: Async/await'), top.join(' | '));
});

test('a proposal id finds that proposal first', (t) => {
  t.is(titles('SE-0296', 1)[0], 'SE-0296: Async/await');
});

test('words about the kind of answer do not outrank the subject: "macros tutorial"', (t) => {
  const { hits } = searchCorpus(corpus, 'macros tutorial', {}, 3);
  t.regex(hits[0]?.title ?? '', /Macros/, hits.map((h) => h.title).join(' | '));
  t.true(hits.every((h) => /macro/i.test(h.title)), hits.map((h) => h.title).join(' | '));
});

test('requireCode returns only records with code', (t) => {
  const { hits, total } = searchCorpus(corpus, 'swift release', { requireCode: true }, 50);
  t.true(hits.length > 0);
  t.true(hits.every((h) => h.hasCode && h.code !== null));
  const all = searchCorpus(corpus, 'swift release', {}, 50);
  t.true(all.total > total, 'some matching records without code were filtered out');
  t.true(all.hits.some((h) => !h.hasCode));
});

test('sources and minQuality filter hits and the total', (t) => {
  const { hits, total } = searchCorpus(corpus, 'state', { sources: ['tca-articles'] }, 100);
  t.true(hits.length > 0);
  t.true(hits.every((h) => h.source === 'tca-articles'));
  t.is(total, hits.length);

  const good = searchCorpus(corpus, 'state', { minQuality: 80 }, 100);
  t.true(good.hits.length > 0);
  t.true(good.hits.every((h) => h.quality >= 80));
  t.true(good.total < searchCorpus(corpus, 'state', {}, 1).total);
});

test('hits are bounded, rounded and say which terms matched', (t) => {
  const { hits, total } = searchCorpus(corpus, 'actor isolation @MainActor', {}, 10);
  t.is(hits.length, 10);
  t.true(total >= hits.length);
  for (const hit of hits) {
    t.true(hit.snippet.length <= SNIPPET_MAX_CHARS, hit.snippet);
    t.true(hit.snippet.length > 0);
    t.true(hit.code === null || hit.code.code.length <= CODE_MAX_CHARS + 10);
    t.is(hit.score, Math.round(hit.score * 1000) / 1000);
    t.true(hit.matched.length > 0);
    t.true(hit.matched.every((m) => ['actor', 'isolation', '@mainactor', 'mainactor', 'main']
      .includes(m)), hit.matched.join(','));
  }
  const scores = hits.map((h) => h.score);
  t.deepEqual(scores, [...scores].sort((a, b) => b - a));
});

test('the code example of a hit contains the query terms', (t) => {
  const [hit] = searchCorpus(corpus, 'withTaskGroup addTask', { requireCode: true }, 1).hits;
  t.truthy(hit?.code);
  t.regex(hit!.code!.code, /withTaskGroup|addTask/);
});

test('a query of stop words only finds nothing', (t) => {
  t.deepEqual(searchCorpus(corpus, 'the of and', {}, 10), { hits: [], total: 0 });
  t.deepEqual(searchCorpus(corpus, '   ', {}, 10), { hits: [], total: 0 });
});

// ---- ranking modes on a small corpus ----

function rec(id: string, over: Partial<PatternRecord>): PatternRecord {
  return {
    id, source: 'demo', title: '', url: `https://example.test/${id}`, date: null, authors: [],
    tags: [], summary: '', text: 'filler text about something else', headings: [], code: [],
    hasCode: false, quality: 50, ...over,
  };
}

test('pattern mode weighs quality more than search mode', (t) => {
  const small = corpusFromSnapshots([{
    meta: {
      source: 'demo', url: '', fetchedAt: '', etag: null, lastModified: null, format: 'rss2',
      skipped: [], version: 'v',
    },
    records: [
      rec('relevant', { title: 'Observation', quality: 10 }),
      rec('useful', { title: 'Observation guide', quality: 100 }),
      rec('other', { title: 'Unrelated', text: 'nothing here' }),
    ],
  }]);
  t.is(searchCorpus(small, 'observation', {}, 2, 'search').hits[0]!.id, 'relevant');
  t.is(searchCorpus(small, 'observation', {}, 2, 'pattern').hits[0]!.id, 'useful');
});

test('records matching more query words rank above ones matching fewer', (t) => {
  const small = corpusFromSnapshots([{
    meta: {
      source: 'demo', url: '', fetchedAt: '', etag: null, lastModified: null, format: 'rss2',
      skipped: [], version: 'v',
    },
    records: [
      rec('one', { title: 'Binding Binding Binding', text: 'binding binding binding' }),
      rec('both', { title: 'Notes', text: 'a binding passed to a sheet and more words here' }),
    ],
  }]);
  t.is(searchCorpus(small, 'binding sheet', {}, 2).hits[0]!.id, 'both');
});

// ---- snippet and code block ----

test('makeSnippet centres the densest cluster of terms and marks cuts', (t) => {
  const text = `${'lorem ipsum '.repeat(100)}the TestStore asserts how a reducer changes state ` +
    `${'dolor sit '.repeat(100)}`;
  const snippet = makeSnippet(text, ['teststore', 'reducer']);
  t.true(snippet.length <= SNIPPET_MAX_CHARS);
  t.true(snippet.startsWith('…') && snippet.endsWith('…'));
  t.regex(snippet, /TestStore asserts how a reducer/);
  t.is(makeSnippet('short\n text', ['x']), 'short text');
  const head = makeSnippet('word '.repeat(200), ['absent']);
  t.false(head.startsWith('…'));
  t.true(head.endsWith('…'));
});

test('bestCodeBlock picks the block with most terms, prefers Swift, truncates', (t) => {
  const blocks: CodeBlock[] = [
    { language: 'sh', code: 'swift build', isSwift: false },
    { language: 'objc', code: 'await store.send(.tap)', isSwift: false },
    { language: 'swift', code: 'await store.send(.tap)', isSwift: true },
    { language: 'swift', code: `let store = TestStore()\n${'await store.send(.x)\n'.repeat(200)}`,
      isSwift: true },
  ];
  const best = bestCodeBlock(blocks, ['teststore', 'await', 'send']);
  t.regex(best!.code, /^let store = TestStore\(\)/);
  t.true(best!.code.length <= CODE_MAX_CHARS);
  t.true(best!.code.endsWith('// …'));
  t.is(bestCodeBlock(blocks.slice(0, 3), ['await'])!.language, 'swift');
  t.is(bestCodeBlock([], ['x']), null);
});
