// The pattern resource shows the article as it was written: headings marked, code in place.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { renderPattern } from '../../src/server/resources.js';
import { decodeFeed } from '../../workers/ingest/decode.js';
import { normalizeFeed } from '../../workers/ingest/normalize.js';
import { parseFeed } from '../../workers/ingest/parse-feed.js';
import { feedsDir } from '../support/fixture-server.js';
import type { PatternRecord } from '../../workers/protocol.js';

function tcaTesting(): PatternRecord {
  const feed = parseFeed(decodeFeed(readFileSync(path.join(feedsDir, 'tca-articles.rss'))));
  const { records } = normalizeFeed({ id: 'tca', name: 'TCA', url: 'http://127.0.0.1/x' }, feed);
  const record = records.find((r) => r.title === 'Testing');
  if (!record) throw new Error('no Testing article in the fixture');
  return record;
}

test('code blocks sit where they stood in the article, headings are Markdown headings', (t) => {
  const record = tcaTesting();
  const markdown = renderPattern(record, 'TCA', null);
  const firstFence = markdown.indexOf('```swift');
  t.true(firstFence > 0);
  // The first code block follows prose, not the whole article.
  t.true(firstFence < markdown.length / 4, `first code at ${firstFence} of ${markdown.length}`);
  t.false(markdown.includes('## Code examples'));
  for (const heading of record.headings.slice(0, 3)) t.true(markdown.includes(`\n## ${heading}\n`));
  t.is(markdown.match(/```swift/g)?.length, record.code.filter((c) => c.isSwift).length);
});

test('blocks without a known place (older snapshots) still appear, at the end', (t) => {
  const record = tcaTesting();
  const legacy = { ...record, code: record.code.map(({ paragraph: _p, ...block }) => block) };
  const markdown = renderPattern(legacy, 'TCA', null);
  const appendix = markdown.indexOf('## Code examples');
  t.true(appendix > 0);
  t.true(markdown.indexOf('```') > appendix);
});
