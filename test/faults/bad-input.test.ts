// Bad input through the real server: invalid tool arguments through the SDK client, and
// what no SDK client would send (unknown tools, malformed JSON-RPC, a 5 MB line, raw
// control characters) over raw stdio. Every case gets a clear error; the server stays up.
import test from 'ava';
import fc from 'fast-check';
import { startFixtureServer } from '../support/fixture-server.js';
import { textOf } from '../support/server-process.js';
import { outcome, startFaultServer, startRawServer, toolCall } from './support.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';
import type { RawServer } from './support.js';

let feeds: FixtureServer;
let server: ServerHandle;
let raw: RawServer;

test.before(async () => {
  feeds = await startFixtureServer();
  const sources = [{ id: 'natasha', url: feeds.url('natasha.rss') }];
  [server, raw] = await Promise.all([startFaultServer(sources), startRawServer(sources)]);
  await raw.initialize();
});

test.after.always(async () => {
  await server?.close();
  raw?.child.kill('SIGKILL');
  await feeds?.close();
});

const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
  ['search_swift_content', {}, /query/],
  ['search_swift_content', { query: 42 }, /query/],
  ['search_swift_content', { query: 'x'.repeat(1001) }, /1000 characters/],
  ['search_swift_content', { query: '   ' }, /must not be empty/],
  ['search_swift_content', { query: 'bell \u0007 here' }, /control characters/],
  ['search_swift_content', { query: 'nul \u0000' }, /control characters/],
  // 600 characters, 1,200 bytes: the 1 kB cap counts bytes.
  ['search_swift_content', { query: 'é'.repeat(600) }, /1024 bytes/],
  ['get_swift_pattern', { topic: '😀'.repeat(300) }, /1024 bytes/],
  ['search_swift_content', { query: 'next line \u0085 here' }, /control characters/],
  ['search_swift_content', { query: 'csi \u009b here' }, /control characters/],
  ['search_swift_content', { query: 'swift \u202e evil' }, /bidirectional/],
  ['get_swift_pattern', { topic: 'swift \u2066 isolate' }, /bidirectional/],
  ['search_swift_content', { query: 'ok', limit: 0 }, /limit/],
  ['search_swift_content', { query: 'ok', limit: 2.5 }, /limit/],
  ['search_swift_content', { query: 'ok', requireCode: 'yes' }, /requireCode/],
  ['search_swift_content', { query: 'ok', sources: ['../etc'] }, /source id/],
  ['search_swift_content', { query: 'ok', sources: [] }, /sources/],
  ['get_swift_pattern', { topic: 'ok', minQuality: 101 }, /minQuality/],
  ['get_swift_pattern', { topic: 'ok', minQuality: 'high' }, /minQuality/],
  ['enable_source', { source: 'a/b' }, /source id/],
  ['enable_source', { source: 'natasha', enabled: 'no' }, /enabled/],
  ['refresh_sources', { source: 'x'.repeat(65) }, /source id/],
  ['no_such_tool', {}, /no_such_tool not found/],
];

for (const [tool, args, why] of invalid) {
  test(`${tool} ${JSON.stringify(args).slice(0, 60)} is refused clearly`, async (t) => {
    const result = await server.call(tool, args);
    t.true(result.isError, textOf(result));
    t.regex(textOf(result), why);
  });
}

test('raw stdio: malformed JSON, wrong JSON-RPC shapes and control characters get errors', async (t) => {
  raw.send('{"jsonrpc":"2.0","id":1,"method":"tools/list"'); // cut short
  raw.send('this is not json');
  raw.send('{"jsonrpc":"2.0","id":"bell\u0007","method":"tools/list"}'); // raw control char
  raw.send('[{"jsonrpc":"2.0","id":5,"method":"tools/list"}]');
  raw.send({ jsonrpc: '1.0', id: 6, method: 'tools/list' });
  raw.send({ jsonrpc: '2.0', id: 7, method: 42 });
  raw.send({ jsonrpc: '2.0', id: 8, method: 'tools/call', params: 'search' });
  raw.send({ jsonrpc: '2.0', id: 9 });
  raw.send({ jsonrpc: '2.0', id: 10, method: 'no/such/method' });
  raw.send(toolCall(11, 'search_swift_content', { query: 'tab\tand\u001bescape' }));

  for (const id of [6, 7, 8, 9]) {
    t.is((await raw.response(id)).error?.code, -32600, `id ${id}`);
  }
  t.is((await raw.response(10)).error?.code, -32601);
  const control = await raw.response(11);
  t.true(control.result?.isError);
  t.regex(control.result?.content?.[0]?.text, /control characters/);
  // Parse errors cannot carry the id of a line that did not parse (JSON-RPC: id null).
  const nulls = raw.messages.filter((m) => m.id === null);
  t.is(nulls.filter((m) => m.error?.code === -32700).length, 3);
  t.is(nulls.filter((m) => m.error?.code === -32600).length, 1, 'the batch');

  raw.send({ jsonrpc: '2.0', id: 12, method: 'tools/list' });
  t.true((await raw.response(12)).result.tools.length > 0, 'still serving');
});

