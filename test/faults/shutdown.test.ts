// Shutdown of the real server process on stdin EOF, SIGTERM and SIGINT while a call is in
// flight: the call gets an answer (it is cancelled after the grace period), the pool is
// destroyed, the last log line is written, and the process exits 0 on its own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startFixtureServer } from '../support/fixture-server.js';
import { FAULT, eventually, startRawServer, toolCall } from './support.js';
import type { FixtureServer } from '../support/fixture-server.js';

let feeds: FixtureServer;

test.before(async () => {
  feeds = await startFixtureServer();
});

test.after.always(async () => {
  await feeds?.close();
});

const ways: Array<[string, (child: import('node:child_process').ChildProcess) => void]> = [
  ['stdin EOF', (child) => child.stdin!.end()],
  ['SIGTERM', (child) => child.kill('SIGTERM')],
  ['SIGINT', (child) => child.kill('SIGINT')],
];

for (const [how, stop] of ways) {
  test(`${how}: in-flight call answered, pool destroyed, exit 0`, async (t) => {
    const raw = await startRawServer([{ id: 'natasha', url: feeds.url('natasha.rss') }]);
    t.teardown(() => void raw.child.kill('SIGKILL'));
    await raw.initialize();
    raw.send(toolCall('warm', 'search_swift_content', { query: 'swift' }));
    t.falsy((await raw.response('warm')).result?.isError);

    raw.send(toolCall('slow', 'search_swift_content', { query: `${FAULT}hang ${how}` }));
    await eventually(() => existsSync(path.join(raw.home, 'fault-heartbeat')), 20);
    stop(raw.child);

    const answer = await raw.response('slow');
    t.true(answer.result?.isError);
    t.regex(answer.result?.content?.[0]?.text, /^(SHUTTING_DOWN|CANCELLED):/);
    const { code, signal } = await raw.exited;
    t.is(code, 0);
    t.is(signal, null);
    t.regex(raw.stderr(), /"msg":"stopped"/, 'the last log line was flushed');
  });
}
