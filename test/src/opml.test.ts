import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { parseOpml } from '../../src/opml.js';
import { feedsDir } from '../support/fixture-server.js';

const read = (name: string) => readFileSync(path.join(feedsDir, 'real-world', name), 'utf8');

test('Subs.opml: every outline with an xmlUrl, titles from the title attribute', (t) => {
  const text = read('Subs.opml');
  const entries = parseOpml(text);
  const distinct = new Set(text.match(/xmlUrl="[^"]+"/g)).size;
  t.is(entries.length, distinct);
  t.deepEqual(entries[0], { title: 'Daring Fireball', url: 'http://daringfireball.net/feeds/main' });
  t.true(entries.some((e) => e.title === 'chat & code'));
  t.true(entries.every((e) => e.title.length > 0 && /^https?:\/\//.test(e.url)));
});

test('SubsNoTitleAttributes.opml: the text attribute stands in for a missing title', (t) => {
  const text = read('SubsNoTitleAttributes.opml');
  const entries = parseOpml(text);
  const all = text.match(/xmlUrl="[^"]+"/g) ?? [];
  t.is(entries.length, new Set(all).size);
  t.false(/\btitle="/.test(text.slice(text.indexOf('<body'))), 'outlines have no title');
  t.is(new Set(entries.map((e) => e.url)).size, entries.length);
  t.deepEqual(entries[1], {
    title: 'Swift Blog - Apple Developer', url: 'https://developer.apple.com/swift/blog/news.rss',
  });
});

test('nested folders are walked and entries without xmlUrl skipped', (t) => {
  const entries = parseOpml(`<?xml version="1.0"?><opml version="2.0"><head/><body>
  <outline text="Swift">
    <outline text="A" xmlUrl="https://a.example/feed"/>
    <outline text="Deeper"><outline title="B" text="b" xmlUrl="https://b.example/rss"/></outline>
    <outline text="No feed" htmlUrl="https://c.example/"/>
  </outline>
  <outline xmlUrl="https://d.example/atom"/>
  <outline text="A again" xmlUrl="https://a.example/feed"/>
</body></opml>`);
  t.deepEqual(entries, [
    { title: 'A', url: 'https://a.example/feed' },
    { title: 'B', url: 'https://b.example/rss' },
    { title: 'https://d.example/atom', url: 'https://d.example/atom' },
  ]);
});

test('a document that is not OPML is an error', (t) => {
  t.throws(() => parseOpml('<rss><channel/></rss>'), { message: /not an OPML document/ });
});
