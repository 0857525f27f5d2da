// stdout belongs to JSON-RPC: drive the server with raw JSON lines (including bad ones)
// and check that every line it prints is a JSON-RPC message, while logs go to stderr.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import test from 'ava';
import { projectRoot, startFixtureServer } from '../support/fixture-server.js';
import { cliEntry, makeHome, writeConfig } from '../support/server-process.js';

test('stdout carries only JSON-RPC, logs go to stderr, and EOF exits 0', async (t) => {
  const feeds = await startFixtureServer();
  const home = await makeHome();
  t.teardown(async () => {
    await feeds.close();
    await rm(home, { recursive: true, force: true });
  });
  const config = await writeConfig(home, [{ id: 'tca', url: feeds.url('tca-articles.rss') }]);
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, SWIFTPATTERNS_HOME: home, SWIFTPATTERNS_CONFIG: config },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));

  const send = (message: unknown) => child.stdin.write(JSON.stringify(message) + '\n');
  send({
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
  });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const search = { name: 'search_swift_content', arguments: { query: 'reducer' } };
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: search });
  child.stdin.write('this is not json\n');
  send({ jsonrpc: '2.0', id: 3, method: 'no/such/method' });
  send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'no_such_tool', arguments: {} } });

  // Wait (bounded) for the answers to ids 2, 3 and 4, then close stdin.
  const answered = () => [2, 3, 4].every((id) => stdout.includes(`"id":${id}`));
  for (let i = 0; i < 600 && !answered(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

  const lines = stdout.split('\n').filter((line) => line.length > 0);
  t.true(lines.length >= 4, stdout);
  for (const line of lines) {
    const message = JSON.parse(line) as { jsonrpc?: string };
    t.is(message.jsonrpc, '2.0', line);
  }
  const byId = new Map(lines.map((l) => JSON.parse(l)).map((m) => [m.id, m]));
  t.truthy(byId.get(2)?.result?.structuredContent?.results?.length);
  t.is(byId.get(3)?.error?.code, -32601);
  t.true(byId.get(4)?.result?.isError ?? byId.get(4)?.error !== undefined);
  t.regex(stderr, /"msg":"swiftpatterns ready on stdio"/);
  t.is(code, 0);
});
