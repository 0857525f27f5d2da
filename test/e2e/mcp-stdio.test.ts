// End to end: the real server process, real worker threads, real HTTP on loopback, the
// MCP SDK client over stdio.
import test from 'ava';
import { startFixtureServer } from '../support/fixture-server.js';
import { resultsOf, startServer, swiftSources, textOf } from '../support/server-process.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';

let feeds: FixtureServer;
let server: ServerHandle;

test.before(async () => {
  feeds = await startFixtureServer();
  feeds.route('/broken.rss', (_req, res) => res.writeHead(500).end('boom'));
  server = await startServer([
    ...swiftSources(feeds.origin),
    { id: 'broken', name: 'Broken feed', url: `${feeds.origin}/broken.rss` },
  ]);
});

test.after.always(async () => {
  await server?.close();
  await feeds?.close();
});

test.serial('lists every tool with annotations and instructions', async (t) => {
  const { tools } = await server.client.listTools();
  const names = tools.map((tool) => tool.name).sort();
  t.deepEqual(names, [
    'enable_source', 'get_patreon_patterns', 'get_server_stats', 'get_swift_pattern',
    'list_content_sources', 'refresh_sources', 'search_swift_content', 'setup_patreon',
  ]);
  const search = tools.find((tool) => tool.name === 'search_swift_content');
  t.is(search?.annotations?.readOnlyHint, true);
  t.truthy(search?.outputSchema);
  t.regex(server.client.getInstructions() ?? '', /search_swift_content/);
});

test.serial('"async await" ranks SE-0296 in the top 3', async (t) => {
  const result = await server.call('search_swift_content', { query: 'async await' });
  t.falsy(result.isError, textOf(result));
  const top = resultsOf(result).slice(0, 3).map((r) => r.title);
  t.true(top.some((title) => /^SE-0296: Async\/await$/i.test(title)), top.join(' | '));
  t.true(result.content.some((c) => c.type === 'resource_link'));
});

test.serial('"test a reducer with TestStore" finds the TCA Testing article', async (t) => {
  const result = await server.call('search_swift_content', { query: 'test a reducer with TestStore' });
  const rows = resultsOf(result).slice(0, 3);
  t.true(rows.some((r) => r.source === 'tca' && r.title === 'Testing'), JSON.stringify(rows));
});

test.serial('requireCode returns only results with code', async (t) => {
  const result = await server.call('search_swift_content', {
    query: 'swift concurrency actors', requireCode: true, limit: 20,
  });
  const rows = resultsOf(result);
  t.true(rows.length > 0);
  t.true(rows.every((r) => r.hasCode));
});

test.serial('a repeated query is an intent-cache hit', async (t) => {
  const stats = async () =>
    (await server.call('get_server_stats')).structuredContent as {
      intentCache: { hits: number; misses: number };
      fileCache: { hits: number; misses: number; perWorker: Array<{ hits: number }> };
    };
  const query = { query: 'result builders in SwiftUI' };
  await server.call('search_swift_content', query);
  const before = await stats();
  const again = await server.call('search_swift_content', { query: '  Result   builders in SWIFTUI ' });
  const after = await stats();
  t.is(after.intentCache.hits, before.intentCache.hits + 1);
  t.is(after.intentCache.misses, before.intentCache.misses);
  t.falsy(again.isError);
});

test.serial('bad arguments get a clear error and the server stays up', async (t) => {
  const bad = await server.call('search_swift_content', { query: 42 });
  t.true(bad.isError);
  t.regex(textOf(bad), /query/i);
  const long = await server.call('search_swift_content', { query: 'x'.repeat(1001) });
  t.true(long.isError);
  t.regex(textOf(long), /1000 characters/);
  const unknown = await server.call('enable_source', { source: 'nope' });
  t.true(unknown.isError);
  t.regex(textOf(unknown), /UNKNOWN_SOURCE: unknown source "nope"/);
  const ok = await server.call('list_content_sources');
  t.falsy(ok.isError);
});

test.serial('a source answering 500 shows its error while the others keep working', async (t) => {
  const list = await server.call('list_content_sources');
  const sources = (list.structuredContent as { sources: Array<Record<string, any>> }).sources;
  const broken = sources.find((s) => s.id === 'broken');
  t.is(broken?.status, 'error');
  t.regex(String(broken?.lastError?.message), /500/);
  const healthy = sources.filter((s) => s.id !== 'broken');
  t.true(healthy.every((s) => s.status === 'ok' && s.itemCount > 0), JSON.stringify(healthy));
  const search = await server.call('search_swift_content', { query: 'SwiftUI navigation' });
  t.falsy(search.isError);
  t.true(resultsOf(search).length > 0);
});

test.serial('each result links to a readable pattern resource with the full text', async (t) => {
  const result = await server.call('search_swift_content', { query: 'async await', limit: 1 });
  const [first] = resultsOf(result);
  const read = await server.client.readResource({ uri: first!.resourceUri });
  const text = (read.contents[0] as { text: string }).text;
  t.true(text.startsWith(`# ${first!.title}`));
  t.true(text.length > 2000);
});

test.serial('without Patreon credentials there is no patreon source and setup says why', async (t) => {
  const list = await server.call('list_content_sources');
  const rows = (list.structuredContent as { sources: Array<{ id: string }> }).sources;
  t.false(rows.some((s) => s.id === 'patreon'));
  const refused = await server.call('enable_source', { source: 'patreon' });
  t.regex(textOf(refused), /^PATREON_NOT_CONNECTED: .*PATREON_CLIENT_ID and PATREON_CLIENT_SECRET/);
  const status = await server.call('setup_patreon', { action: 'status' });
  t.like(status.structuredContent, {
    state: 'not_configured', missing: ['PATREON_CLIENT_ID', 'PATREON_CLIENT_SECRET'],
  });
  const start = await server.call('setup_patreon', { action: 'start' });
  t.regex(textOf(start), /^PATREON_NOT_CONNECTED: Patreon is not configured/);
});
