// Deadlines and cancellation through the real server, with one worker thread so that a
// task left running would block everything after it. The `hang` fault is a busy loop that
// rewrites <home>/fault-heartbeat every ~20 ms until its thread is terminated.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startFixtureServer } from '../support/fixture-server.js';
import { textOf } from '../support/server-process.js';
import { FAULT, eventually, outcome, sleep, startFaultServer, statsOf } from './support.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';

let feeds: FixtureServer;
let server: ServerHandle;
let heartbeat: string;

test.before(async () => {
  feeds = await startFixtureServer();
  server = await startFaultServer([{ id: 'natasha', url: feeds.url('natasha.rss') }], {
    SWIFTPATTERNS_POOL_THREADS: '1',
    SWIFTPATTERNS_TOOL_TIMEOUT_MS: '4000',
  });
  heartbeat = path.join(server.home, 'fault-heartbeat');
  await server.call('search_swift_content', { query: 'swift protocols' });
});

test.after.always(async () => {
  await server?.close();
  await feeds?.close();
});

/**
 * Waits until the heartbeat file stops changing: the busy loop is really gone. The
 * client's call settles as soon as it sends the cancellation, before the server has
 * terminated the thread, so this polls; a loop that kept running never passes (the test
 * then fails on ava's timeout).
 */
async function assertStopped(t: { pass: () => void }) {
  await eventually(async () => {
    const first = readFileSync(heartbeat, 'utf8');
    await sleep(300);
    return readFileSync(heartbeat, 'utf8') === first;
  }, 0);
  t.pass();
}

async function assertPoolFree(t: { pass: () => void }) {
  await eventually(async () => {
    const { pool } = await statsOf(server);
    return pool.active === 0 && pool.queueSize === 0 && pool.idleThreads === pool.threads;
  });
  t.pass();
}

test.serial('notifications/cancelled aborts the worker task; the worker is free again', async (t) => {
  rmSync(heartbeat, { force: true });
  const controller = new AbortController();
  const call = server.client.callTool(
    { name: 'search_swift_content', arguments: { query: `${FAULT}hang cancel` } },
    undefined,
    { signal: controller.signal, timeout: 60_000 },
  );
  let settled = false;
  call.then(() => (settled = true), () => (settled = true));
  await eventually(() => existsSync(heartbeat) || settled, 20);
  t.false(settled, 'the call ended before its task started');
  // The SDK client sends notifications/cancelled for the request when its signal fires.
  controller.abort('the user changed their mind');
  await t.throwsAsync(call);
  await assertPoolFree(t);
  await assertStopped(t);
  const next = await server.call('search_swift_content', { query: 'swift closures after cancel' });
  t.is(outcome(next), 'ok', textOf(next));
  t.regex(server.stderr(), /"tool":"search_swift_content".*CANCELLED|cancelled/);
});

test.serial('a call past its deadline gets DEADLINE_EXCEEDED and its task is stopped', async (t) => {
  rmSync(heartbeat, { force: true });
  const result = await server.call('search_swift_content', { query: `${FAULT}hang deadline` });
  t.is(outcome(result), 'DEADLINE_EXCEEDED', textOf(result));
  t.regex(textOf(result), /SWIFTPATTERNS_TOOL_TIMEOUT_MS|within/);
  t.true(existsSync(heartbeat), 'the task had started');
  await assertPoolFree(t);
  await assertStopped(t);
  const next = await server.call('search_swift_content', { query: 'swift closures after deadline' });
  t.is(outcome(next), 'ok', textOf(next));
});
