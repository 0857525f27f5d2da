import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { decodeFeed } from '../../../workers/ingest/decode.js';
import { FeedError } from '../../../workers/ingest/feed-error.js';
import { parseFeed } from '../../../workers/ingest/parse-feed.js';
import { feedsDir } from '../../support/fixture-server.js';

const realWorldDir = path.join(feedsDir, 'real-world');

// Fixtures that are not feeds, and what parseFeed must say about them.
const NOT_FEEDS: Record<string, string> = {
  'Subs.opml': 'EMPTY_FEED',
  'SubsNoTitleAttributes.opml': 'EMPTY_FEED',
  // Cut off in the middle of a string: the JSON itself is invalid.
  'allthis-partial.json': 'PARSE_FAILED',
};

const KNOWN_COUNTS: Record<string, number> = {
  'swift-org.atom': 20,
  'swift-org-archive.atom': 172,
  'swift-evolution.rss': 547,
  'tca-articles.rss': 74,
  'natasha.rss': 10,
};

function fixtureFiles(): string[] {
  const list = (dir: string) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(dir, e.name));
  return [...list(feedsDir), ...list(realWorldDir)];
}

/** What a reader would show, counted without our parser. */
function independentCount(file: string, text: string): number {
  if (file.endsWith('.json')) {
    const doc = JSON.parse(text) as { items?: unknown[]; rss?: { channel: { item: unknown[] } } };
    return doc.items?.length ?? doc.rss?.channel.item.length ?? 0;
  }
  return (text.match(/<(?:item|entry)[\s>/]/g) ?? []).length;
}

test('every fixture feed parses with the item count a reader shows and valid dates', (t) => {
  const files = fixtureFiles();
  t.true(files.length >= 30);
  let checked = 0;
  for (const file of files) {
    const name = path.basename(file);
    const text = decodeFeed(readFileSync(file));
    const expectedCode = NOT_FEEDS[name];
    if (expectedCode) {
      const err = t.throws(() => parseFeed(text), { instanceOf: FeedError }, name);
      t.is(err.code as string, expectedCode, name);
      continue;
    }
    const feed = parseFeed(text);
    const expected = independentCount(file, text);
    t.true(expected > 0, `${name}: the independent count found items`);
    t.is(feed.items.length, expected, `${name}: item count`);
    t.deepEqual(feed.skipped, [], `${name}: nothing skipped`);
    if (KNOWN_COUNTS[name] !== undefined) t.is(feed.items.length, KNOWN_COUNTS[name], name);
    for (const item of feed.items) {
      t.true(
        item.date === null || (item.date instanceof Date && !Number.isNaN(item.date.getTime())),
        `${name}: date of ${item.guid || item.title}`,
      );
    }
    checked++;
  }
  t.is(checked, files.length - Object.keys(NOT_FEEDS).length);
});

test('formats are detected from the content, not the file name', (t) => {
  const formatOf = (dir: string, name: string) =>
    parseFeed(decodeFeed(readFileSync(path.join(dir, name)))).format;
  t.is(formatOf(feedsDir, 'swift-org.atom'), 'atom');
  t.is(formatOf(feedsDir, 'swift-evolution.rss'), 'rss2');
  t.is(formatOf(realWorldDir, 'DaringFireball.rss'), 'atom');
  t.is(formatOf(realWorldDir, 'allthis.atom'), 'rss2');
  t.is(formatOf(realWorldDir, 'inessential.json'), 'json');
});

test('feed-level authors fill in for JSON Feed items without their own', (t) => {
  const feed = parseFeed(decodeFeed(readFileSync(path.join(realWorldDir, 'authors.json'))));
  t.deepEqual(feed.items[0]!.authors, ['Root Author 1', 'Root Author 2']);
  t.true(feed.items.some((i) => i.authors.includes('Legacy Item Author')));
});

test('the GB2312 feed is decoded from its XML declaration', (t) => {
  const feed = parseFeed(decodeFeed(readFileSync(path.join(realWorldDir, 'kc0011.rss'))));
  t.true(feed.title.startsWith('投资资讯网'));
  t.false(feed.items.some((i) => i.title.includes('\ufffd')));
  t.true(feed.items.every((i) => i.date !== null), 'yyyy/m/d dates are read');
});

test('RSS 1.0 (RDF) items are siblings of the channel', (t) => {
  const feed = parseFeed(`<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.org/"><title>RDF &amp; co</title>
    <link>https://example.org/</link></channel>
  <item rdf:about="https://example.org/a"><title>First</title><link>/a</link>
    <dc:date>2024-02-03T04:05:06+01:00</dc:date><dc:creator>Ann</dc:creator>
    <dc:subject>swift</dc:subject><description>Hello &lt;b&gt;there&lt;/b&gt;</description></item>
  <item rdf:about="https://example.org/b"><title>Second</title><link>https://example.org/b</link></item>
</rdf:RDF>`);
  t.is(feed.format, 'rss1');
  t.is(feed.title, 'RDF & co');
  t.is(feed.items.length, 2);
  t.like(feed.items[0], {
    title: 'First', link: 'https://example.org/a', authors: ['Ann'], tags: ['swift'],
    summaryHtml: 'Hello <b>there</b>',
  });
  t.is(feed.items[0]!.date?.toISOString(), '2024-02-03T03:05:06.000Z');
});

