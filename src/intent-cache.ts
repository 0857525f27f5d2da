// The main thread's intent cache: finished tool answers keyed by what was asked (tool,
// normalized query, filters) and what it was asked of (enabled sources, corpus version).
// A hit answers without touching the pool; identical concurrent misses share one task.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface IntentCacheStats {
  hits: number;
  misses: number;
  hitRate: number;
  evictions: number;
  size: number;
  /** Misses that joined a task already in flight for the same key. */
  coalesced: number;
}

export interface IntentCacheOptions {
  /** Most entries kept; 0 turns caching off (misses are still coalesced). */
  max: number;
  ttlMs: number;
  /** Injected clock for TTL tests. */
  now?: () => number;
}

export interface IntentParts {
  tool: string;
  query?: string;
  filters?: Record<string, unknown>;
  /** Fingerprint of the enabled sources. */
  sources: string;
  corpusVersion: string;
}

/** Lowercase, Unicode-normalized, single-spaced: "  Async   AWAIT " → "async await". */
export function normalizeQuery(query: string): string {
  return query.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function intentKey(parts: IntentParts): string {
  const body = stableJson({
    t: parts.tool,
    q: parts.query === undefined ? undefined : normalizeQuery(parts.query),
    f: parts.filters,
    s: parts.sources,
    v: parts.corpusVersion,
  });
  // Hashing keeps keys small whatever the query length (queries are capped at 1 kB anyway).
  return createHash('sha1').update(body).digest('base64url');
}

interface Flight<V> {
  promise: Promise<V>;
  controller: AbortController;
  waiters: number;
}

export class IntentCache<V extends object> {
  readonly #cache: LRUCache<string, V> | null;
  readonly #inflight = new Map<string, Flight<V>>();
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #coalesced = 0;

  constructor(options: IntentCacheOptions) {
    if (options.max > 0) {
      const perf = options.now ? { now: options.now } : undefined;
      this.#cache = new LRUCache<string, V>({
        max: options.max,
        ttl: options.ttlMs,
        ttlAutopurge: false,
        // An injected clock is read on every lookup (lru-cache otherwise caches "now").
        ...(perf ? { perf, ttlResolution: 0 } : {}),
        dispose: (_value, _key, reason) => {
          if (reason === 'evict') this.#evictions += 1;
        },
      });
    } else {
      this.#cache = null;
    }
  }

  /**
   * Returns the cached answer, or runs `compute` once for all concurrent callers of one key.
   * The task's own signal aborts only when every caller waiting on it has given up, so one
   * cancelled request never fails the others that joined it.
   */
  async getOrCompute(
    key: string,
    compute: (signal: AbortSignal) => Promise<V>,
    callerSignal?: AbortSignal,
    /** Whether a computed value may be kept (e.g. not an answer from a stale index). */
    cacheable: (value: V) => boolean = () => true,
  ): Promise<{ value: V; hit: boolean }> {
    const cached = this.#cache?.get(key);
    if (cached !== undefined) {
      this.#hits += 1;
      return { value: cached, hit: true };
    }
    this.#misses += 1;
    let flight = this.#inflight.get(key);
    if (flight) {
      this.#coalesced += 1;
    } else {
      flight = this.#start(key, compute, cacheable);
    }
    return { value: await this.#join(flight, callerSignal), hit: false };
  }

  #start(
    key: string,
    compute: (signal: AbortSignal) => Promise<V>,
    cacheable: (value: V) => boolean,
  ): Flight<V> {
    const controller = new AbortController();
    const flight: Flight<V> = { controller, waiters: 0, promise: Promise.resolve() as never };
    flight.promise = compute(controller.signal).then(
      (value) => {
        this.#inflight.delete(key);
        if (cacheable(value)) this.#cache?.set(key, value);
        return value;
      },
      (error: unknown) => {
        this.#inflight.delete(key);
        throw error;
      },
    );
    // A flight nobody waits on any more must not raise an unhandled rejection.
    flight.promise.catch(() => {});
    this.#inflight.set(key, flight);
    return flight;
  }

  #join(flight: Flight<V>, signal?: AbortSignal): Promise<V> {
    if (!signal) {
      flight.waiters += 1;
      return flight.promise.finally(() => (flight.waiters -= 1));
    }
    if (signal.aborted) {
      if (flight.waiters === 0) flight.controller.abort(signal.reason);
      return Promise.reject(signal.reason);
    }
    flight.waiters += 1;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters -= 1;
        if (flight.waiters === 0) flight.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          flight.waiters -= 1;
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          flight.waiters -= 1;
          reject(error);
        },
      );
    });
  }

  /** Drops every entry (counters stay). */
  clear(): void {
    this.#cache?.clear();
  }

  stats(): IntentCacheStats {
    const lookups = this.#hits + this.#misses;
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRate: lookups === 0 ? 0 : Math.round((this.#hits / lookups) * 1000) / 1000,
      evictions: this.#evictions,
      size: this.#cache?.size ?? 0,
      coalesced: this.#coalesced,
    };
  }
}
