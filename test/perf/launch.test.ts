import test from 'ava';
import { floorTool, launch } from '../../perf/lib/launch.js';

test('the floor server answers its one tool over stdio through the launcher', async (t) => {
  const server = await launch({ entry: 'floor' });
  t.teardown(() => server.close());
  t.deepEqual(server.tools, [floorTool]);
  t.true(server.pid > 0);
  t.true(server.connectMicros > 0);
  const result = await server.call(floorTool);
  t.deepEqual(result.content, [{ type: 'text', text: 'ok' }]);
  const rss = await server.rssBytes();
  t.true(rss === null || rss > 1024 * 1024);
  const cpu = await server.cpuMs();
  t.true(cpu === null || cpu >= 0);
});

test('an entry that cannot start is reported with its stderr', async (t) => {
  await t.throwsAsync(
    launch({ entry: 'floor', env: { NODE_OPTIONS: '--no-such-node-flag' }, callTimeoutMs: 20_000 }),
    { message: /could not start floor/ },
  );
});