test('Atom: content types, rel=alternate, xml:base and relative links', (t) => {
  const feed = parseFeed(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://blog.example/">
  <title type="html">Swift &amp;lt;3</title>
  <link rel="self" href="https://blog.example/feed.atom"/><link href="/home"/>
  <author><name>Feed Author</name></author>
  <entry xml:base="/posts/">
    <id>urn:1</id><title>Text post</title>
    <link rel="edit" href="https://blog.example/edit/1"/><link rel="alternate" href="one.html"/>
    <updated>2024-01-02T03:04:05Z</updated>
    <category term="swiftui"/><category label="Concurrency" term="c"/>
    <content type="text">Line &lt;one&gt;

Second paragraph</content>
  </entry>
  <entry><id>urn:2</id>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">X<b>HT</b></div></title>
    <link href="https://other.example/two"/><published>2024-01-03T00:00:00Z</published>
    <author><name>Entry Author</name></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi &amp; <code>bye</code></p>
    </div></content>
    <summary type="html"><![CDATA[<p>Sum &amp; mary</p>]]></summary>
  </entry>
  <entry><id>urn:3</id><title>HTML</title>
    <content type="html">&lt;p&gt;a &amp;amp; b&lt;/p&gt;</content></entry>
</feed>`);
  t.is(feed.format, 'atom');
  t.is(feed.title, 'Swift <3');
  t.is(feed.link, 'https://blog.example/home');
  const [a, b, c] = feed.items;
  t.like(a, { guid: 'urn:1', link: 'https://blog.example/posts/one.html', authors: ['Feed Author'] });
  t.deepEqual(a!.tags, ['swiftui', 'c']);
  t.is(a!.contentHtml, '<p>Line &lt;one&gt;</p>\n<p>Second paragraph</p>');
  t.like(b, { title: 'XHT', link: 'https://other.example/two', authors: ['Entry Author'] });
  t.regex(b!.contentHtml, /<p>Hi &amp; <code>bye<\/code><\/p>/);
  t.is(b!.summaryHtml, '<p>Sum &amp; mary</p>');
  t.is(c!.contentHtml, '<p>a &amp; b</p>');
});

test('an unreadable item is skipped with a reason and the rest survive', (t) => {
  const feed = parseFeed(`<rss version="2.0"><channel><title>T</title><link>https://x.example/</link>
<item><title>One</title><link>https://x.example/1</link><pubDate>not a date</pubDate></item>
<item/>
<item><title>Three</title><pubDate>Sun, 5 Jun 16 6:05 PDT</pubDate></item>
<item><description>   </description></item>
</channel></rss>`);
  t.deepEqual(feed.items.map((i) => i.title), ['One', 'Three']);
  t.is(feed.items[0]!.date, null);
  t.is(feed.items[1]!.date?.toISOString(), '2016-06-05T13:05:00.000Z');
  t.deepEqual(feed.skipped.map((s) => s.index), [1, 3]);
  t.true(feed.skipped.every((s) => s.reason.length > 0));
});

test('HTML pages, images and non-feed documents are rejected with a code', (t) => {
  const code = (text: string) => (t.throws(() => parseFeed(text)) as FeedError).code;
  t.is(code('<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>'),
    'BAD_CONTENT_TYPE');
  t.is(code('<?xml version="1.0"?>\n<html><body><p>x</p></body></html>'), 'BAD_CONTENT_TYPE');
  t.is(code('\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR'), 'BAD_CONTENT_TYPE');
  t.is(code('<?xml version="1.0"?><config><a>1</a></config>'), 'EMPTY_FEED');
  t.is(code('{"hello": "world"}'), 'EMPTY_FEED');
  t.is(code(''), 'EMPTY_FEED');
  t.is(code('{"version": "https://jsonfeed.org/version/1.1", "items": ['), 'PARSE_FAILED');
});

test('a truncated XML feed fails with PARSE_FAILED instead of losing items quietly', (t) => {
  const full = readFileSync(path.join(feedsDir, 'natasha.rss'), 'utf8');
  for (const cut of [0.3, 0.6, 0.95]) {
    const err = t.throws(() => parseFeed(full.slice(0, Math.floor(full.length * cut))), {
      instanceOf: FeedError,
    });
    t.is(err.code, 'PARSE_FAILED');
  }
});

test('an entity-expansion bomb is refused quickly and undeclared entities stay inert', (t) => {
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) {
    levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  }
  const bomb = `<?xml version="1.0"?><!DOCTYPE rss [${levels.join('')}]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>`;
  const err = t.throws(() => parseFeed(bomb), { instanceOf: FeedError });
  t.is(err.code, 'ENTITY_EXPANSION');

  // A declared (non-nested) entity is not expanded: it stays as written.
  const declared = parseFeed(`<!DOCTYPE rss [<!ENTITY big "${'x'.repeat(1000)}">]>
<rss><channel><title>t</title><item><title>a &big; b &#233; &amp;</title></item></channel></rss>`);
  t.is(declared.items[0]!.title, 'a &big; b é &');
});
