// Aggregates the per-worker LRU file-cache counters that each worker posts on a
// BroadcastChannel. Counters are cumulative per worker, so the latest message of each
// thread is its whole story; a worker that exits keeps its last counts in the totals.
import { BroadcastChannel } from 'node:worker_threads';
import type { FileCacheCounters, WorkerStatsMessage } from '../../workers/protocol.js';

export interface WorkerCacheStats extends FileCacheCounters {
  threadId: number;
  /** False once the worker has exited; its counts still count. */
  alive: boolean;
}

export interface FileCacheTotals extends FileCacheCounters {
  perWorker: WorkerCacheStats[];
}

const zero = (): FileCacheCounters => ({ hits: 0, misses: 0, evictions: 0, bytes: 0, entries: 0 });

export class FileCacheStats {
  readonly #channel: BroadcastChannel | null;
  readonly #workers = new Map<number, { seq: number; counters: FileCacheCounters; alive: boolean }>();

  /** Listens on `channelName`; pass null to feed messages by hand (inline mode). */
  constructor(channelName: string | null) {
    if (channelName === null) {
      this.#channel = null;
      return;
    }
    this.#channel = new BroadcastChannel(channelName);
    this.#channel.onmessage = (event) => this.record((event as MessageEvent).data);
    // The channel must not keep the process alive on shutdown.
    this.#channel.unref();
  }

  record(message: WorkerStatsMessage): void {
    if (message?.type !== 'file-cache-stats') return;
    const known = this.#workers.get(message.threadId);
    // Messages from one worker arrive in order, but a guard costs nothing.
    if (known && known.seq >= message.seq) return;
    this.#workers.set(message.threadId, {
      seq: message.seq,
      counters: { ...message.counters },
      alive: known?.alive ?? true,
    });
  }

  /** Marks a worker gone; its bytes are freed, its hit/miss counts stay in the totals. */
  markExited(threadId: number): void {
    const known = this.#workers.get(threadId);
    if (!known) return;
    known.alive = false;
    known.counters = { ...known.counters, bytes: 0, entries: 0 };
  }

  totals(): FileCacheTotals {
    const sum = zero();
    const perWorker: WorkerCacheStats[] = [];
    for (const [threadId, { counters, alive }] of this.#workers) {
      sum.hits += counters.hits;
      sum.misses += counters.misses;
      sum.evictions += counters.evictions;
      sum.bytes += counters.bytes;
      sum.entries += counters.entries;
      perWorker.push({ threadId, alive, ...counters });
    }
    perWorker.sort((a, b) => a.threadId - b.threadId);
    return { ...sum, perWorker };
  }

  close(): void {
    this.#channel?.close();
  }
}
