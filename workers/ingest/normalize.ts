// Turns parsed feed items into PatternRecords: plain text, headings and code from the body
// HTML, a stable id, a short summary and a quality score, with every size bounded.
import { createHash } from 'node:crypto';
import { htmlToText } from './html-to-text.js';
import type { ParsedFeed, RawItem, SkippedItem } from './parse-feed.js';
import type { CodeBlock, PatternRecord, SourceRef } from '../protocol.js';

export const RECORD_LIMITS = Object.freeze({
  textChars: 200_000,
  codeBlocks: 30,
  codeChars: 8_000,
  summaryChars: 300,
});

export interface NormalizedFeed {
  records: PatternRecord[];
  /** Items that could not be turned into records; `index` is the position in `feed.items`. */
  skipped: SkippedItem[];
}

export function normalizeFeed(source: SourceRef, feed: ParsedFeed): NormalizedFeed {
  const records: PatternRecord[] = [];
  const skipped: SkippedItem[] = [];
  const used = new Set<string>();

  feed.items.forEach((item, index) => {
    try {
      const record = toRecord(source, feed, item);
      record.id = uniqueId(record.id, used);
      records.push(record);
    } catch (err) {
      skipped.push({ index, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return { records, skipped };
}

function toRecord(source: SourceRef, feed: ParsedFeed, item: RawItem): PatternRecord {
  const body = htmlToText(item.contentHtml || item.summaryHtml);
  const text = boundText(body.text, RECORD_LIMITS.textChars);
  const code = body.code.slice(0, RECORD_LIMITS.codeBlocks).map(boundCode);
  const ownTitle = item.title.trim();
  // Result links are shown to people and opened by clients: only http(s), never a
  // `javascript:`, `data:` or `file:` link a hostile feed slipped in.
  const home = httpUrl(feed.link, source.url);
  const url = httpUrl(item.link, home ?? source.url) ?? home ?? '';
  const title = ownTitle || fallbackTitle(body.headings, text, url);
  const date = item.date ? item.date.toISOString() : null;

  // A separate summary only when the feed gave both a summary and a full body; a feed's
  // description is often the whole post, and then the summary is its opening.
  const summarySource = item.contentHtml && item.summaryHtml
    ? htmlToText(item.summaryHtml).text
    : text;

  return {
    id: itemId(item),
    source: source.id,
    title,
    url,
    date,
    authors: item.authors,
    tags: item.tags,
    summary: clip(summarySource.replace(/\s+/g, ' ').trim(), RECORD_LIMITS.summaryChars),
    text,
    headings: body.headings.slice(0, 100).map((h) => clip(h, 200)),
    code,
    hasCode: code.length > 0,
    quality: qualityScore({ text, code, headings: body.headings, date, ownTitle }),
  };
}

/** `link` as an absolute http(s) URL (resolved against `base`), else null. */
export function httpUrl(link: string | null | undefined, base: string): string | null {
  const trimmed = link?.trim();
  if (!trimmed) return null;
  // URL.parse (no throw) is Node 22+; an unusable base must not spoil an absolute link.
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch {
    try {
      url = new URL(trimmed);
    } catch {
      return null;
    }
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}

/** sha1 of guid, else link, else title and date; base64url, 12 characters. */
export function itemId(item: RawItem): string {
  const key = item.guid
    ? `guid:${item.guid}`
    : item.link
      ? `link:${item.link}`
      : `title:${item.title}|${item.date?.toISOString() ?? ''}|${item.contentHtml.slice(0, 200)}`;
  return createHash('sha1').update(key).digest('base64url').slice(0, 12);
}

// Feeds do repeat guids (a renamed proposal keeps its number); both items are kept and the
// later one gets -2, -3, ... so ids stay unique within the snapshot.
function uniqueId(id: string, used: Set<string>): string {
  let candidate = id;
  for (let n = 2; used.has(candidate); n++) candidate = `${id}-${n}`;
  used.add(candidate);
  return candidate;
}

function fallbackTitle(headings: string[], text: string, link: string): string {
  if (headings[0]) return clip(headings[0], 120);
  const words = text.split(/\s+/).filter(Boolean).slice(0, 12).join(' ');
  if (words) return clip(words, 80);
  if (link) return link;
  return 'Untitled';
}

export interface QualityInput {
  text: string;
  code: CodeBlock[];
  headings: string[];
  date: string | null;
  ownTitle: string;
}

/**
 * How useful an article is likely to be as a pattern reference, 0 to 100:
 *
 *   length   40 × min(1, log10(words + 1) / log10(2001))   2,000 words earn the full 40
 *   code     15 if the body has any code block
 *   swift    15 if any code block is Swift
 *   headings 10 × min(headings, 3) / 3                     structure suggests a tutorial
 *   date      5 if the item is dated
 *   title    10 for an own title, +5 if it is 10 to 120 characters and not a URL
 *
 * A dated tutorial of ~800 words with three headings and Swift code scores ~95; a link
 * post with a title and no body scores 30.
 */
export function qualityScore(input: QualityInput): number {
  const words = input.text.split(/\s+/).filter(Boolean).length;
  const length = 40 * Math.min(1, Math.log10(words + 1) / Math.log10(2001));
  const code = input.code.length > 0 ? 15 : 0;
  const swift = input.code.some((c) => c.isSwift) ? 15 : 0;
  const headings = (10 * Math.min(input.headings.length, 3)) / 3;
  const date = input.date ? 5 : 0;
  const t = input.ownTitle;
  const goodTitle = t.length >= 10 && t.length <= 120 && !/^https?:\/\//i.test(t);
  const title = (t ? 10 : 0) + (goodTitle ? 5 : 0);
  return Math.round(Math.min(100, length + code + swift + headings + date + title));
}

function boundText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return space > max * 0.9 ? cut.slice(0, space) : cut;
}

function boundCode(block: CodeBlock): CodeBlock {
  if (block.code.length <= RECORD_LIMITS.codeChars) return block;
  const cut = block.code.slice(0, RECORD_LIMITS.codeChars);
  const newline = cut.lastIndexOf('\n');
  return { ...block, code: newline > 0 ? cut.slice(0, newline) : cut };
}

/** At most `max` characters, cut at a word boundary with an ellipsis. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd() + '…';
}
