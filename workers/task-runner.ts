// The jobs a worker does, independent of how it is hosted: piscina calls it from
// `worker.ts`; the benchmark's inline mode calls it on the main thread. A task error is
// returned to the caller as a rejected promise; the worker itself keeps serving.
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { FileCache } from './file-cache.js';
import { decodeFeed } from './ingest/decode.js';
import { fetchFeed, DEFAULT_FETCH_LIMITS } from './ingest/fetch-feed.js';
import { normalizeFeed } from './ingest/normalize.js';
import { parseFeed } from './ingest/parse-feed.js';
import { loadCorpus } from './search/corpus-index.js';
import { searchCorpus } from './search/query.js';
import { readSnapshot, writeSnapshot } from './store/snapshot-store.js';
import { snapshotFile } from './store/paths.js';
import type {
  ListResult, ListTask, PatternRecord, ReadResult, ReadTask, RefreshResult, RefreshTask,
  SearchResult, SearchTask, Snapshot, TaskEnvelope, WorkerStatsMessage, WorkerTask,
} from './protocol.js';

export interface RunnerOptions {
  fileCacheBytes: number;
  /** Where counter updates go: a BroadcastChannel in a worker, a callback inline. */
  publish: (message: WorkerStatsMessage) => void;
}

export function createTaskRunner(options: RunnerOptions): (task: WorkerTask) => Promise<TaskEnvelope> {
  const cache = new FileCache({ maxBytes: options.fileCacheBytes });
  let seq = 0;
  cache.onChange(() => {
    seq += 1;
    options.publish({ type: 'file-cache-stats', threadId, seq, counters: cache.counters() });
  });

  const loadSnapshot = (file: string) => cache.get(file, readSnapshot);

  async function refresh(task: RefreshTask): Promise<RefreshResult> {
    const started = performance.now();
    const file = snapshotFile(task.home, task.source.id);
    const previous = await readSnapshot(file).catch(() => null);
    const limits = { ...DEFAULT_FETCH_LIMITS, ...task.fetch };
    const validators = task.force || !previous
      ? { etag: null, lastModified: null }
      : { etag: previous.meta.etag, lastModified: previous.meta.lastModified };

    const fetched = await fetchFeed(task.source.url, validators, limits);
    if (fetched.status === 304 && previous) {
      return {
        source: task.source.id, outcome: 'not-modified',
        itemCount: previous.records.length, skipped: previous.meta.skipped.length,
        version: previous.meta.version, fetchedAt: previous.meta.fetchedAt,
        durationMs: Math.round(performance.now() - started),
      };
    }
    if (fetched.status === 304) {
      // A 304 without a snapshot to keep: fetch once more without validators.
      return refresh({ ...task, force: true });
    }

    const feed = parseFeed(decodeFeed(fetched.body, fetched.contentType));
    const { records, skipped } = normalizeFeed(task.source, feed);
    const fetchedAt = new Date().toISOString();
    const snapshot: Snapshot = {
      meta: {
        source: task.source.id, url: task.source.url, fetchedAt,
        etag: fetched.etag, lastModified: fetched.lastModified, format: feed.format,
        skipped: [...feed.skipped, ...skipped], version: recordsVersion(records),
      },
      records,
    };
    await writeSnapshot(task.home, snapshot);
    return {
      source: task.source.id, outcome: 'updated', itemCount: records.length,
      skipped: snapshot.meta.skipped.length, version: snapshot.meta.version, fetchedAt,
      durationMs: Math.round(performance.now() - started),
    };
  }

  async function search(task: SearchTask): Promise<SearchResult> {
    const corpus = await loadCorpus(task.home, task.sources, cache);
    const { hits, total } = searchCorpus(corpus, task.query, task.filters, task.limit, task.mode);
    return {
      hits, total, corpusSize: corpus.size,
      worker: { threadId, counters: cache.counters() },
    };
  }

  async function read(task: ReadTask): Promise<ReadResult> {
    const snapshot = await loadSnapshot(snapshotFile(task.home, task.source)).catch(() => null);
    const record = snapshot?.records.find((r: PatternRecord) => r.id === task.id) ?? null;
    return { record, fetchedAt: snapshot?.meta.fetchedAt ?? null };
  }

  async function list(task: ListTask): Promise<ListResult> {
    const items: ListResult['items'] = [];
    for (const source of task.sources) {
      const snapshot = await loadSnapshot(snapshotFile(task.home, source)).catch(() => null);
      for (const r of snapshot?.records ?? []) {
        items.push({ source, id: r.id, title: r.title, date: r.date });
      }
    }
    items.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
    return { items: items.slice(0, task.limit) };
  }

  async function dispatch(task: WorkerTask): Promise<unknown> {
    switch (task.kind) {
      case 'refresh': return refresh(task);
      case 'search': return search(task);
      case 'read': return read(task);
      case 'list': return list(task);
      default:
        throw new Error(`unknown task kind ${JSON.stringify((task as { kind: unknown }).kind)}`);
    }
  }

  return async (task: WorkerTask): Promise<TaskEnvelope> => {
    try {
      return { ok: true, value: await dispatch(task) };
    } catch (error) {
      return { ok: false, error: toTaskError(error) };
    }
  };
}

function toTaskError(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  return {
    code: typeof code === 'string' ? code : 'TASK_FAILED',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Changes whenever any record changes, so intent-cache keys follow the corpus. */
function recordsVersion(records: PatternRecord[]): string {
  const hash = createHash('sha1');
  for (const record of records) hash.update(JSON.stringify(record));
  return hash.digest('base64url').slice(0, 16);
}
