// What the harness reads from `get_server_stats`. Fields are optional on purpose: the report
// shows what the server says and leaves out what it does not, rather than failing a run.
import type { LaunchedServer } from './launch.js';

export interface PoolTiming {
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
  mean?: number;
  [key: string]: number | undefined;
}

export interface ServerStats {
  intentCache?: { hits: number; misses: number; hitRate: number; evictions: number; size: number };
  fileCache?: {
    hits: number;
    misses: number;
    evictions: number;
    bytes: number;
    perWorker?: unknown[];
  };
  pool?: {
    /** 'inline' when SWIFTPATTERNS_INLINE=1 runs the tasks on the main thread. */
    mode?: string;
    threads?: number;
    queueSize?: number;
    utilization?: number;
    completed?: number;
    waitTime?: PoolTiming;
    runTime?: PoolTiming;
  };
  memory?: { rss?: number; heapUsed?: number };
  sources?: unknown[];
  [key: string]: unknown;
}

/** Calls `get_server_stats` and returns its structured content, or null if it has none. */
export async function readServerStats(server: LaunchedServer): Promise<ServerStats | null> {
  if (!server.tools.includes('get_server_stats')) return null;
  const result = await server.call('get_server_stats');
  if (result.isError) return null;
  return (result.structuredContent as ServerStats | undefined) ?? null;
}

/** The memory and pool figures a report keeps from one stats reading plus /proc. */
export interface ResourceSnapshot {
  /** From /proc, bytes. */
  rss: number | null;
  /** As the server reports them. */
  memory: ServerStats['memory'] | null;
  pool: ServerStats['pool'] | null;
  intentCache: ServerStats['intentCache'] | null;
  fileCache: Omit<NonNullable<ServerStats['fileCache']>, 'perWorker'> | null;
}

export async function snapshotResources(server: LaunchedServer): Promise<ResourceSnapshot> {
  const [rss, stats] = await Promise.all([server.rssBytes(), readServerStats(server)]);
  const fileCache = stats?.fileCache;
  return {
    rss,
    memory: stats?.memory ?? null,
    pool: stats?.pool ?? null,
    intentCache: stats?.intentCache ?? null,
    fileCache: fileCache
      ? {
          hits: fileCache.hits,
          misses: fileCache.misses,
          evictions: fileCache.evictions,
          bytes: fileCache.bytes,
        }
      : null,
  };
}

/**
 * Waits until no source is refreshing (the server fetches every source in the background at
 * start), so warm measurements do not include start-up work. Reads `list_content_sources`;
 * returns the milliseconds waited.
 */
export async function waitForIdle(server: LaunchedServer, timeoutMs = 300_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const result = await server.call('list_content_sources');
    const content = result.structuredContent as { sources?: Array<{ refreshing?: boolean }> };
    const busy = (content?.sources ?? []).some((source) => source.refreshing === true);
    if (!busy) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`sources still refreshing after ${timeoutMs} ms`);
}
