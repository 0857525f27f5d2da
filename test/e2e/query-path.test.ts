// The query path stays cheap when sources misbehave or change: a dead feed never stalls
// queries, a changed source is re-indexed off the query path, and narrowing a search to
// some sources reuses the one index instead of building another.
import { existsSync } from 'node:fs';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { feedsDir, startFixtureServer } from '../support/fixture-server.js';
import { resultsOf, startServer, textOf } from '../support/server-process.js';

test('a feed that never answers is waited on once, then never again', async (t) => {
  const feeds = await startFixtureServer();
  feeds.route('/hang.rss', () => {}); // accepts the request, never answers
  const server = await startServer(
    [{ id: 'natasha', url: feeds.url('natasha.rss') }, { id: 'hang', url: `${feeds.origin}/hang.rss` }],
    { env: { SWIFTPATTERNS_FETCH_TIMEOUT_MS: '1500' } },
  );
  t.teardown(async () => {
    await server.close();
    await feeds.close();
  });

  const first = await server.call('search_swift_content', { query: 'swift' });
  t.falsy(first.isError, textOf(first));
  for (const query of ['swift', 'xcode', 'swift', 'ios']) {
    const again = await server.call('search_swift_content', { query });
    t.falsy(again.isError, textOf(again));
  }
  // One first fetch; queries did not start more (a retry waits at least a minute).
  t.is(feeds.hits.get('/hang.rss'), 1);
  const stats = (await server.call('get_server_stats')).structuredContent as {
    intentCache: { hits: number };
    sources: Array<{ id: string; lastError: string | null }>;
  };
  t.true(stats.intentCache.hits >= 1);
  t.regex(String(stats.sources.find((s) => s.id === 'hang')?.lastError), /did not answer within 1500 ms/);
});

test('changed content is re-indexed in the background; filters share one index', async (t) => {
  const feeds = await startFixtureServer();
  const original = await readFile(path.join(feedsDir, 'natasha.rss'), 'utf8');
  let natasha = original;
  feeds.route('/natasha.rss', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(natasha);
  });
  const server = await startServer([
    { id: 'natasha', url: `${feeds.origin}/natasha.rss` },
    { id: 'tca', url: feeds.url('tca-articles.rss') },
  ]);
  t.teardown(async () => {
    await server.close();
    await feeds.close();
  });

  const before = await server.call('search_swift_content', { query: 'zanzibarquokka' });
  t.is(resultsOf(before).length, 0);

  // Narrowed searches: every combination reuses the single index of the enabled sources.
  for (const sources of [['tca'], ['natasha'], ['tca', 'natasha']]) {
    const narrowed = await server.call('search_swift_content', { query: 'swift', sources });
    t.true(resultsOf(narrowed).every((r) => sources.includes(r.source)));
  }
  t.is((await readdir(path.join(server.home, 'index'))).length, 1);

  // The feed gains an article with a word nobody else uses.
  natasha = original.replace(
    '<item>',
    '<item><title>Zanzibarquokka patterns</title><link>https://example.org/zq</link>' +
      '<guid>zq-1</guid><description>Zanzibarquokka explained with actors.</description>' +
      '</item><item>',
  );
  const refreshed = await server.call('refresh_sources', { source: 'natasha' });
  t.regex(textOf(refreshed), /natasha: updated/);

  // Answers may come from the previous index for a moment, but are never cached as final:
  // within a bounded number of tries the new article is found.
  let found = false;
  for (let i = 0; i < 100 && !found; i++) {
    const after = await server.call('search_swift_content', { query: 'zanzibarquokka' });
    t.falsy(after.isError, textOf(after));
    found = resultsOf(after).some((r) => r.title === 'Zanzibarquokka patterns');
    if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.true(found);
  const cached = await server.call('search_swift_content', { query: 'zanzibarquokka' });
  t.false((cached.structuredContent as { stale: boolean }).stale);
});

test('a snapshot deleted under a running server drops out of answers and is refetched', async (t) => {
  const feeds = await startFixtureServer();
  const server = await startServer([
    { id: 'natasha', url: feeds.url('natasha.rss') },
    { id: 'tca', url: feeds.url('tca-articles.rss') },
  ]);
  t.teardown(async () => {
    await server.close();
    await feeds.close();
  });
  t.falsy((await server.call('search_swift_content', { query: 'swift' })).isError);
  const fetchesBefore = feeds.hits.get('/natasha.rss') ?? 0;

  await rm(path.join(server.home, 'snapshots', 'natasha.json'));
  const during = await server.call('search_swift_content', { query: 'reducer swift' });
  t.falsy(during.isError, textOf(during));
  t.false(textOf(during).includes('ENOENT'));
  t.true(resultsOf(during).every((r) => r.source === 'tca'));

  let back = false;
  for (let i = 0; i < 100 && !back; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    back = existsSync(path.join(server.home, 'snapshots', 'natasha.json'));
  }
  t.true(back, 'the missing snapshot was refetched');
  t.true((feeds.hits.get('/natasha.rss') ?? 0) > fetchesBefore);
});
