// The jobs a worker does, independent of how it is hosted: piscina calls it from
// `worker.ts`; the benchmark's inline mode calls it on the main thread. A task error is
// returned to the caller as a rejected promise; the worker itself keeps serving.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { FileCache } from './file-cache.js';
import { decodeFeedStrict } from './ingest/decode.js';
import { FeedError, redactUrl } from './ingest/feed-error.js';
import { fetchFeed, DEFAULT_FETCH_LIMITS } from './ingest/fetch-feed.js';
import { normalizeFeed } from './ingest/normalize.js';
import { parseFeed } from './ingest/parse-feed.js';
import { indexWriteFailure, loadCorpus, recordsIn } from './search/corpus-index.js';
import { searchCorpus } from './search/query.js';
import {
  describeFsError, isFsError, isStoreError, readSnapshot, recordsVersion, StoreError,
  writeSnapshot,
} from './store/snapshot-store.js';
import { snapshotFile } from './store/paths.js';
import type {
  IngestTask, ListResult, ListTask, PatternRecord, ReadResult, ReadTask, RefreshResult,
  RefreshTask, SearchResult, SearchTask, Snapshot, TaskEnvelope, WarmResult, WarmTask,
  WorkerStatsMessage, WorkerTask,
} from './protocol.js';

export interface RunnerOptions {
  fileCacheBytes: number;
  /** Where counter updates go: a BroadcastChannel in a worker, a callback inline. */
  publish: (message: WorkerStatsMessage) => void;
}

