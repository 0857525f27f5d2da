// Parses a decoded feed document (RSS 2.0 / 0.9x, RSS 1.0 RDF, Atom 1.0, JSON Feed 1.x) into
// one item shape. One unreadable item is reported in `skipped` and never fails the feed.
//
// Entities: the XML parser's entity processing is off. We decode the five predefined
// entities and numeric references ourselves (xml-text.ts) and never expand entities that
// a DOCTYPE declares: they stay as written, so a "billion laughs" document cannot grow.
// A DOCTYPE whose entities reference other entities (the shape of that attack, never seen
// in a real feed) is refused outright with ENTITY_EXPANSION.
import { XMLParser } from 'fast-xml-parser';
import { FeedError } from './feed-error.js';
import { htmlInlineText } from './html-to-text.js';
import { parseJsonFeed } from './parse-json-feed.js';
import { parseFeedDate } from './parse-date.js';
import {
  authorName, cleanList, requireSubstance, resolveUrl,
} from './raw-item.js';
import {
  attrOf, decodeTextEntities, isNode, listOf, rawInnerText, rawOf, textOf, textToHtml,
} from './xml-text.js';
import type { RawItem, SkippedItem } from './raw-item.js';
import type { FeedFormat } from '../protocol.js';
import type { XmlNode, XmlValue } from './xml-text.js';

export type { RawItem, SkippedItem } from './raw-item.js';

export interface ParsedFeed {
  format: FeedFormat;
  title: string;
  link: string | null;
  items: RawItem[];
  skipped: SkippedItem[];
}

// Elements kept as raw markup: their content may be escaped HTML, CDATA, inline XHTML or
// (in broken feeds) bare HTML tags, and reading them raw keeps all of it.
const RAW_ELEMENTS = ['title', 'description', 'content:encoded', 'content', 'summary'];
const ARRAY_ELEMENTS = new Set([
  'item', 'entry', 'category', 'link', 'author', 'contributor', 'dc:creator', 'dc:subject',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '__cdata',
  trimValues: true,
  ignorePiTags: true,
  stopNodes: RAW_ELEMENTS.map((name) => `*.${name}`),
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ARRAY_ELEMENTS.has(name),
  maxNestedTags: 200,
});

const MAX_DTD_ENTITIES = 64;

export function parseFeed(input: string): ParsedFeed {
  const text = input.replace(/^\ufeff/, '');
  const kind = sniff(text);
  if (kind === 'empty') throw new FeedError('EMPTY_FEED', 'The document is empty');
  if (kind === 'html') {
    throw new FeedError('BAD_CONTENT_TYPE', 'The document is an HTML page, not a feed');
  }
  if (kind === 'binary') {
    throw new FeedError('BAD_CONTENT_TYPE', 'The document is binary data (an image?), not a feed');
  }
  if (kind === 'json') return parseJsonFeed(text);
  if (kind === 'text') {
    throw new FeedError('PARSE_FAILED', 'The document is neither XML nor JSON');
  }
  return parseXmlFeed(text);
}

function parseXmlFeed(text: string): ParsedFeed {
  guardDoctype(text);
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new FeedError('PARSE_FAILED', `The feed is not well-formed XML: ${detail}`, {
      cause: err,
    });
  }

  const rootName = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
  if (rootName === undefined) throw new FeedError('EMPTY_FEED', 'The document has no elements');
  const local = rootName.slice(rootName.indexOf(':') + 1).toLowerCase();
  if (local === 'html') {
    throw new FeedError('BAD_CONTENT_TYPE', 'The document is an HTML page, not a feed');
  }
  if (local !== 'rss' && local !== 'rdf' && local !== 'feed') {
    throw new FeedError('EMPTY_FEED', `The document is XML (<${rootName}>) but not a feed`);
  }
  // The parser accepts unclosed elements, so a cut-off download would silently lose items.
  if (!text.includes(`</${rootName}`)) {
    throw new FeedError('PARSE_FAILED', `The feed is truncated: <${rootName}> is never closed`);
  }

  const root = doc[rootName];
  if (!isNode(root)) throw new FeedError('EMPTY_FEED', `The <${rootName}> element is empty`);
  if (local === 'feed') return readAtom(root);
  if (local === 'rdf') return readRss(root, isNode(root['channel']) ? root['channel'] : {}, 'rss1');
  const channel = listOf(root['channel'])[0];
  if (!isNode(channel)) throw new FeedError('EMPTY_FEED', 'The RSS document has no <channel>');
  return readRss(channel, channel, 'rss2');
}

