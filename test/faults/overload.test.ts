// Overload through the real server: the pool queue is bounded (SWIFTPATTERNS_POOL_MAX_QUEUE),
// so a burst of 1,000 distinct concurrent calls (the intent cache would coalesce identical
// ones) gets explicit BUSY errors instead of an ever-growing queue, memory stays bounded,
// and the server answers normally once the burst has passed.
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { ErrorCodes, SwiftPatternsError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import { Refresher } from '../../src/sources/refresher.js';
import { SourceRegistry } from '../../src/sources/source-registry.js';
import { startFixtureServer } from '../support/fixture-server.js';
import { makeHome, textOf } from '../support/server-process.js';
import { FAULT, outcome, startFaultServer, statsOf } from './support.js';
import type { ErrorCode } from '../../src/errors.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';

let feeds: FixtureServer;
let server: ServerHandle;

test.before(async () => {
  feeds = await startFixtureServer();
  server = await startFaultServer([{ id: 'natasha', url: feeds.url('natasha.rss') }], {
    SWIFTPATTERNS_POOL_MAX_QUEUE: '16',
  });
  await server.call('search_swift_content', { query: 'swift protocols' });
});

test.after.always(async () => {
  await server?.close();
  await feeds?.close();
});

test.serial('a burst of 1,000 calls: BUSY past the queue bound, bounded memory, recovery', async (t) => {
  const before = await statsOf(server);
  t.is(before.pool.maxQueue, 16);

  const burst = await Promise.all(
    Array.from({ length: 1000 }, (_, i) =>
      server.call('search_swift_content', { query: `${FAULT}sleep:100 burst ${i}` }),
    ),
  );
  const tally = new Map<string, number>();
  for (const result of burst) tally.set(outcome(result), (tally.get(outcome(result)) ?? 0) + 1);
  t.log(Object.fromEntries(tally));
  t.deepEqual([...tally.keys()].sort(), ['BUSY', 'ok'], 'only answers and BUSY errors');
  t.true((tally.get('BUSY') ?? 0) >= 500, 'most of the burst was turned away');
  t.true((tally.get('ok') ?? 0) >= 18, 'the workers and the queue were used to the full');
  const busy = burst.find((r) => outcome(r) === 'BUSY')!;
  t.regex(textOf(busy), /retry/);

  const after = await statsOf(server);
  t.is(after.pool.queueSize, 0);
  // Generous: the server holds at most 16 queued tasks, so 1,000 calls cost a few MB.
  const grownMb = (after.memory.rss - before.memory.rss) / 1024 / 1024;
  t.log(`rss ${Math.round(before.memory.rss / 1048576)} → ${Math.round(after.memory.rss / 1048576)} MB`);
  t.true(grownMb < 150, `RSS grew by ${grownMb.toFixed(1)} MB`);

  const next = await server.call('search_swift_content', { query: 'swift closures after the burst' });
  t.is(outcome(next), 'ok', textOf(next));
  t.is(after.pool.workerRestarts, before.pool.workerRestarts, 'no worker died');
});

test('a refresh turned away (BUSY, SHUTTING_DOWN, CANCELLED) is not the source\'s error', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const ids = ['busy', 'cancelled', 'shutdown', 'feed-down'];
  const configs = ids.map((id) => ({ id, name: id, url: `http://127.0.0.1:9/${id}.rss` }));
  const registry = new SourceRegistry(home, configs, silentLogger);
  // A closed pool refuses every task with SHUTTING_DOWN, as during shutdown.
  const pool = new WorkerPool({
    threads: 1, maxQueue: 1, fileCacheBytes: 1 << 20, inline: true, logger: silentLogger,
  });
  await pool.destroy();
  const failWith = (code: string) => async (): Promise<never> => {
    throw code === 'HTTP_STATUS'
      ? Object.assign(new Error('answered HTTP 500'), { code })
      : new SwiftPatternsError(code as ErrorCode, `turned away: ${code}`);
  };
  const refresher = new Refresher(registry, pool, silentLogger, {
    refreshIntervalMs: 60_000,
    concurrency: 2,
    customRefresh: new Map([
      ['busy', failWith(ErrorCodes.BUSY)],
      ['cancelled', failWith(ErrorCodes.CANCELLED)],
      ['feed-down', failWith('HTTP_STATUS')],
    ]),
  });

  const outcomes = await refresher.refreshAll(ids);
  t.deepEqual(outcomes.map((o) => [o.source, o.ok, o.error?.code]), [
    ['busy', false, 'BUSY'], ['cancelled', false, 'CANCELLED'],
    ['shutdown', false, 'SHUTTING_DOWN'], ['feed-down', false, 'HTTP_STATUS'],
  ]);
  const errors = () => ids.map((id) => registry.get(id)!.lastError?.code ?? null);
  t.deepEqual(errors(), [null, null, null, 'HTTP_STATUS']);
  await registry.flush();
  const file = path.join(home, 'state.json');
  const saved = JSON.parse(readFileSync(file, 'utf8')).sources;
  const savedCodes = ids.map((id) => saved[id].lastError?.code ?? null);
  t.deepEqual(savedCodes, [null, null, null, 'HTTP_STATUS']);

  // One persisted by an older version is dropped when the state is loaded.
  saved.busy.lastError = { code: 'BUSY', message: 'busy', at: new Date().toISOString() };
  writeFileSync(file, JSON.stringify({ version: 1, sources: saved }));
  const reloaded = new SourceRegistry(home, configs, silentLogger);
  t.is(reloaded.get('busy')!.lastError, null);
  t.is(reloaded.get('feed-down')!.lastError?.code, 'HTTP_STATUS');
});
