// Generates large, realistic corpora from the Swift fixture feeds: every article is built
// around one real article (its title with a variation, a run of its own paragraphs, headings
// and code) plus a few paragraphs and code blocks borrowed from other real articles, with a
// unique guid and link. The result is written as many RSS 2.0 feeds into a temp dir, never
// into the repository. Output depends only on the size and the seed, so runs compare.
//
//   tsx perf/corpus.ts --articles 10000 [--per-feed 500] [--seed 1] [--out DIR]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { onInterrupt } from './lib/exit-cleanup.js';
import { readFixtureArticles } from './lib/fixture-articles.js';
import type { Block, FixtureArticle } from './lib/fixture-articles.js';
import type { FeedSource } from './lib/sandbox.js';

/** Named sizes for the `--corpus` flag. */
export const corpusSizes = { '1k': 1_000, '10k': 10_000, '50k': 50_000 } as const;
export type CorpusSize = keyof typeof corpusSizes;

export interface CorpusOptions {
  articles: number;
  /** Articles per feed. Default 500 (so 10k is served as 20 feeds, 50k as 100). */
  perFeed?: number;
  /** Default 1. */
  seed?: number;
  /** Output directory (created). Default: a new dir under the OS temp dir. */
  dir?: string;
}

export interface Corpus {
  dir: string;
  sources: FeedSource[];
  articles: number;
  /** Bytes of feed XML written. */
  bytes: number;
  generateMs: number;
  remove(): Promise<void>;
}

const titleVariants = [
  (t: string) => t,
  (t: string) => `${t}, revisited`,
  (t: string) => `${t} in practice`,
  (t: string) => `Notes on ${t}`,
  (t: string) => `${t}: a worked example`,
  (t: string) => `Understanding ${t}`,
  (t: string) => `${t}: common pitfalls`,
  (t: string) => `Lessons learned: ${t}`,
  (t: string) => `${t} explained`,
  (t: string) => `A closer look at ${t}`,
];

export async function generateCorpus(options: CorpusOptions): Promise<Corpus> {
  const started = Date.now();
  const perFeed = options.perFeed ?? 500;
  const random = mulberry32(options.seed ?? 1);
  const pool = await readFixtureArticles();
  const codePool = pool.flatMap((a) => a.blocks.filter((b) => b.kind === 'code'));
  const prosePool = pool.flatMap((a) => a.blocks.filter((b) => b.kind === 'paragraph'));

  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'swiftpatterns-corpus-')));
  await mkdir(dir, { recursive: true });
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  // A corpus written to a temp dir of ours goes when the run is interrupted; one written to
  // `--out` is the caller's to keep.
  const forget = options.dir ? () => {} : onInterrupt(remove);
  const feeds = Math.ceil(options.articles / perFeed);
  const sources: FeedSource[] = [];
  let bytes = 0;

  for (let feed = 0; feed < feeds; feed++) {
    const id = `gen-${String(feed + 1).padStart(3, '0')}`;
    const items: string[] = [];
    const end = Math.min(options.articles, (feed + 1) * perFeed);
    for (let n = feed * perFeed; n < end; n++) {
      const seedArticle = pool[n % pool.length]!;
      const round = Math.floor(n / pool.length);
      const article = makeArticle(seedArticle, n, round, random, prosePool, codePool);
      items.push(renderItem(id, n, article));
    }
    const xml = renderFeed(id, items);
    const file = `${id}.rss`;
    await writeFile(path.join(dir, file), xml);
    bytes += Buffer.byteLength(xml);
    sources.push({ id, name: `Generated corpus feed ${feed + 1}`, file });
  }

  return {
    dir,
    sources,
    articles: options.articles,
    bytes,
    generateMs: Date.now() - started,
    remove: async () => {
      forget();
      await remove();
    },
  };
}

interface GeneratedArticle {
  title: string;
  date: Date;
  authors: string[];
  categories: string[];
  html: string;
}

function makeArticle(
  seed: FixtureArticle,
  n: number,
  round: number,
  random: () => number,
  prosePool: Block[],
  codePool: Block[],
): GeneratedArticle {
  // The first round keeps each real title as it is; later rounds vary it, so the corpus holds
  // the real articles plus realistic neighbours competing with them for every query.
  const variant = round === 0 ? titleVariants[0]! : titleVariants[1 + ((round + n) % 9)]!;

  // A contiguous run of the seed's own blocks keeps the article on topic.
  const runLength = Math.min(seed.blocks.length, 4 + Math.floor(random() * 9));
  const startAt = Math.floor(random() * (seed.blocks.length - runLength + 1));
  const blocks = seed.blocks.slice(startAt, startAt + runLength);

  // Borrowed material: one to three paragraphs, and code half of the time.
  const borrowed = 1 + Math.floor(random() * 3);
  for (let i = 0; i < borrowed; i++) blocks.push(pick(prosePool, random));
  if (random() < 0.5 && codePool.length > 0) blocks.push(pick(codePool, random));

  const base = seed.date ?? new Date(Date.UTC(2020, 0, 1));
  const shiftDays = Math.floor(random() * 720) - 360;
  return {
    title: variant(seed.title),
    date: new Date(base.getTime() + shiftDays * 86_400_000),
    authors: seed.authors,
    categories: seed.categories,
    html: blocks.map((b) => b.html).join('\n'),
  };
}

function renderItem(feedId: string, n: number, article: GeneratedArticle): string {
  const slug = article.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const link = `https://corpus.swiftpatterns.invalid/${feedId}/${slug.slice(0, 60)}-${n}`;
  const lines = [
    '    <item>',
    `      <title>${xmlText(article.title)}</title>`,
    `      <link>${xmlText(link)}</link>`,
    `      <guid isPermaLink="false">perf-corpus-${n}</guid>`,
    `      <pubDate>${article.date.toUTCString()}</pubDate>`,
    ...article.authors.map((a) => `      <dc:creator>${xmlText(a)}</dc:creator>`),
    ...article.categories.map((c) => `      <category>${xmlText(c)}</category>`),
    `      <content:encoded>${cdata(article.html)}</content:encoded>`,
    '    </item>',
  ];
  return lines.join('\n');
}

function renderFeed(id: string, items: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"',
    '  xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '  <channel>',
    `    <title>Generated Swift corpus ${id}</title>`,
    `    <link>https://corpus.swiftpatterns.invalid/${id}</link>`,
    '    <description>Recombined from the Swift fixture feeds for benchmarks</description>',
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cdata(value: string): string {
  return `<![CDATA[${value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

function pick<T>(items: T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A small seeded PRNG, so a size and a seed always give the same corpus. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      articles: { type: 'string', default: '1000' },
      'per-feed': { type: 'string', default: '500' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
    },
  });
  const corpus = await generateCorpus({
    articles: Number(values.articles),
    perFeed: Number(values['per-feed']),
    seed: Number(values.seed),
    dir: values.out,
  });
  const { remove: _remove, ...summary } = corpus;
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
