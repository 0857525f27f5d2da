// The item shape every feed format is read into, and the small helpers the format readers
// share.
import { decodeTextEntities } from './xml-text.js';

export interface RawItem {
  guid: string;
  title: string;
  link: string;
  date: Date | null;
  authors: string[];
  tags: string[];
  summaryHtml: string;
  contentHtml: string;
}

export interface SkippedItem {
  /** Position of the item in the document, from 0. */
  index: number;
  reason: string;
}

/** Resolves a possibly relative URL; leaves it as is when it cannot be resolved. */
export function resolveUrl(href: string, base: string | null): string {
  const trimmed = href.trim();
  if (!trimmed) return '';
  try {
    return new URL(trimmed, base ?? undefined).href;
  } catch {
    return trimmed;
  }
}

/** "jane@example.com (Jane Doe)" → "Jane Doe"; "Jane <jane@x>" → "Jane". */
export function authorName(raw: string): string {
  const text = raw.trim();
  const paren = /^\S+@\S+\s*\((.+)\)$/.exec(text);
  if (paren) return paren[1]!.trim();
  const angle = /^(.+?)\s*<[^>]*@[^>]*>$/.exec(text);
  return angle ? angle[1]!.trim() : text;
}

export function cleanList(values: string[]): string[] {
  const seen = new Set<string>();
  for (const value of values) {
    const v = decodeTextEntities(value).replace(/\s+/g, ' ').trim();
    if (v) seen.add(v);
  }
  return [...seen];
}

export function requireSubstance(item: RawItem): RawItem {
  if (!item.guid && !item.title && !item.link && !item.summaryHtml && !item.contentHtml) {
    throw new Error('the item has no title, link, id or content');
  }
  return item;
}

