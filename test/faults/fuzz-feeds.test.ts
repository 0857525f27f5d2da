// Property-based fuzz of the feed pipeline (parseFeed + normalizeFeed, the real modules):
// random documents built from feed-shaped fragments never crash, hang or reject
// unhandled; the only error allowed out is a FeedError with a known code.
import test from 'ava';
import fc from 'fast-check';
import { FEED_ERROR_CODES, FeedError } from '../../workers/ingest/feed-error.js';
import { normalizeFeed } from '../../workers/ingest/normalize.js';
import { parseFeed } from '../../workers/ingest/parse-feed.js';

const source = { id: 'fuzz', name: 'Fuzz', url: 'http://127.0.0.1/feed' };

const fragment = fc.oneof(
  fc.constantFrom(
    '<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0">', '</rss>', '<channel>',
    '</channel>', '<item>', '</item>', '<title>', '</title>', '<link>', '</link>',
    '<description>', '</description>', '<content:encoded>', '</content:encoded>',
    '<guid>', '</guid>', '<pubDate>', '</pubDate>', '<feed xmlns="http://www.w3.org/2005/Atom">',
    '</feed>', '<entry>', '</entry>', '<content type="html">', '</content>', '<![CDATA[',
    ']]>', '<pre><code class="language-swift">', '</code></pre>', '&lt;', '&amp;', '&#x1F600;',
    '&#0;', '&bogus;', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '<script>alert(1)</script>',
    '{"version":"https://jsonfeed.org/version/1.1","items":[', ']}', '{"id":"1","title":"t"}',
    'Sat, 01 Jan 2022 10:00:00 GMT', '2022-13-45T99:99:99Z', '\ufffd', '\u0000', '<a href="',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);

test('300 random feed documents: no crash, no hang, only FeedErrors', (t) => {
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
      const doc = parts.join('');
      try {
        const feed = parseFeed(doc);
        const { records } = normalizeFeed(source, feed);
        return records.every((r) => typeof r.id === 'string' && typeof r.text === 'string');
      } catch (error) {
        if (error instanceof FeedError && FEED_ERROR_CODES.includes(error.code)) return true;
        throw error;
      }
    }),
    { numRuns: 300 },
  );
  t.pass();
});
