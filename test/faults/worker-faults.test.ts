// Worker faults through the real server: a task that throws, a worker that exits, one
// that throws outside its task and one that runs out of heap. Each fails only its own
// request with WORKER_FAILED; the pool replaces dead workers, the next request succeeds
// and a dead worker's file-cache counts stay in get_server_stats.
import test from 'ava';
import { startFixtureServer } from '../support/fixture-server.js';
import { resultsOf, textOf } from '../support/server-process.js';
import { FAULT, outcome, startFaultServer, statsOf } from './support.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';

let feeds: FixtureServer;
let server: ServerHandle;

test.before(async () => {
  feeds = await startFixtureServer();
  server = await startFaultServer(
    [{ id: 'natasha', url: feeds.url('natasha.rss') }],
    { SWIFTPATTERNS_WORKER_HEAP_MB: '96' },
  );
  // The first query waits for the first fetch and warms both workers' caches.
  await server.call('search_swift_content', { query: 'swift protocols' });
});

test.after.always(async () => {
  await server?.close();
  await feeds?.close();
});

const cases: Array<[string, string, boolean]> = [
  // [fault, what it does, does the worker die?]
  ['throw', 'a task that throws', false],
  ['exit', 'process.exit in the worker', true],
  ['crash', 'an uncaught throw at the top level of the worker', true],
  ['oom', 'a worker running out of heap (resourceLimits)', true],
];

for (const [fault, what, dies] of cases) {
  test.serial(`${what}: WORKER_FAILED for that call only, then service as usual`, async (t) => {
    const before = await statsOf(server);
    const [failed, bystander] = await Promise.all([
      server.call('search_swift_content', { query: `${FAULT}${fault}` }),
      server.call('search_swift_content', { query: `swift generics ${fault}` }),
    ]);
    t.is(outcome(failed), 'WORKER_FAILED', textOf(failed));
    t.regex(textOf(failed), /retry|worker error/);
    t.is(outcome(bystander), 'ok', textOf(bystander));

    const next = await server.call('search_swift_content', { query: `swift closures ${fault}` });
    t.is(outcome(next), 'ok', textOf(next));
    t.true(resultsOf(next).length > 0);

    const after = await statsOf(server);
    t.is(after.pool.workerRestarts, before.pool.workerRestarts + (dies ? 1 : 0));
    t.is(after.pool.threads, 2, 'the pool is back to full strength');
    // Cumulative counts never drop: a dead worker's last message stays in the totals.
    t.true(after.fileCache.hits + after.fileCache.misses > before.fileCache.hits + before.fileCache.misses);
    const sum = after.fileCache.perWorker.reduce((n, w) => n + w.hits + w.misses, 0);
    t.is(sum, after.fileCache.hits + after.fileCache.misses);
    if (dies) {
      const dead = after.fileCache.perWorker.filter((w) => !w.alive);
      t.true(dead.length > before.fileCache.perWorker.filter((w) => !w.alive).length);
      t.true(dead.every((w) => w.hits + w.misses > 0), JSON.stringify(dead));
    }
  });
}
