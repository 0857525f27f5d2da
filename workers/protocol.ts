// Every value that crosses the thread boundary between the MCP dispatcher (main thread)
// and the piscina workers is declared here, so both sides agree on one shape.
import type { RawItem } from './ingest/raw-item.js';

/** A code example lifted out of an article's HTML. */
export interface CodeBlock {
  /** Language from the markup (`language-swift`, `lang="swift"`) or detected; '' if unknown. */
  language: string;
  code: string;
  /** True when the block was marked Swift or looks like Swift source. */
  isSwift: boolean;
  /**
   * Where the block stood: the number of text paragraphs (blank-line separated) before it,
   * so the full article can be shown with its code in place. Absent in older snapshots.
   */
  paragraph?: number;
}

/** One article, normalized from any feed format (or a Patreon post). */
export interface PatternRecord {
  /** Stable within its source; unique within its snapshot even when feed guids collide. */
  id: string;
  /** Id of the source this record came from. */
  source: string;
  title: string;
  url: string;
  /** ISO 8601, or null when the feed gave no date we could read. */
  date: string | null;
  authors: string[];
  tags: string[];
  /** Short plain-text summary (at most ~300 characters). */
  summary: string;
  /** Plain text of the body with code blocks removed. */
  text: string;
  /** Section headings found in the body, in order. */
  headings: string[];
  code: CodeBlock[];
  hasCode: boolean;
  /** 0 to 100: how useful the article is likely to be as a pattern reference. */
  quality: number;
}

/** Conditional-GET validators and bookkeeping kept with each snapshot. */
export interface SnapshotMeta {
  source: string;
  url: string;
  /** When the body on disk was fetched (ISO 8601). */
  fetchedAt: string;
  etag: string | null;
  lastModified: string | null;
  /** Feed format the parser detected. */
  format: FeedFormat;
  /** Items the parser could not turn into records, with the reason. */
  skipped: Array<{ index: number; reason: string }>;
  /** Changes whenever the records change; part of the corpus version. */
  version: string;
}

export type FeedFormat = 'rss2' | 'rss1' | 'atom' | 'json' | 'patreon';

export interface Snapshot {
  meta: SnapshotMeta;
  records: PatternRecord[];
}

/** A source as the main thread hands it to a worker. */
export interface SourceRef {
  id: string;
  name: string;
  url: string;
}

export interface SearchFilters {
  /** Only these source ids (already intersected with the enabled ones). */
  sources?: string[];
  requireCode?: boolean;
  minQuality?: number;
}

export interface SearchHit {
  id: string;
  source: string;
  title: string;
  url: string;
  date: string | null;
  score: number;
  quality: number;
  hasCode: boolean;
  tags: string[];
  /** Text around the matched terms, bounded in size. */
  snippet: string;
  /** The code block that best matches the query, bounded in size, or null. */
  code: CodeBlock | null;
  /** Terms of the query that matched this record. */
  matched: string[];
}

/** Counters of one worker's LRU file cache; cumulative since the worker started. */
export interface FileCacheCounters {
  hits: number;
  misses: number;
  evictions: number;
  /** Bytes currently held. */
  bytes: number;
  entries: number;
}

/** Posted by each worker on the stats BroadcastChannel after each task that changed them. */
export interface WorkerStatsMessage {
  type: 'file-cache-stats';
  threadId: number;
  /** Increases with every message from one worker, so stale messages can be dropped. */
  seq: number;
  counters: FileCacheCounters;
}

/** Data every worker is started with (piscina `workerData`). */
export interface WorkerBootData {
  /** Name of the BroadcastChannel that carries `WorkerStatsMessage`s. */
  statsChannel: string;
  /** Byte bound of each worker's LRU file cache. */
  fileCacheBytes: number;
}

// ---- tasks: one `kind` per job; the worker entry dispatches on it ----

export interface RefreshTask {
  kind: 'refresh';
  /** The data directory; snapshots live under `<home>/snapshots`. */
  home: string;
  source: SourceRef;
  /** Fetch limits; defaults apply when absent. */
  fetch?: Partial<FetchLimits>;
  /** Re-parse even when the server answers 304 (used after a parser upgrade). */
  force?: boolean;
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export interface RefreshResult {
  source: string;
  /** 'updated' wrote a new snapshot; 'not-modified' kept the old one (HTTP 304). */
  outcome: 'updated' | 'not-modified';
  itemCount: number;
  skipped: number;
  version: string;
  fetchedAt: string;
  durationMs: number;
}

/**
 * Items the main thread fetched itself (Patreon posts: the tokens stay on the main thread),
 * handed over as data. The worker normalizes and writes them exactly like a refresh.
 */
export interface IngestTask {
  kind: 'ingest';
  home: string;
  source: SourceRef;
  /** Feed items in the parsers' shape (see `patreonPostsToFeed`); format 'patreon'. */
  items: RawItem[];
}

export interface SearchTask {
  kind: 'search';
  home: string;
  /** Enabled sources that have a snapshot on disk, in a stable order. */
  sources: string[];
  query: string;
  filters: SearchFilters;
  limit: number;
  /** 'search' ranks by relevance first; 'pattern' weighs quality more (get_swift_pattern). */
  mode: 'search' | 'pattern';
  /** Snapshot version of each source as the main thread knows it. */
  versions?: Record<string, string>;
  /**
   * May answer from the worker's previous corpus while the index of the current snapshots
   * is still being built by a `warm` task (stale-while-revalidate for indexes).
   */
  allowStale?: boolean;
}

/** Builds (or loads) the index of exactly these snapshots, off any request's deadline. */
export interface WarmTask {
  kind: 'warm';
  home: string;
  sources: string[];
}

export interface WarmResult {
  size: number;
  hash: string;
  durationMs: number;
  /** Why this worker keeps its index in memory only (the index directory is unwritable). */
  indexNotSaved?: string;
}

export interface SearchResult {
  hits: SearchHit[];
  /** How many records matched before the limit was applied. */
  total: number;
  /** Records searched over (of the sources searched, not the whole index). */
  corpusSize: number;
  /** Which worker answered and its counters after the task (for tests and stats). */
  worker: { threadId: number; counters: FileCacheCounters };
  /**
   * Sources left out because their snapshot was missing, corrupt or unreadable; the main
   * thread refetches them. Absent when every source was searched.
   */
  unavailable?: string[];
  /** True when a previous corpus answered because the current index is not built yet. */
  stale?: boolean;
  /** As in WarmResult: the index could not be written and lives in memory only. */
  indexNotSaved?: string;
}

export interface ReadTask {
  kind: 'read';
  home: string;
  source: string;
  id: string;
}

export interface ReadResult {
  record: PatternRecord | null;
  fetchedAt: string | null;
}

export interface ListTask {
  kind: 'list';
  home: string;
  sources: string[];
  limit: number;
}

export interface ListResult {
  items: Array<{ source: string; id: string; title: string; date: string | null }>;
}

export type WorkerTask =
  | RefreshTask | IngestTask | SearchTask | WarmTask | ReadTask | ListTask;

/**
 * What a worker returns for every task. Errors travel as data because structured cloning
 * keeps an Error's message but drops its `code`, and callers branch on the code.
 */
export type TaskEnvelope<R = unknown> =
  | { ok: true; value: R }
  | { ok: false; error: { code: string; message: string } };
