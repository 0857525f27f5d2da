// Overload through the real server: the pool queue is bounded (SWIFTPATTERNS_POOL_MAX_QUEUE),
// so a burst of 1,000 distinct concurrent calls (the intent cache would coalesce identical
// ones) gets explicit BUSY errors instead of an ever-growing queue, memory stays bounded,
// and the server answers normally once the burst has passed.
import test from 'ava';
import { startFixtureServer } from '../support/fixture-server.js';
import { textOf } from '../support/server-process.js';
import { FAULT, outcome, startFaultServer, statsOf } from './support.js';
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
