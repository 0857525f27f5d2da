// The query path of the search tools: check the sources asked for, wait for first
// fetches, build the intent key, answer from the intent cache or run one worker task.
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { untilAborted } from '../abortable.js';
import { intentKey } from '../intent-cache.js';
import type { IntentCache } from '../intent-cache.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { IndexWarmer } from '../sources/index-warmer.js';
import type { ProgressListener, Refresher } from '../sources/refresher.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import type { SearchResult, SearchTask } from '../../workers/protocol.js';

export interface QueryRequest {
  tool: string;
  mode: SearchTask['mode'];
  query: string;
  /** Source ids the caller restricted the search to; undefined means every enabled one. */
  sources?: string[];
  requireCode?: boolean;
  minQuality?: number;
  limit: number;
}

export interface QueryContext {
  signal?: AbortSignal;
  deadlineMs: number;
  onProgress?: ProgressListener;
}

export interface QueryAnswer<V> {
  value: V;
  cacheHit: boolean;
}

export class QueryService<V extends object> {
  readonly #registry: SourceRegistry;
  readonly #refresher: Refresher;
  readonly #warmer: IndexWarmer;
  /** Answers computed from a stale index: returned, never cached. */
  readonly #stale = new WeakSet<object>();
  readonly #pool: WorkerPool;
  readonly #cache: IntentCache<V>;

  constructor(
    registry: SourceRegistry,
    refresher: Refresher,
    warmer: IndexWarmer,
    pool: WorkerPool,
    cache: IntentCache<V>,
  ) {
    this.#registry = registry;
    this.#refresher = refresher;
    this.#warmer = warmer;
    this.#pool = pool;
    this.#cache = cache;
  }

  /** Runs `request`, shaping the worker's answer with `present` before it is cached. */
  async run(
    request: QueryRequest,
    context: QueryContext,
    present: (result: SearchResult, sources: string[]) => V,
  ): Promise<QueryAnswer<V>> {
    const wanted = this.#resolveSources(request.sources);
    await this.#refresher.waitForFirstFetches(wanted, context.signal, context.onProgress);

    const ready = wanted.filter((id) => this.#registry.get(id)?.snapshot);
    if (ready.length === 0) throw this.#noContent(wanted);

    // One index serves every query: the corpus is every enabled source with a snapshot,
    // and a `sources` argument narrows it with a filter instead of building another index.
    const corpus = this.#warmer.corpusSources();
    const narrowed = ready.length < corpus.length;
    const key = intentKey({
      tool: request.tool,
      query: request.query,
      filters: {
        requireCode: request.requireCode ?? false,
        minQuality: request.minQuality ?? 0,
        limit: request.limit,
        mode: request.mode,
      },
      sources: ready.join(','),
      corpusVersion: this.#registry.corpusFingerprint(corpus),
    });
    const task: SearchTask = {
      kind: 'search',
      home: this.#registry.home,
      sources: corpus,
      query: request.query,
      filters: {
        requireCode: request.requireCode,
        minQuality: request.minQuality,
        ...(narrowed ? { sources: ready } : {}),
      },
      limit: request.limit,
      mode: request.mode,
      versions: Object.fromEntries(
        corpus.map((id) => [id, this.#registry.get(id)?.snapshot?.version ?? '']),
      ),
      allowStale: true,
    };
    // Only the very first index build makes queries wait; later ones run behind stale answers.
    const cold = this.#warmer.coldStart();
    if (cold) await untilAborted(cold, context.signal);

    const { value, hit } = await this.#cache.getOrCompute(
      key,
      async (signal) => {
        const result = await this.#pool.run<SearchResult>(task, {
          signal,
          deadlineMs: context.deadlineMs,
        });
        if (result.indexNotSaved) this.#registry.reportIndexUnwritable(result.indexNotSaved);
        // Snapshots the worker found missing or corrupt are refetched in the background.
        if (result.unavailable) {
          this.#refresher.repair(result.unavailable);
          if (result.unavailable.length === ready.length) {
            throw new SwiftPatternsError(
              ErrorCodes.NO_CONTENT,
              `the snapshots of ${ready.join(', ')} were unreadable; refetching, retry shortly`,
            );
          }
        }
        const value = present(result, ready);
        if (result.stale) this.#stale.add(value);
        return value;
      },
      context.signal,
      (value) => !this.#stale.has(value),
    );
    return { value, cacheHit: hit };
  }

  /** Enabled sources, narrowed to the ones asked for; unknown or disabled ids are errors. */
  #resolveSources(requested?: string[]): string[] {
    if (!requested) return this.#registry.enabled().map((s) => s.config.id);
    const unique = [...new Set(requested)];
    for (const id of unique) {
      const state = this.#registry.get(id);
      if (!state) {
        const known = this.#registry.all().map((s) => s.config.id).join(', ');
        throw new SwiftPatternsError(
          ErrorCodes.UNKNOWN_SOURCE,
          `unknown source "${id}"; known sources: ${known}`,
        );
      }
      if (!state.enabled) {
        throw new SwiftPatternsError(
          ErrorCodes.INVALID_ARGUMENT,
          `source "${id}" is disabled; enable it with enable_source first`,
        );
      }
    }
    return unique;
  }

  #noContent(ids: string[]): SwiftPatternsError {
    if (ids.length === 0) {
      return new SwiftPatternsError(
        ErrorCodes.NO_CONTENT,
        'no source is enabled; list them with list_content_sources and enable one with enable_source',
      );
    }
    const reasons = ids.map((id) => {
      const error = this.#registry.get(id)?.lastError;
      return `${id}: ${error ? error.message : 'not fetched yet'}`;
    });
    return new SwiftPatternsError(
      ErrorCodes.NO_CONTENT,
      `no content is available yet from the requested sources (${reasons.join('; ')})`,
    );
  }
}
