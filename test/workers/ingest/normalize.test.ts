import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { decodeFeed } from '../../../workers/ingest/decode.js';
import { normalizeFeed, qualityScore, RECORD_LIMITS } from '../../../workers/ingest/normalize.js';
import { parseFeed } from '../../../workers/ingest/parse-feed.js';
import { feedsDir } from '../../support/fixture-server.js';
import type { ParsedFeed, RawItem } from '../../../workers/ingest/parse-feed.js';
import type { SourceRef } from '../../../workers/protocol.js';

const source: SourceRef = { id: 'test', name: 'Test', url: 'https://feed.example/rss' };

function fixture(name: string): ParsedFeed {
  return parseFeed(decodeFeed(readFileSync(path.join(feedsDir, name))));
}

function rawItem(over: Partial<RawItem>): RawItem {
  return {
    guid: '', title: '', link: '', date: null, authors: [], tags: [], summaryHtml: '',
    contentHtml: '', ...over,
  };
}

test('swift-evolution: both items of the duplicate-guid pair survive with distinct ids', (t) => {
  const feed = fixture('swift-evolution.rss');
  const { records, skipped } = normalizeFeed(source, feed);
  t.is(records.length, 547);
  t.deepEqual(skipped, []);
  t.is(new Set(records.map((r) => r.id)).size, records.length, 'ids are unique');

  const pair = records.filter((r) => r.title.startsWith('SE-0519:'));
  t.is(pair.length, 2);
  t.deepEqual(pair.map((r) => r.title), [
    'SE-0519: proposals/0519-borrow-inout-types.md',
    'SE-0519: `Ref` and `MutableRef` types for safe, first-class references',
  ]);
  t.regex(pair[0]!.id, /^[A-Za-z0-9_-]{12}$/);
  t.is(pair[1]!.id, `${pair[0]!.id}-2`);

  // Ids are stable across runs.
  t.deepEqual(normalizeFeed(source, fixture('swift-evolution.rss')).records.map((r) => r.id),
    records.map((r) => r.id));
});

test('titles are the items own titles', (t) => {
  const { records } = normalizeFeed(source, fixture('swift-evolution.rss'));
  const asyncAwait = records.find((r) => r.title === 'SE-0296: Async/await');
  t.truthy(asyncAwait);
  t.is(asyncAwait!.url,
    'https://github.com/swiftlang/swift-evolution/blob/main/proposals/0296-async-await.md');
  t.true(asyncAwait!.code.some((c) => c.isSwift));
  t.true(asyncAwait!.quality >= 70);
});

test('tca-articles: the Testing article has Swift code blocks apart from its text', (t) => {
  const { records } = normalizeFeed(source, fixture('tca-articles.rss'));
  t.is(records.length, 74);
  const testing = records.find((r) => r.title === 'Testing');
  t.truthy(testing);
  t.true(testing!.hasCode);
  t.true(testing!.code.filter((c) => c.isSwift && c.language === 'swift').length >= 3);
  t.true(testing!.headings.length > 0);
  t.true(testing!.text.length > 1000);
  t.false(testing!.text.includes(testing!.code[0]!.code.split('\n')[0]!));
  t.is(testing!.date, null);
});

test('every record respects the size bounds and has a title and summary', (t) => {
  for (const name of ['swift-org-archive.atom', 'swift-evolution.rss', 'natasha.rss']) {
    for (const r of normalizeFeed(source, fixture(name)).records) {
      t.true(r.title.length > 0);
      t.true(r.summary.length <= RECORD_LIMITS.summaryChars);
      t.true(r.text.length <= RECORD_LIMITS.textChars);
      t.true(r.code.length <= RECORD_LIMITS.codeBlocks);
      t.true(r.code.every((c) => c.code.length <= RECORD_LIMITS.codeChars));
      t.true(r.quality >= 0 && r.quality <= 100);
      t.false('fetchedAt' in r);
    }
  }
});

test('oversized bodies are cut to the bounds', (t) => {
  const huge = `<p>${'word '.repeat(60_000)}</p>` +
    Array.from({ length: 40 }, (_, i) =>
      `<pre><code class="language-swift">let a${i} = 1\n${'x'.repeat(9000)}</code></pre>`).join('');
  const feed: ParsedFeed = {
    format: 'rss2', title: 'F', link: null, skipped: [],
    items: [rawItem({ guid: 'g', title: 'Huge', contentHtml: huge })],
  };
  const [r] = normalizeFeed(source, feed).records;
  t.true(r!.text.length <= RECORD_LIMITS.textChars);
  t.true(r!.text.length > RECORD_LIMITS.textChars * 0.9);
  t.is(r!.code.length, RECORD_LIMITS.codeBlocks);
  t.true(r!.code.every((c) => c.code.length <= RECORD_LIMITS.codeChars));
});

test('missing titles fall back to the first heading, then the first words', (t) => {
  const feed: ParsedFeed = {
    format: 'json', title: 'F', link: 'https://site.example/', skipped: [],
    items: [
      rawItem({ guid: 'a', contentHtml: '<h2>Heading title</h2><p>Body</p>' }),
      rawItem({ guid: 'b', contentHtml: '<p>Just some words in a short post</p>' }),
      rawItem({ guid: 'c', link: 'https://site.example/c' }),
    ],
  };
  const titles = normalizeFeed(source, feed).records.map((r) => r.title);
  t.deepEqual(titles, ['Heading title', 'Just some words in a short post', 'https://site.example/c']);
});

test('quality: a solid Swift tutorial scores >= 70, an empty link post < 40', (t) => {
  const paragraphs = Array.from({ length: 12 }, (_, i) =>
    `<p>Step ${i}: this paragraph explains how the reducer handles the action and why the ` +
    'state changes the way it does, with enough detail to follow along in Xcode.</p>').join('');
  const tutorial = rawItem({
    guid: 't', title: 'Building a counter with SwiftUI and async/await',
    date: new Date('2024-05-01T00:00:00Z'),
    contentHtml: `<h2>Setup</h2>${paragraphs}<h2>The view</h2>` +
      '<pre><code class="language-swift">' +
      'struct CounterView: View {\n  @State var n = 0\n}</code></pre>' +
      `<h2>Testing</h2>${paragraphs}`,
  });
  const link = rawItem({ guid: 'l', title: 'Link: Something', link: 'https://elsewhere.example/' });
  const feed: ParsedFeed = {
    format: 'rss2', title: 'F', link: null, skipped: [], items: [tutorial, link],
  };
  const [a, b] = normalizeFeed(source, feed).records;
  t.true(a!.quality >= 70, `tutorial scored ${a!.quality}`);
  t.true(b!.quality < 40, `link post scored ${b!.quality}`);
  t.is(qualityScore({ text: '', code: [], headings: [], date: null, ownTitle: '' }), 0);
});

test('summary comes from the summary HTML when the item also has a full body', (t) => {
  const feed: ParsedFeed = {
    format: 'rss2', title: 'F', link: null, skipped: [],
    items: [
      rawItem({
        guid: 'x', title: 'T', summaryHtml: '<p>Short &amp; sweet</p>',
        contentHtml: '<p>Long body</p>',
      }),
      rawItem({ guid: 'y', title: 'U', summaryHtml: `<p>${'lorem ipsum '.repeat(100)}</p>` }),
    ],
  };
  const [x, y] = normalizeFeed(source, feed).records;
  t.is(x!.summary, 'Short & sweet');
  t.is(x!.text, 'Long body');
  t.true(y!.summary.length <= 300 && y!.summary.endsWith('…'));
});
