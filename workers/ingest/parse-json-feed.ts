// JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/), plus "RSS in JSON" (an RSS
// 2.0 channel serialized as JSON, as some CMSs publish), read into the common item shape.
import { FeedError } from './feed-error.js';
import { parseFeedDate } from './parse-date.js';
import {
  authorName, cleanList, requireSubstance, resolveUrl,
} from './raw-item.js';
import { decodeTextEntities, escapeHtml, textToHtml } from './xml-text.js';
import type { ParsedFeed } from './parse-feed.js';
import type { RawItem, SkippedItem } from './raw-item.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function parseJsonFeed(text: string): ParsedFeed {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new FeedError('PARSE_FAILED', `The feed is not valid JSON: ${detail}`, { cause: err });
  }
  if (!isObject(doc)) throw new FeedError('EMPTY_FEED', 'The JSON document is not a feed');

  if (isObject(doc['rss']) && isObject(doc['rss']['channel'])) {
    return readRssInJson(doc['rss']['channel']);
  }
  const version = str(doc['version']);
  const looksLikeFeed = /jsonfeed\.org\/version\//.test(version) ||
    (Array.isArray(doc['items']) && ('title' in doc || 'feed_url' in doc));
  if (!looksLikeFeed || !Array.isArray(doc['items'])) {
    throw new FeedError('EMPTY_FEED', 'The JSON document is not a JSON Feed');
  }

  const link = resolveUrl(str(doc['home_page_url']), null) || null;
  const base = link ?? (str(doc['feed_url']) || null);
  const feedAuthors = authorsOf(doc);
  const items: RawItem[] = [];
  const skipped: SkippedItem[] = [];
  doc['items'].forEach((entry, index) => {
    try {
      items.push(readJsonItem(entry, base, feedAuthors));
    } catch (err) {
      skipped.push({ index, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return { format: 'json', title: str(doc['title']).trim(), link, items, skipped };
}

function readJsonItem(entry: Json, base: string | null, feedAuthors: string[]): RawItem {
  if (!isObject(entry)) throw new Error('the item is not a JSON object');
  const id = entry['id'];
  const authors = authorsOf(entry);
  const contentText = str(entry['content_text']);
  const summary = str(entry['summary']);
  const item: RawItem = {
    guid: typeof id === 'number' ? String(id) : str(id).trim(),
    title: decodeTextEntities(str(entry['title'])).replace(/\s+/g, ' ').trim(),
    link: resolveUrl(str(entry['url']) || str(entry['external_url']), base),
    date: parseFeedDate(str(entry['date_published']) || str(entry['date_modified'])),
    authors: authors.length > 0 ? authors : feedAuthors,
    tags: cleanList(Array.isArray(entry['tags']) ? entry['tags'].map(str) : []),
    // JSON Feed's summary is plain text; escape it so HTML consumers see it verbatim.
    summaryHtml: summary ? `<p>${escapeHtml(summary.trim())}</p>` : '',
    contentHtml: str(entry['content_html']).trim() || (contentText ? textToHtml(contentText) : ''),
  };
  return requireSubstance(item);
}

/** 1.1 `authors` array, else 1.0 `author` object. */
function authorsOf(node: JsonObject): string[] {
  const list = Array.isArray(node['authors']) ? node['authors'] : [];
  const names = list.map((a) => (isObject(a) ? str(a['name']) : ''));
  if (names.some(Boolean)) return cleanList(names);
  const legacy = node['author'];
  return cleanList(isObject(legacy) ? [str(legacy['name'])] : []);
}

function readRssInJson(channel: JsonObject): ParsedFeed {
  const link = resolveUrl(str(channel['link']), null) || null;
  const raw = channel['item'];
  const entries: Json[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const items: RawItem[] = [];
  const skipped: SkippedItem[] = [];
  entries.forEach((entry, index) => {
    try {
      if (!isObject(entry)) throw new Error('the item is not a JSON object');
      const guid = str(isObject(entry['guid']) ? entry['guid']['#value'] : entry['guid']);
      const categories = entry['category'];
      items.push(requireSubstance({
        guid: guid.trim(),
        title: decodeTextEntities(str(entry['title'])).trim(),
        link: resolveUrl(str(entry['link']) || (/^https?:/.test(guid) ? guid : ''), link),
        date: parseFeedDate(str(entry['pubDate'])),
        authors: cleanList([authorName(str(entry['author']))]),
        tags: cleanList((Array.isArray(categories) ? categories : [categories ?? '']).map(str)),
        summaryHtml: str(entry['description']).trim(),
        contentHtml: '',
      }));
    } catch (err) {
      skipped.push({ index, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return { format: 'json', title: str(channel['title']).trim(), link, items, skipped };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return '';
}
