// Keeps snapshots fresh: fetches sources that have none at start, revalidates stale ones
// in the background, and lets a query wait for first fetches. Queries never wait on a
// revalidation: they run on the last good snapshot while it goes on.
import { untilAborted } from '../abortable.js';
import { describeError } from '../errors.js';
import { TRANSIENT_REFRESH_CODES } from './source-registry.js';
import type { Logger } from '../logger.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { FetchLimits, RefreshResult } from '../../workers/protocol.js';
import type { SourceRegistry } from './source-registry.js';

export interface RefreshOutcome {
  source: string;
  ok: boolean;
  result?: RefreshResult;
  error?: { code: string; message: string };
}

export interface RefresherOptions {
  refreshIntervalMs: number;
  /** Concurrent refresh tasks; the rest of the pool stays free for queries. */
  concurrency: number;
  /** A refresh that takes longer than this is abandoned (its worker is replaced). */
  taskDeadlineMs?: number;
  /** Fetch bounds sent with each refresh; default: `fetchLimitsFromEnv()`. */
  fetch?: Partial<FetchLimits>;
  /**
   * Sources refreshed by their own function instead of a worker `refresh` task (Patreon:
   * the main thread fetches with its tokens, then hands the posts to a worker). The
   * signal fires at `taskDeadlineMs`. Concurrency, sharing and bookkeeping stay the same.
   */
  customRefresh?: ReadonlyMap<string, CustomRefresh>;
  /** Called after a refresh changed what is on disk for a source (new or first snapshot). */
  onSnapshotChanged?: (id: string) => void;
  /**
   * A source whose first fetch failed is tried again, in the background, when a query
   * wants it and its last failure is at least this old. Default 60 s.
   */
  retryFailedAfterMs?: number;
}

export type CustomRefresh = (signal: AbortSignal) => Promise<RefreshResult>;

/**
 * SWIFTPATTERNS_FETCH_TIMEOUT_MS and SWIFTPATTERNS_FETCH_MAX_BYTES, when set, override the
 * worker's fetch defaults (15 s, 20 MiB); tests use them to provoke both limits quickly.
 */
export function fetchLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<FetchLimits> {
  const limits: Partial<FetchLimits> = {};
  const timeout = Number(env.SWIFTPATTERNS_FETCH_TIMEOUT_MS);
  if (Number.isInteger(timeout) && timeout >= 100) limits.timeoutMs = timeout;
  const maxBytes = Number(env.SWIFTPATTERNS_FETCH_MAX_BYTES);
  if (Number.isInteger(maxBytes) && maxBytes >= 1024) limits.maxBytes = maxBytes;
  return limits;
}

export type ProgressListener = (done: number, total: number, message: string) => void;

