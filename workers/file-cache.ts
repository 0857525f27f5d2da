// Each worker keeps parsed snapshots and search corpora in one LRU bounded by bytes, so a
// warm query costs a stat per file instead of a read and a parse. Entries are keyed by
// path + mtime + size: a file rewritten in place (a refresh in another worker) misses and
// is loaded again, and its stale entry is dropped at once rather than waiting for eviction.
import { stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { FileCacheCounters } from './protocol.js';

export interface FileCacheOptions {
  /** Upper bound of the bytes charged to all entries together. Must be a positive integer. */
  maxBytes: number;
}

/** Bytes to charge an entry: a number, or computed from the loaded value. */
export type SizeHint<T> = number | ((value: T) => number);

export type CountersListener = (counters: FileCacheCounters) => void;

interface Entry {
  value: unknown;
  size: number;
  /** The file path or derived name this entry is one version of. */
  identity: string;
}

/** A derived value's cache key: its name plus each dependency's path, mtime and size. */
async function derivedKey(name: string, deps: readonly string[]) {
  const infos = await Promise.all(deps.map((dep) => stat(dep)));
  const parts = infos.map((info, i) => `${deps[i]}\0${info.mtimeMs}\0${info.size}`);
  return {
    key: `derived:${name}\0${parts.join('\0')}`,
    depBytes: infos.reduce((sum, info) => sum + info.size, 0),
  };
}

export class FileCache {
  readonly maxBytes: number;
  #lru: LRUCache<string, Entry>;
  /** identity -> key of the entry currently cached for it. */
  #current = new Map<string, string>();
  #inflight = new Map<string, Promise<unknown>>();
  #listeners = new Set<CountersListener>();
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(options: FileCacheOptions) {
    const { maxBytes } = options;
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new TypeError(
        `FileCache option maxBytes must be a positive integer, got ${String(maxBytes)}`,
      );
    }
    this.maxBytes = maxBytes;
    this.#lru = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entry.size,
      dispose: (entry, key, reason) => {
        if (reason === 'evict') this.#evictions++;
        if (this.#current.get(entry.identity) === key) this.#current.delete(entry.identity);
      },
    });
  }

  /**
   * The value loaded from `file`, cached until the file changes or the entry is evicted.
   * Identical concurrent calls share one load (and count as hits: nothing more is read).
   * The entry is charged `sizeHint` bytes, or the file's size when no hint is given. A
   * value larger than `maxBytes` is returned but not kept. Load errors are not cached.
   */
  async get<T>(
    file: string,
    load: (file: string) => T | Promise<T>,
    sizeHint?: SizeHint<T>,
  ): Promise<T> {
    const info = await stat(file);
    const key = `file:${file}\0${info.mtimeMs}\0${info.size}`;
    return this.#lookup(key, file, () => load(file), sizeHint ?? info.size);
  }

  /**
   * A value computed from several files (e.g. a search index over snapshots), cached under
   * `name` plus each dependency's mtime and size, so a change to any of them rebuilds it.
   * Charged `sizeHint` bytes, or the dependencies' total size when no hint is given.
   */
  async getDerived<T>(
    name: string,
    deps: readonly string[],
    build: () => T | Promise<T>,
    sizeHint?: SizeHint<T>,
  ): Promise<T> {
    const { key, depBytes } = await derivedKey(name, deps);
    return this.#lookup(key, `derived:${name}`, build, sizeHint ?? depBytes);
  }

  /**
   * The value `getDerived(name, deps, ...)` would return if it is cached now, else
   * undefined; never loads. A found value counts as a hit, an absent one counts nothing.
   */
  async peekDerived<T>(name: string, deps: readonly string[]): Promise<T | undefined> {
    const cached = this.#lru.get((await derivedKey(name, deps)).key);
    if (!cached) return undefined;
    this.#hits++;
    this.#notify();
    return cached.value as T;
  }

  counters(): FileCacheCounters {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      bytes: this.#lru.calculatedSize,
      entries: this.#lru.size,
    };
  }

  /** Calls `listener` after each change of the counters; returns a function to stop. */
  onChange(listener: CountersListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Drops every entry (not counted as evictions). */
  clear(): void {
    this.#lru.clear();
    this.#current.clear();
    this.#notify();
  }

  async #lookup<T>(
    key: string,
    identity: string,
    load: () => T | Promise<T>,
    sizeHint: SizeHint<T>,
  ): Promise<T> {
    const cached = this.#lru.get(key);
    if (cached) {
      this.#hits++;
      this.#notify();
      return cached.value as T;
    }
    const pending = this.#inflight.get(key);
    if (pending) {
      this.#hits++;
      this.#notify();
      return pending as Promise<T>;
    }

    this.#misses++;
    const promise = (async () => {
      try {
        const value = await load();
        this.#store(key, identity, value, sizeHint);
        return value;
      } finally {
        this.#inflight.delete(key);
        this.#notify();
      }
    })();
    this.#inflight.set(key, promise);
    this.#notify();
    return promise;
  }

  #store<T>(key: string, identity: string, value: T, sizeHint: SizeHint<T>): void {
    const raw = typeof sizeHint === 'function' ? sizeHint(value) : sizeHint;
    // lru-cache requires a positive integer size.
    const size = Math.max(1, Math.ceil(Number.isFinite(raw) ? raw : 1));

    const previous = this.#current.get(identity);
    if (previous !== undefined && previous !== key) this.#lru.delete(previous);
    if (size > this.maxBytes) return;
    this.#lru.set(key, { value, size, identity });
    this.#current.set(identity, key);
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    const counters = this.counters();
    for (const listener of this.#listeners) {
      try {
        listener(counters);
      } catch {
        // A broken listener must not break loading; the caller owns its error handling.
      }
    }
  }
}