export function createTaskRunner(options: RunnerOptions): (task: WorkerTask) => Promise<TaskEnvelope> {
  const cache = new FileCache({ maxBytes: options.fileCacheBytes });
  // Counters change on every cache lookup; one message per task that changed them is
  // enough for the main thread and keeps the channel quiet on the hot path.
  let seq = 0;
  let changed = false;
  cache.onChange(() => (changed = true));
  const publishCounters = () => {
    if (!changed) return;
    changed = false;
    seq += 1;
    options.publish({ type: 'file-cache-stats', threadId, seq, counters: cache.counters() });
  };

  // A snapshot deleted under us (another process, `patreon logout`) reads as missing, and
  // one the file system refuses to read (a directory in its place, EACCES, EIO) as
  // unreadable: the search leaves that source out and the main thread repairs it.
  const loadSnapshot = (file: string) =>
    cache.get(file, readSnapshot).catch((error: unknown) => {
      if (isStoreError(error) || !isFsError(error)) throw error;
      const name = path.basename(file);
      if (error.code === 'ENOENT') {
        throw new StoreError('SNAPSHOT_MISSING', `snapshot ${name} does not exist`, { file });
      }
      throw new StoreError(
        'SNAPSHOT_UNREADABLE',
        `snapshot ${name} cannot be read: ${describeFsError(error)}`,
        { cause: error, file },
      );
    });

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

    const feed = parseFeed(decodeFeedStrict(fetched.body, fetched.contentType));
    const { records, skipped } = normalizeFeed(task.source, feed);
    // A feed emptied by a broken CMS or a wrong page would wipe every article: keep them.
    if (records.length === 0 && previous && previous.records.length > 0) {
      throw new FeedError(
        'EMPTY_FEED',
        `${redactUrl(task.source.url)} now serves a feed with no usable items; keeping the ` +
          `last ${previous.records.length} articles`,
        { url: task.source.url },
      );
    }
    const fetchedAt = new Date().toISOString();
    const snapshot: Snapshot = {
      meta: {
        // Redacted: the file is read by people and tools; the token stays in the config.
        source: task.source.id, url: redactUrl(task.source.url), fetchedAt,
        etag: fetched.etag, lastModified: fetched.lastModified, format: feed.format,
        // Left empty: the store fills it from the checksum it computes anyway.
        skipped: [...feed.skipped, ...skipped], version: '',
      },
      records,
    };
    const { version } = await writeSnapshot(task.home, snapshot);
    return {
      source: task.source.id, outcome: 'updated', itemCount: records.length,
      skipped: snapshot.meta.skipped.length, version, fetchedAt,
      durationMs: Math.round(performance.now() - started),
    };
  }

  // Items the main thread fetched (Patreon posts): normalized and stored like a refresh's,
  // so they are searched like any feed. Same records as on disk: nothing to write.
  async function ingest(task: IngestTask): Promise<RefreshResult> {
    const started = performance.now();
    const feed = {
      format: 'patreon' as const, title: task.source.name, link: null,
      items: task.items, skipped: [],
    };
    const { records, skipped } = normalizeFeed(task.source, feed);
    const version = recordsVersion(records);
    const previous = await readSnapshot(snapshotFile(task.home, task.source.id))
      .catch(() => null);
    const done = (outcome: RefreshResult['outcome'], fetchedAt: string): RefreshResult => ({
      source: task.source.id, outcome, itemCount: records.length, skipped: skipped.length,
      version, fetchedAt, durationMs: Math.round(performance.now() - started),
    });
    if (previous?.meta.version === version) return done('not-modified', previous.meta.fetchedAt);

    const fetchedAt = new Date().toISOString();
    await writeSnapshot(task.home, {
      meta: {
        source: task.source.id, url: redactUrl(task.source.url), fetchedAt, etag: null,
        lastModified: null, format: 'patreon', skipped, version,
      },
      records,
    });
    return done('updated', fetchedAt);
  }

  async function search(task: SearchTask): Promise<SearchResult> {
    const found = await usableSources(task);
    const { usable, unavailable } = found;
    if (faults && task.query.startsWith(FAULT_PREFIX)) {
      await faults.inject(task.query.slice(FAULT_PREFIX.length), task.home);
    }
    if (usable.length === 0) {
      return {
        hits: [], total: 0, corpusSize: 0, unavailable,
        worker: { threadId, counters: cache.counters() },
        ...indexNote(),
      };
    }
    const corpus = found.corpus ??
      (await loadCorpus(task.home, usable, cache, corpusOptions(task, unavailable)));
    // A stale corpus may hold sources since disabled: keep to the ones asked for.
    const filters = corpus.stale
      ? { ...task.filters, sources: task.filters.sources ?? usable }
      : task.filters;
    const { hits, total } = searchCorpus(corpus, task.query, filters, task.limit, task.mode);
    return {
      hits, total,
      // Only what was searched: a stale corpus or a narrowed search covers fewer records.
      corpusSize: filters.sources ? recordsIn(corpus, filters.sources) : corpus.size,
      worker: { threadId, counters: cache.counters() },
      ...(unavailable.length > 0 ? { unavailable } : {}),
      ...(corpus.stale ? { stale: true } : {}),
      ...indexNote(),
    };
  }

  const corpusOptions = (task: SearchTask, unavailable: string[]) => ({
    allowStale: task.allowStale === true,
    expectedVersions: task.versions,
    // While a source is repaired, the subset without it is a one-off: keep it off disk.
    persist: unavailable.length === 0,
  });

  /**
   * The sources whose snapshots can be read, with their corpus when all of them can. The
   * corpus (one stat per snapshot when warm) answers for all at once; only when it fails is
   * each snapshot probed, so
   * that a missing, corrupt or unreadable one drops out of this search instead of failing
   * it; the main thread refetches the sources listed in `unavailable`.
   */
  async function usableSources(task: SearchTask): Promise<{
    usable: string[];
    unavailable: string[];
    corpus?: Awaited<ReturnType<typeof loadCorpus>>;
  }> {
    try {
      const corpus = await loadCorpus(task.home, task.sources, cache, corpusOptions(task, []));
      return { usable: task.sources, unavailable: [], corpus };
    } catch (error) {
      if (!isStoreError(error) && !isFsError(error)) throw error;
    }
    const usable: string[] = [];
    const unavailable: string[] = [];
    for (const source of task.sources) {
      try {
        await loadSnapshot(snapshotFile(task.home, source));
        usable.push(source);
      } catch (error) {
        const unusable = isStoreError(error, 'SNAPSHOT_CORRUPT') ||
          isStoreError(error, 'SNAPSHOT_MISSING') || isStoreError(error, 'SNAPSHOT_UNREADABLE');
        if (!unusable) throw error;
        unavailable.push(source);
      }
    }
    return { usable, unavailable };
  }

  async function warm(task: WarmTask): Promise<WarmResult> {
    const started = performance.now();
    const corpus = await loadCorpus(task.home, task.sources, cache);
    const durationMs = Math.round(performance.now() - started);
    return { size: corpus.size, hash: corpus.hash, durationMs, ...indexNote() };
  }

  const indexNote = (): { indexNotSaved?: string } => {
    const reason = indexWriteFailure(cache);
    return reason ? { indexNotSaved: reason } : {};
  };

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
      case 'ingest': return ingest(task);
      case 'search': return search(task);
      case 'warm': return warm(task);
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
      return { ok: false, error: toTaskError(error, task) };
    } finally {
      publishCounters();
    }
  };
}