export class Refresher {
  readonly #registry: SourceRegistry;
  readonly #pool: WorkerPool;
  readonly #logger: Logger;
  readonly #options: RefresherOptions;
  readonly #inflight = new Map<string, Promise<RefreshOutcome>>();
  readonly #waiting: Array<() => void> = [];
  #running = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(registry: SourceRegistry, pool: WorkerPool, logger: Logger, options: RefresherOptions) {
    this.#registry = registry;
    this.#pool = pool;
    this.#logger = logger;
    this.#options = options;
  }

  /** Fetches what is missing or stale now, then checks again periodically. */
  start(): void {
    this.refreshStale();
    const every = Math.min(this.#options.refreshIntervalMs, 15 * 60_000);
    this.#timer = setInterval(() => this.refreshStale(), every);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  refreshStale(): void {
    const now = Date.now();
    for (const state of this.#registry.enabled()) {
      const last = state.lastSuccess ? Date.parse(state.lastSuccess) : 0;
      if (!state.snapshot || now - last >= this.#options.refreshIntervalMs) {
        void this.refresh(state.config.id);
      }
    }
  }

  /**
   * Sources whose snapshot a worker found missing or corrupt: forget the snapshot (queries
   * wait for the refetch) and fetch it again without conditional-GET validators.
   */
  repair(ids: readonly string[]): void {
    for (const id of ids) {
      if (!this.#registry.get(id) || this.#inflight.has(id)) continue;
      this.#logger.warn({ source: id }, 'snapshot missing or corrupt; refetching');
      this.#registry.markUnavailable(id);
      void this.refresh(id, { force: true });
    }
  }

  /** Resolves when no source without a snapshot is being fetched any more. */
  async firstFetchesSettled(): Promise<void> {
    const firsts = [...this.#inflight]
      .filter(([id]) => !this.#registry.get(id)?.snapshot)
      .map(([, outcome]) => outcome);
    await Promise.all(firsts);
  }

  isRefreshing(id: string): boolean {
    return this.#inflight.has(id);
  }

  /** One refresh per source at a time; concurrent callers share it. Never rejects. */
  refresh(id: string, options: { force?: boolean } = {}): Promise<RefreshOutcome> {
    const running = this.#inflight.get(id);
    if (running) return running;
    const task = this.#run(id, options.force ?? false).finally(() => this.#inflight.delete(id));
    this.#inflight.set(id, task);
    return task;
  }

  async refreshAll(
    ids: string[],
    options: { force?: boolean; onProgress?: ProgressListener } = {},
  ): Promise<RefreshOutcome[]> {
    let done = 0;
    return Promise.all(
      ids.map(async (id) => {
        const outcome = await this.refresh(id, options);
        done += 1;
        options.onProgress?.(done, ids.length, `${id}: ${outcome.ok ? 'ok' : 'failed'}`);
        return outcome;
      }),
    );
  }

  /**
   * Waits until each of `ids` that has no snapshot yet and is being fetched for the first
   * time has finished (successfully or not). A source with a snapshot never makes a query
   * wait, and neither does one whose first fetch already failed: it is retried in the
   * background, at most once per `retryFailedAfterMs`, so a dead feed costs queries nothing.
   */
  async waitForFirstFetches(
    ids: string[],
    signal?: AbortSignal,
    onProgress?: ProgressListener,
  ): Promise<void> {
    const retryAfter = this.#options.retryFailedAfterMs ?? 60_000;
    const waits: Array<{ id: string; outcome: Promise<RefreshOutcome> }> = [];
    for (const id of ids) {
      const state = this.#registry.get(id);
      if (!state || state.snapshot) continue;
      const running = this.#inflight.get(id);
      if (running) {
        waits.push({ id, outcome: running });
      } else if (!state.lastError) {
        // Never tried (just enabled, or added while the server runs): fetch it now.
        waits.push({ id, outcome: this.refresh(id) });
      } else if (Date.now() - Date.parse(state.lastError.at) >= retryAfter) {
        void this.refresh(id);
      }
    }
    if (waits.length === 0) return;

    let done = 0;
    onProgress?.(0, waits.length, `fetching ${waits.length} source(s) for the first time`);
    const all = Promise.all(
      waits.map(({ id, outcome }) =>
        outcome.then((result) => {
          done += 1;
          onProgress?.(done, waits.length, `${id}: ${result.ok ? 'fetched' : 'failed'}`);
        }),
      ),
    );
    await untilAborted(all, signal);
  }

  async #run(id: string, force: boolean): Promise<RefreshOutcome> {
    await this.#acquire();
    const state = this.#registry.get(id);
    try {
      if (!state) throw new Error(`unknown source ${id}`);
      const { id: sourceId, name, url } = state.config;
      const deadlineMs = this.#options.taskDeadlineMs ?? 120_000;
      const custom = this.#options.customRefresh?.get(id);
      const result = custom
        ? await custom(AbortSignal.timeout(deadlineMs))
        : await this.#pool.run<RefreshResult>(
          {
            kind: 'refresh', home: this.#registry.home, source: { id: sourceId, name, url },
            force, fetch: this.#options.fetch ?? fetchLimitsFromEnv(),
          },
          { deadlineMs },
        );
      const changed = result.version !== state.snapshot?.version;
      this.#registry.recordSuccess(id, {
        version: result.version,
        fetchedAt: result.fetchedAt,
        itemCount: result.itemCount,
        skipped: result.skipped,
      });
      this.#logger.info(
        { source: id, outcome: result.outcome, items: result.itemCount, ms: result.durationMs },
        'source refreshed',
      );
      if (changed) this.#options.onSnapshotChanged?.(id);
      return { source: id, ok: true, result };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const failure = {
        code: typeof code === 'string' ? code : 'REFRESH_FAILED',
        message: describeError(error),
      };
      // A full queue or a shutdown says nothing about the feed: keep its last error (and
      // its health) as it was; the next periodic or query-driven refresh tries again.
      const transient = TRANSIENT_REFRESH_CODES.has(failure.code);
      if (state && !transient) this.#registry.recordFailure(id, failure);
      this.#logger.warn({ source: id, ...failure, transient }, 'source refresh failed');
      return { source: id, ok: false, error: failure };
    } finally {
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#running < this.#options.concurrency) {
      this.#running += 1;
      return;
    }
    // The releasing task hands its slot over directly, so no one can slip in between.
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#running -= 1;
  }
}
