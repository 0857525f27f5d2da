// Reads the Swift fixture feeds into articles cut into blocks (paragraphs, headings, code),
// the raw material the corpus generator recombines. Only a benchmark tool reads this: the
// server has its own parser in workers/ingest.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { DomUtils, parseDocument } from 'htmlparser2';
import { feedsDir } from '../../test/support/fixture-server.js';
import { swiftFixtureSources } from './sandbox.js';

export interface Block {
  kind: 'paragraph' | 'heading' | 'code';
  html: string;
}

export interface FixtureArticle {
  source: string;
  title: string;
  date: Date | null;
  authors: string[];
  categories: string[];
  blocks: Block[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) => ['item', 'entry', 'category', 'link', 'author'].includes(name),
});

let cached: Promise<FixtureArticle[]> | null = null;

/** Every article of the Swift fixture feeds that has a title and some body (read once). */
export function readFixtureArticles(): Promise<FixtureArticle[]> {
  cached ??= readAll();
  return cached;
}

async function readAll(): Promise<FixtureArticle[]> {
  const articles: FixtureArticle[] = [];
  for (const source of swiftFixtureSources) {
    const xml = await readFile(path.join(feedsDir, source.file), 'utf8');
    const doc = parser.parse(xml) as FeedDocument;
    const items = doc.rss?.channel?.item ?? doc.feed?.entry ?? [];
    for (const item of items) {
      const article = toArticle(source.id, item);
      if (article) articles.push(article);
    }
  }
  return articles;
}

interface FeedDocument {
  rss?: { channel?: { item?: FeedItem[] } };
  feed?: { entry?: FeedItem[] };
}

type FeedItem = Record<string, unknown>;

function toArticle(source: string, item: FeedItem): FixtureArticle | null {
  const title = textValue(item['title']).trim();
  const html = textValue(item['content:encoded'] ?? item['content'] ?? item['description']);
  if (!title || !html) return null;
  const blocks = splitBlocks(html);
  if (blocks.length === 0) return null;

  const dateText = textValue(item['pubDate'] ?? item['updated'] ?? item['published']);
  const date = dateText ? new Date(dateText) : null;
  const authors = asArray(item['author'])
    .map((author) => textValue((author as FeedItem)['name'] ?? author))
    .concat(textValue(item['dc:creator']))
    .filter(Boolean);
  const categories = asArray(item['category'])
    .map((category) => textValue((category as FeedItem)['@_term'] ?? category))
    .filter(Boolean);
  return {
    source,
    title,
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    authors,
    categories,
    blocks,
  };
}

/** Top-level HTML elements as blocks; the leading h1 repeats the title, so it is dropped. */
export function splitBlocks(html: string): Block[] {
  const doc = parseDocument(html);
  const blocks: Block[] = [];
  for (const node of doc.children) {
    if (node.type !== 'tag') continue;
    const name = node.name.toLowerCase();
    const text = DomUtils.textContent(node).trim();
    if (!text || name === 'h1') continue;
    const outer = DomUtils.getOuterHTML(node);
    if (name === 'pre') blocks.push({ kind: 'code', html: outer });
    else if (/^h[2-6]$/.test(name)) blocks.push({ kind: 'heading', html: outer });
    else blocks.push({ kind: 'paragraph', html: outer });
  }
  return blocks;
}

function textValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return textValue(value[0]);
  if (typeof value === 'object' && '#text' in value) return textValue(value['#text']);
  return '';
}

function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
