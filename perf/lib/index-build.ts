// Index build time and memory: a server starts on an empty data dir and its first search
// waits for every source to be fetched, parsed and indexed. Optionally one `refresh_sources`
// is timed on the running server too (with conditional GET off, so it redoes all the work).
import { textOf } from './answers.js';
import { elapsedMicros, now } from './histogram.js';
import { launch } from './launch.js';
import { readServerStats, waitForIdle } from './stats.js';
import type { ServerStats } from './stats.js';
import type { IndexBuild } from './load-report.js';
import type { Sandbox } from './sandbox.js';

export async function measureIndexBuild(
  sandbox: Sandbox,
  home: string,
  options: { callTimeoutMs: number; refresh: boolean },
): Promise<IndexBuild> {
  const server = await launch({
    entry: 'server',
    env: sandbox.env(home),
    callTimeoutMs: options.callTimeoutMs,
  });
  try {
    // The first search waits for the first fetches. If it comes back as an error (a tool
    // deadline on a very large corpus), the build is timed to the first search that answers.
    // Stats are read every 10 s meanwhile, so a build that never ends still says what the
    // server was doing (cache evictions, queue, memory).
    const firstSearchErrors: string[] = [];
    let during: ServerStats | null = null;
    const poll = setInterval(() => {
      readServerStats(server).then(
        (stats) => void (during = stats ?? during),
        () => {},
      );
    }, 10_000);
    try {
      for (;;) {
        const result = await server.call('search_swift_content', { query: 'swift concurrency' });
        if (!result.isError) break;
        firstSearchErrors.push(textOf(result));
        if (firstSearchErrors.length >= 5) {
          throw new Error(`first search failed: ${textOf(result)}`);
        }
        await waitForIdle(server, options.callTimeoutMs);
      }
    } catch (error) {
      throw new Error(`${String(error)}; last stats: ${describe(during)}`, { cause: error });
    } finally {
      clearInterval(poll);
    }
    const firstSearchMs = Math.round(elapsedMicros(server.spawnedAt) / 1000);
    await waitForIdle(server, options.callTimeoutMs);

    let refreshMs: number | null = null;
    if (options.refresh) {
      sandbox.disableConditionalGet();
      const started = now();
      const result = await server.call('refresh_sources', {}, options.callTimeoutMs);
      if (result.isError) {
        throw new Error(`refresh_sources failed: ${JSON.stringify(result.content)}`);
      }
      refreshMs = Math.round(elapsedMicros(started) / 1000);
    }

    // A search after the build, so the reading includes a loaded index in a worker.
    await server.call('search_swift_content', { query: 'async await' });
    const stats = await readServerStats(server);
    const sources = (stats?.sources ?? []) as Array<{ itemCount?: number }>;
    return {
      firstSearchMs,
      firstSearchErrors,
      refreshMs,
      rssAfterBytes: (await server.rssBytes()) ?? stats?.memory?.rss ?? null,
      heapUsedBytes: stats?.memory?.heapUsed ?? null,
      fileCacheBytes: stats?.fileCache?.bytes ?? null,
      sourcesReported: stats ? sources.length : null,
      itemsReported: stats ? sources.reduce((n, s) => n + (s.itemCount ?? 0), 0) : null,
    };
  } finally {
    await server.close();
  }
}

function describe(stats: ServerStats | null): string {
  if (!stats) return 'none';
  const { fileCache, pool, memory } = stats;
  const cache = fileCache && {
    hits: fileCache.hits,
    misses: fileCache.misses,
    evictions: fileCache.evictions,
    bytes: fileCache.bytes,
  };
  const queue = pool ? { queueSize: pool.queueSize, completed: pool.completed } : null;
  return JSON.stringify({ fileCache: cache, pool: queue, memory });
}