test('raw stdio: bad _meta, tool name or arguments get -32602 naming the field', async (t) => {
  const meta = (id: number, value: unknown) => ({
    jsonrpc: '2.0', id, method: 'tools/call',
    params: { name: 'list_content_sources', arguments: {}, _meta: value },
  });
  const call = (id: number, params: Record<string, unknown>) =>
    ({ jsonrpc: '2.0', id, method: 'tools/call', params });
  const cases: Array<[object, RegExp]> = [
    [meta(30, { progressToken: { a: 1 } }), /params\._meta\.progressToken/],
    [meta(31, { progressToken: true }), /params\._meta\.progressToken/],
    [meta(32, { progressToken: null }), /params\._meta\.progressToken/],
    [meta(33, { progressToken: [1] }), /params\._meta\.progressToken/],
    [meta(34, { progressToken: 1.5 }), /params\._meta\.progressToken/],
    [meta(35, 'not an object'), /params\._meta/],
    [meta(36, null), /params\._meta/],
    [{ jsonrpc: '2.0', id: 37, method: 'tools/list', params: { _meta: [1] } }, /params\._meta/],
    [call(38, { name: 'get_server_stats', arguments: null }), /params\.arguments/],
    [call(39, { name: 'get_server_stats', arguments: [1] }), /params\.arguments/],
    [call(40, { name: 42, arguments: {} }), /params\.name/],
    [call(41, { arguments: {} }), /params\.name/],
  ];
  for (const [message] of cases) raw.send(message);
  for (const [message, why] of cases) {
    const id = (message as { id: number }).id;
    const response = await raw.response(id);
    t.is(response.error?.code, -32602, `id ${id}: ${JSON.stringify(response)}`);
    t.regex(response.error?.message, why, `id ${id}`);
  }
  // Valid tokens still work: a string and an integer.
  raw.send(meta(42, { progressToken: 'p-1' }));
  raw.send(meta(43, { progressToken: 7 }));
  t.falsy((await raw.response(42)).error);
  t.falsy((await raw.response(43)).error);
});

test('resources/read quotes at most ~100 characters of a client value in its error', async (t) => {
  const long = 'x'.repeat(5000);
  raw.send({ jsonrpc: '2.0', id: 50, method: 'resources/read',
    params: { uri: `swiftpatterns://pattern/natasha/${long.slice(0, 1500)}` } });
  raw.send({ jsonrpc: '2.0', id: 51, method: 'resources/read',
    params: { uri: `swiftpatterns://pattern/${long.slice(0, 1500)}/1` } });
  raw.send({ jsonrpc: '2.0', id: 52, method: 'resources/read',
    params: { uri: `swiftpatterns://pattern/natasha/${long}` } });
  for (const id of [50, 51, 52]) {
    const { error } = await raw.response(id);
    t.is(error?.code, -32602, `id ${id}`);
    t.true(error.message.length < 300, `id ${id}: ${error.message.length} characters`);
  }
  t.regex((await raw.response(50)).error.message, /no pattern "x{100}…"/);
  t.regex((await raw.response(52)).error.message, /at most 2048 characters/);
});

test('raw stdio: a 5 MB message is refused with its id and the server reads on', async (t) => {
  const huge = toolCall(20, 'search_swift_content', { query: 'x'.repeat(5 * 1024 * 1024) });
  raw.send(huge);
  const response = await raw.response(20);
  t.is(response.error?.code, -32600);
  t.regex(response.error?.message, /too large/);
  // An endless line bigger than the SDK's own 10 MB buffer must not close the transport.
  raw.send('"' + 'y'.repeat(12 * 1024 * 1024) + '"');
  raw.send({ jsonrpc: '2.0', id: 21, method: 'tools/list' });
  t.true((await raw.response(21)).result.tools.length > 0);
  t.is(raw.child.exitCode, null);
});

test('fuzz: arbitrary tool arguments never crash or hang the server', async (t) => {
  const tools = ['search_swift_content', 'get_swift_pattern', 'enable_source', 'refresh_sources',
    'list_content_sources', 'get_server_stats'];
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(),
    fc.constant(null), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    fc.constantFrom('natasha', 'swift', '../x', '', 'x'.repeat(1200)),
  );
  const args = fc.dictionary(
    fc.constantFrom('query', 'topic', 'source', 'sources', 'limit', 'requireCode',
      'minQuality', 'enabled', 'extra'),
    value,
    { maxKeys: 4 },
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...tools), args, async (tool, input) => {
      // Switching the only source off would only test enable_source again.
      if (tool === 'enable_source' && input.enabled === false) input.enabled = true;
      const result = await server.call(tool, input);
      // Either an answer or a clear error; a thrown McpError or a timeout fails the run.
      return Array.isArray(result.content) && (!result.isError || textOf(result).length > 0);
    }),
    { numRuns: 100 },
  );
  t.is(outcome(await server.call('search_swift_content', { query: 'swift protocols' })), 'ok');
  t.notRegex(server.stderr(), /unhandled rejection|uncaught/i);
});
