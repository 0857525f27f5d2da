import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { XMLParser } from 'fast-xml-parser';
import { generateCorpus } from '../../perf/corpus.js';
import { readFixtureArticles, splitBlocks } from '../../perf/lib/fixture-articles.js';

const parser = new XMLParser({ isArray: (name) => name === 'item' || name === 'category' });

interface Item {
  title: string;
  link: string;
  guid: { '#text'?: string } | string;
  'content:encoded': string;
}

async function items(dir: string): Promise<Item[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.rss')).sort();
  const all: Item[] = [];
  for (const file of files) {
    const doc = parser.parse(await readFile(path.join(dir, file), 'utf8'));
    all.push(...(doc.rss.channel.item as Item[]));
  }
  return all;
}

test('writes the articles asked for as many RSS feeds, guids and links unique', async (t) => {
  const corpus = await generateCorpus({ articles: 1200, perFeed: 500 });
  t.teardown(() => corpus.remove());
  t.is(corpus.sources.length, 3);
  t.deepEqual(corpus.sources.map((s) => s.file), ['gen-001.rss', 'gen-002.rss', 'gen-003.rss']);
  t.true(corpus.dir.startsWith(path.resolve(process.env['TMPDIR'] ?? '/tmp')));

  const all = await items(corpus.dir);
  t.is(all.length, 1200);
  t.is(new Set(all.map((i) => i.link)).size, 1200);
  t.is(new Set(all.map((i) => JSON.stringify(i.guid))).size, 1200);
  t.true(all.every((i) => String(i.title).length > 0 && i['content:encoded'].length > 0));
  // Past the ~800 real articles, titles repeat with variations, not verbatim.
  t.true(new Set(all.map((i) => i.title)).size > 1000);
});

test('the same size and seed give the same corpus; another seed does not', async (t) => {
  const a = await generateCorpus({ articles: 50, seed: 7 });
  const b = await generateCorpus({ articles: 50, seed: 7 });
  const c = await generateCorpus({ articles: 50, seed: 8 });
  t.teardown(() => Promise.all([a.remove(), b.remove(), c.remove()]));
  const read = (dir: string) => readFile(path.join(dir, 'gen-001.rss'), 'utf8');
  t.is(await read(a.dir), await read(b.dir));
  t.not(await read(a.dir), await read(c.dir));
});

test('article bodies are real fixture blocks, with Swift code in many of them', async (t) => {
  const corpus = await generateCorpus({ articles: 300 });
  t.teardown(() => corpus.remove());
  const all = await items(corpus.dir);
  const hasCode = (i: Item): boolean =>
    splitBlocks(i['content:encoded']).some((b) => b.kind === 'code');
  const withCode = all.filter(hasCode);
  t.true(withCode.length > 100);
  // The first round keeps every real title as it is.
  const real = new Set((await readFixtureArticles()).map((a) => a.title));
  t.true(all.every((i) => real.has(String(i.title))));
});

test('splitBlocks keeps headings, paragraphs and code apart and drops the title heading', (t) => {
  const blocks = splitBlocks(
    '<h1>Title</h1>\n<p>Intro</p>\n<h2>Usage</h2>\n<pre><code>let x = 1</code></pre>\n<p> </p>',
  );
  t.deepEqual(
    blocks.map((b) => b.kind),
    ['paragraph', 'heading', 'code'],
  );
  t.is(blocks[2]!.html, '<pre><code>let x = 1</code></pre>');
});
