// Worker cache counters travel over a BroadcastChannel; the main thread's totals must
// equal the sum of what each worker counted itself.
import { rm } from 'node:fs/promises';
import test from 'ava';
import { silentLogger } from '../../../src/logger.js';
import { WorkerPool } from '../../../src/pool/worker-pool.js';
import { startFixtureServer } from '../../support/fixture-server.js';
import { makeHome } from '../../support/server-process.js';
import type { FileCacheCounters, RefreshResult, SearchResult } from '../../../workers/protocol.js';

test('pool file-cache totals equal the sum of every worker’s own counters', async (t) => {
  const feeds = await startFixtureServer();
  const home = await makeHome();
  const pool = new WorkerPool({
    threads: 2, maxQueue: 100, fileCacheBytes: 64 * 1024 * 1024, inline: false, logger: silentLogger,
  });
  t.teardown(async () => {
    await pool.destroy();
    await feeds.close();
    await rm(home, { recursive: true, force: true });
  });

  for (const [id, file] of [['tca', 'tca-articles.rss'], ['natasha', 'natasha.rss']]) {
    await pool.run<RefreshResult>({
      kind: 'refresh', home, source: { id: id!, name: id!, url: feeds.url(file!) },
    });
  }

  const queries = ['reducer', 'testing', 'swiftui', 'dependencies', 'effects', 'navigation'];
  const results = await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      pool.run<SearchResult>({
        kind: 'search', home, sources: ['natasha', 'tca'], query: queries[i % queries.length]!,
        filters: {}, limit: 5, mode: 'search',
      }),
    ),
  );

  // Each task reports its worker's counters after it ran; the largest is that worker's last.
  const own = new Map<number, FileCacheCounters>();
  for (const { worker } of results) {
    const seen = own.get(worker.threadId);
    const total = (c: FileCacheCounters) => c.hits + c.misses;
    if (!seen || total(worker.counters) > total(seen)) own.set(worker.threadId, worker.counters);
  }
  t.true(own.size >= 1);

  const expected = { hits: 0, misses: 0, evictions: 0 };
  for (const c of own.values()) {
    expected.hits += c.hits;
    expected.misses += c.misses;
    expected.evictions += c.evictions;
  }

  // Messages cross threads asynchronously: wait (bounded) for the last ones to land.
  let totals = pool.fileCache();
  for (let i = 0; i < 100 && (totals.hits !== expected.hits || totals.misses !== expected.misses); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    totals = pool.fileCache();
  }
  t.like(totals, expected);
  t.true(totals.hits > 0, 'warm searches hit the worker file cache');
  const perWorkerHits = totals.perWorker.reduce((sum, w) => sum + w.hits, 0);
  t.is(perWorkerHits, totals.hits);
  for (const [threadId, counters] of own) {
    const worker = totals.perWorker.find((w) => w.threadId === threadId);
    t.like(worker, { hits: counters.hits, misses: counters.misses });
  }
});