type Sniffed = 'empty' | 'json' | 'xml' | 'html' | 'binary' | 'text';

function sniff(text: string): Sniffed {
  const head = text.slice(0, 2048).trimStart();
  if (head === '') return 'empty';
  if (head[0] === '{' || head[0] === '[') return 'json';
  if (/[\u0000-\u0008\u000e-\u001a\ufffd]/.test(head.slice(0, 256))) return 'binary';
  if (head[0] !== '<') return 'text';
  const afterPreamble = head.replace(/^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*/, '');
  if (/^<!doctype\s+html\b|^<html[\s>]|^<head[\s>]|^<body[\s>]/i.test(afterPreamble)) {
    return 'html';
  }
  return 'xml';
}

function guardDoctype(text: string): void {
  const start = text.slice(0, 65_536).search(/<!DOCTYPE/i);
  if (start < 0) return;
  const subset = /^<!DOCTYPE[^[>]*\[([\s\S]*?)\]\s*>/i.exec(text.slice(start));
  if (!subset) return;
  const declarations = subset[1]!.match(/<!ENTITY[\s\S]*?>/gi) ?? [];
  if (declarations.length > MAX_DTD_ENTITIES) {
    throw new FeedError(
      'ENTITY_EXPANSION',
      `The feed declares ${declarations.length} entities (limit ${MAX_DTD_ENTITIES})`,
    );
  }
  if (declarations.some((d) => /&(?!#)[A-Za-z_][\w.-]*;|%[\w.-]+;/.test(d))) {
    throw new FeedError(
      'ENTITY_EXPANSION',
      'The feed declares entities that expand other entities (an entity-expansion attack)',
    );
  }
}

// ---- RSS 2.0, 0.9x and 1.0 (RDF: items are siblings of the channel) ----

function readRss(itemsParent: XmlNode, channel: XmlNode, format: FeedFormat): ParsedFeed {
  const base = xmlBase(itemsParent, null);
  const feedLink = resolveUrl(firstText(channel['link']), base) || null;
  const title = plainTitle(channel['title'], '');
  const items: RawItem[] = [];
  const skipped: SkippedItem[] = [];
  listOf(itemsParent['item']).forEach((node, index) => {
    try {
      items.push(readRssItem(node, xmlBase(isNode(node) ? node : {}, base) ?? feedLink));
    } catch (err) {
      skipped.push({ index, reason: reasonOf(err) });
    }
  });
  return { format, title, link: feedLink, items, skipped };
}

function readRssItem(node: XmlValue, base: string | null): RawItem {
  if (!isNode(node)) throw new Error('the item has no child elements');
  const guidNode = listOf(node['guid'])[0];
  const guid = textOf(guidNode).trim();
  let link = firstText(node['link']);
  if (!link && /^https?:\/\//i.test(guid) && attrOf(guidNode, 'isPermaLink') !== 'false') {
    link = guid;
  }
  const authors = [
    ...listOf(node['author']).map((a) => authorName(textOf(a))),
    ...listOf(node['dc:creator']).map(textOf),
    textOf(node['itunes:author']),
  ];
  const tags = [
    ...listOf(node['category']).map(textOf),
    ...listOf(node['dc:subject']).map(textOf),
  ];
  const item: RawItem = {
    guid,
    title: plainTitle(node['title'], ''),
    link: resolveUrl(link, base),
    date: parseFeedDate(
      textOf(node['pubDate']) || textOf(node['dc:date']) || textOf(node['atom:updated']),
    ),
    authors: cleanList(authors),
    tags: cleanList(tags),
    summaryHtml: rawInnerText(rawOf(node['description'])).trim(),
    contentHtml: rawInnerText(rawOf(node['content:encoded'])).trim(),
  };
  return requireSubstance(item);
}

// ---- Atom 1.0 ----

function readAtom(feed: XmlNode): ParsedFeed {
  const base = xmlBase(feed, null);
  const link = resolveUrl(alternateLink(feed['link']), base) || null;
  const feedAuthors = atomAuthors(feed['author']);
  const items: RawItem[] = [];
  const skipped: SkippedItem[] = [];
  listOf(feed['entry']).forEach((node, index) => {
    try {
      items.push(readAtomEntry(node, xmlBase(isNode(node) ? node : {}, base) ?? link, feedAuthors));
    } catch (err) {
      skipped.push({ index, reason: reasonOf(err) });
    }
  });
  return { format: 'atom', title: plainTitle(feed['title'], ''), link, items, skipped };
}

function readAtomEntry(node: XmlValue, base: string | null, feedAuthors: string[]): RawItem {
  if (!isNode(node)) throw new Error('the entry has no child elements');
  const authors = atomAuthors(node['author']);
  const tags = listOf(node['category']).map((c) => attrOf(c, 'term') || attrOf(c, 'label'));
  const item: RawItem = {
    guid: textOf(node['id']).trim(),
    title: plainTitle(node['title'], ''),
    link: resolveUrl(alternateLink(node['link']), base),
    date: parseFeedDate(
      textOf(node['published']) || textOf(node['updated']) ||
        textOf(node['issued']) || textOf(node['modified']),
    ),
    authors: authors.length > 0 ? authors : feedAuthors,
    tags: cleanList(tags),
    summaryHtml: atomHtml(node['summary']),
    contentHtml: atomHtml(node['content']),
  };
  return requireSubstance(item);
}

/** Atom text constructs as HTML: `html` is escaped markup, `xhtml` inline, `text` plain. */
function atomHtml(value: XmlValue): string {
  if (value === undefined) return '';
  const type = (attrOf(value, 'type') || 'text').toLowerCase();
  const raw = rawOf(value);
  if (type === 'xhtml' || type === 'application/xhtml+xml') return raw.trim();
  if (type === 'html' || type === 'text/html') return rawInnerText(raw).trim();
  if (type === 'text' || type === 'text/plain') return textToHtml(rawInnerText(raw));
  // Out-of-line (src=) or binary media content carries no article text.
  return '';
}

function alternateLink(value: XmlValue): string {
  const links = listOf(value);
  const href = (rels: string[]) =>
    links.find((l) => rels.includes(attrOf(l, 'rel') || 'alternate') && attrOf(l, 'href'));
  const chosen = href(['alternate']) ?? href(['related', 'self']) ?? links[0];
  return attrOf(chosen, 'href') || textOf(chosen).trim();
}

function atomAuthors(value: XmlValue): string[] {
  return cleanList(listOf(value).map((a) => (isNode(a) ? textOf(a['name']) : textOf(a))));
}

// ---- shared helpers ----

/** A title as plain text; Atom `type="html"|"xhtml"` titles have their tags removed. */
function plainTitle(value: XmlValue, fallback: string): string {
  const node = listOf(value)[0];
  if (node === undefined) return fallback;
  const type = attrOf(node, 'type').toLowerCase();
  const inner = rawInnerText(rawOf(node));
  const text = type === 'html' || type === 'xhtml' ? htmlInlineText(inner) : inner;
  return decodeTextEntities(text).replace(/\s+/g, ' ').trim() || fallback;
}

function firstText(value: XmlValue): string {
  for (const entry of listOf(value)) {
    const text = textOf(entry).trim();
    if (text) return text;
  }
  return '';
}

function xmlBase(node: XmlNode, parent: string | null): string | null {
  const base = attrOf(node, 'xml:base');
  return base ? resolveUrl(base, parent) || parent : parent;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
