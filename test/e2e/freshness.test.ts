// First fetches report progress; later refreshes never make a query wait
// (stale-while-revalidate); enable_source switches sources at run time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { feedsDir, startFixtureServer } from '../support/fixture-server.js';
import { resultsOf, startServer, textOf } from '../support/server-process.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';

test('first fetch sends progress, refresh never blocks queries, sources switch', async (t) => {
  const feeds = await startFixtureServer();
  let delayMs = 1500;
  const tca = await readFile(path.join(feedsDir, 'tca-articles.rss'));
  feeds.route('/slow-tca.rss', (_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(tca), delayMs);
  });
  const server = await startServer([
    { id: 'tca', url: `${feeds.origin}/slow-tca.rss` },
    { id: 'natasha', url: feeds.url('natasha.rss') },
  ]);
  t.teardown(async () => {
    await server.close();
    await feeds.close();
  });

  const progress: Progress[] = [];
  const first = await server.client.callTool(
    { name: 'search_swift_content', arguments: { query: 'TestStore' } },
    undefined,
    { onprogress: (p) => progress.push(p), timeout: 30_000 },
  );
  t.falsy(first.isError, textOf(first as never));
  t.true(progress.length >= 1, 'progress notifications arrived');
  t.true(progress.some((p) => p.total !== undefined && p.progress === p.total));

  // Refresh in the background with a slow origin; queries answer from the snapshot meanwhile.
  delayMs = 3000;
  const refreshing = server.call('refresh_sources', {});
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  const during = await server.call('search_swift_content', { query: 'dependencies reducer' });
  const waited = Date.now() - started;
  t.falsy(during.isError);
  t.true(resultsOf(during).some((r) => r.source === 'tca'));
  t.true(waited < delayMs, `query waited ${waited} ms for a refresh`);
  const refreshed = await refreshing;
  t.regex(textOf(refreshed), /tca: (updated|not-modified)/);

  // Switch a source off and back on.
  const off = await server.call('enable_source', { source: 'tca', enabled: false });
  t.regex(textOf(off), /disabled/);
  const without = await server.call('search_swift_content', { query: 'TestStore reducer' });
  t.false(resultsOf(without).some((r) => r.source === 'tca'));
  const restricted = await server.call('search_swift_content', { query: 'TestStore', sources: ['tca'] });
  t.true(restricted.isError);
  t.regex(textOf(restricted), /disabled/);
  await server.call('enable_source', { source: 'tca' });
  const back = await server.call('search_swift_content', { query: 'TestStore reducer' });
  t.true(resultsOf(back).some((r) => r.source === 'tca'));
});