function toTaskError(error: unknown, task: WorkerTask): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  // Node's own file-system messages name full local paths: clients get the operation
  // and the errno code; any other message has the data directory shortened.
  if (isFsError(error)) {
    return { code: error.code!, message: `data directory: ${describeFsError(error)}` };
  }
  const raw = error instanceof Error ? error.message : String(error);
  const home = typeof task?.home === 'string' && task.home ? task.home : null;
  const message = home
    ? raw.split(path.resolve(home)).join('<data>').split(home).join('<data>')
    : raw;
  // Errors without a code of their own are bugs or faults in the worker code, not a feed
  // or a file misbehaving: report them as WORKER_FAILED, the code clients know for that.
  if (typeof code !== 'string') return { code: 'WORKER_FAILED', message: `worker error: ${message}` };
  return { code, message };
}

// ---- test-only fault injection ----
//
// With SWIFTPATTERNS_TEST_FAULTS=1 in the environment (and only then), a search whose query
// starts with FAULT_PREFIX does something bad on purpose, so tests can prove the server
// survives it: `throw`, `exit` (process.exit in the worker), `crash` (an uncaught throw
// outside the task), `oom` (allocate until the worker's heap limit), `hang` (a busy loop
// that touches <home>/fault-heartbeat until the worker is terminated) and `sleep:<ms>`
// (wait, then search as usual). Without the variable the prefix is an ordinary query.
export const FAULT_PREFIX = 'swiftpatterns-fault:';

interface Faults {
  inject(spec: string, home: string): Promise<void>;
}

const faults: Faults | null =
  process.env.SWIFTPATTERNS_TEST_FAULTS === '1' ? createFaults() : null;

function createFaults(): Faults {
  return {
    async inject(spec, home) {
      const [kind = '', arg = ''] = spec.split(/[:\s]/, 2);
      switch (kind) {
        case 'throw':
          throw new Error('injected fault: the task threw');
        case 'exit':
          process.exit(3);
          break;
        case 'crash':
          setImmediate(() => {
            throw new Error('injected fault: uncaught error in the worker');
          });
          await new Promise((resolve) => setTimeout(resolve, 10_000));
          break;
        case 'oom': {
          const hog: number[][] = [];
          for (;;) hog.push(new Array(1_000_000).fill(hog.length));
        }
        case 'hang': {
          const beat = `${home}/fault-heartbeat`;
          for (let n = 0; ; n++) {
            writeFileSync(beat, String(n));
            const until = Date.now() + 20;
            while (Date.now() < until) {
              // busy: only terminating the thread stops this
            }
          }
        }
        case 'sleep':
          await new Promise((resolve) => setTimeout(resolve, Number(arg) || 100));
          break;
        default:
          throw new Error(`unknown injected fault ${JSON.stringify(kind)}`);
      }
    },
  };
}
