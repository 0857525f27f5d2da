// Reading and checking tool answers. A load run counts a call as successful only when its
// answer is the one the server gave unloaded, so "fast" can never hide "wrong".
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface ResultItem {
  title: string;
  url: string;
  source: string;
  score?: number;
  hasCode?: boolean;
  quality?: number;
}

/** A tool call as the harness replays it. */
export interface ToolCall {
  tool: string;
  args: Record<string, unknown>;
}

/** The `results` of a search tool's structured content (empty when absent). */
export function resultsOf(result: CallToolResult): ResultItem[] {
  const content = result.structuredContent as { results?: unknown } | undefined;
  return Array.isArray(content?.results) ? (content.results as ResultItem[]) : [];
}

/** Text of all text blocks, joined. */
export function textOf(result: CallToolResult): string {
  return result.content
    .map((block) => (block.type === 'text' ? block.text : ''))
    .join('\n');
}

/**
 * A short fingerprint of an answer: the top result's url for searches, 'error' for an
 * error result, otherwise a digest-free summary of the text. Two equal keys mean the same
 * answer as far as a user would notice first.
 */
export function answerKey(result: CallToolResult): string {
  if (result.isError) return 'error';
  const results = resultsOf(result);
  if (results.length > 0) return `top:${results[0]!.url}`;
  // list_content_sources: the source ids (their counts and freshness move during a refresh).
  const sources = (result.structuredContent as { sources?: Array<{ id?: unknown }> } | undefined)
    ?.sources;
  if (Array.isArray(sources)) return `sources:${sources.map((s) => String(s.id)).join(',')}`;
  if (result.structuredContent !== undefined) return 'empty';
  return `text:${textOf(result).length > 0 ? 'some' : 'none'}`;
}

/** Throws when `result` is not the answer recorded as `expected` for `call`. */
export function expectAnswer(call: ToolCall, expected: string, result: CallToolResult): void {
  const got = answerKey(result);
  if (got !== expected) {
    const query = JSON.stringify(call.args);
    // An error result says why; keep the start of its text.
    const why = result.isError ? ` (${textOf(result).slice(0, 200)})` : '';
    throw new Error(`${call.tool} ${query}: expected ${expected}, got ${got}${why}`);
  }
}

/** A query whose right answer is known from the fixture feeds. */
export interface KnownPair {
  query: string;
  /** Title of the article that must rank within `within`. */
  title: string;
  within: number;
}

export const knownPairs: readonly KnownPair[] = [
  { query: 'async await', title: 'SE-0296: Async/await', within: 3 },
  { query: 'test a reducer with TestStore', title: 'Testing', within: 5 },
  { query: 'actors', title: 'SE-0306: Actors', within: 5 },
  { query: 'structured concurrency', title: 'SE-0304: Structured concurrency', within: 5 },
];

/** Null when the pair holds in `result`, else a message saying what ranked instead. */
export function checkKnownPair(pair: KnownPair, result: CallToolResult): string | null {
  const titles = resultsOf(result).slice(0, pair.within).map((item) => item.title);
  if (titles.includes(pair.title)) return null;
  const got = JSON.stringify(titles);
  return `"${pair.query}": "${pair.title}" not in top ${pair.within} (got ${got})`;
}
