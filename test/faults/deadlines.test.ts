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
  t.regex(textOf(result), /SWIFTPATTERNS_TOOL_TIMEOUT_MS/);
  t.true(existsSync(heartbeat), 'the task had started');
  await assertPoolFree(t);
  await assertStopped(t);
  const next = await server.call('search_swift_content', { query: 'swift closures after deadline' });
  t.is(outcome(next), 'ok', textOf(next));
});

test.serial('refresh_sources returns at its deadline or on cancellation; the refresh goes on', async (t) => {
  // A feed that never answers, far longer than the call's deadline.
  feeds.route('/stall.rss', () => {});
  const stalled = await startFaultServer([{ id: 'stall', url: feeds.url('stall.rss') }], {
    SWIFTPATTERNS_TOOL_TIMEOUT_MS: '3000',
    SWIFTPATTERNS_FETCH_TIMEOUT_MS: '60000',
  });
  t.teardown(() => stalled.close());

  const result = await stalled.call('refresh_sources');
  t.is(outcome(result), 'DEADLINE_EXCEEDED', textOf(result));
  t.regex(textOf(result), /SWIFTPATTERNS_TOOL_TIMEOUT_MS/);
  t.regex(textOf(result), /goes on in the background/);
  const listed = await stalled.call('list_content_sources');
  const row = (listed.structuredContent as { sources: Array<Record<string, unknown>> }).sources[0];
  t.like(row, { id: 'stall', refreshing: true });

  const controller = new AbortController();
  const call = stalled.client.callTool(
    { name: 'refresh_sources', arguments: {} },
    undefined,
    { signal: controller.signal, timeout: 60_000 },
  );
  await sleep(200);
  controller.abort('the user gave up');
  await t.throwsAsync(call);
  // The handler itself returned (it logs the cancelled call), long before the fetch ends.
  await eventually(() => /"tool":"refresh_sources","err":"the request was cancelled"/
    .test(stalled.stderr()));
  t.pass();
});
