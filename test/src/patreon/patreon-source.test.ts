// The patreon source through the refresher's custom hook: the main thread reads the fake
// Patreon API with a seeded login, a real worker ingests the posts, and the registry keeps
// the same bookkeeping as for a feed.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes } from '../../../src/errors.js';
import { silentLogger } from '../../../src/logger.js';
import { TokenStore } from '../../../src/auth/token-store.js';
import { PATREON_SOURCE_ID, PatreonSource } from '../../../src/patreon/patreon-source.js';
import { WorkerPool } from '../../../src/pool/worker-pool.js';
import { Refresher } from '../../../src/sources/refresher.js';
import { SourceRegistry } from '../../../src/sources/source-registry.js';
import { snapshotFile } from '../../../workers/store/paths.js';
import { patreonEnv, startFakeTokenEndpoint } from '../../support/auth-fakes.js';
import { startFakePatreonApi } from '../../support/fake-patreon-api.js';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import type { Snapshot } from '../../../workers/protocol.js';

// Between the source and the fake API: passes requests through, or answers a campaign's
// posts with 429 and a long Retry-After while `limited` is set.
async function rateLimitingProxy(t: ExecutionContext, upstream: string) {
  const state = { limited: false };
  const server = createServer((req, res) => {
    if (state.limited && (req.url ?? '').includes('/campaigns/')) {
      res.writeHead(429, { 'retry-after': '120' }).end();
      return;
    }
    const target = new URL(upstream);
    fetch(`${target.origin}${req.url ?? '/'}`, {
      headers: { authorization: req.headers.authorization ?? '' },
    }).then(async (answer) => {
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
        ...(answer.headers.has('retry-after')
          ? { 'retry-after': answer.headers.get('retry-after') ?? '' } : {}),
      }).end(await answer.text());
    }, () => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  return { state, apiBase: `http://127.0.0.1:${port}${new URL(upstream).pathname}` };
}

async function setup(t: ExecutionContext, options: { loggedIn: boolean; proxy?: boolean }) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-patreon-source-'));
  const tokens = await startFakeTokenEndpoint();
  const api = await startFakePatreonApi((token) => tokens.validAccessTokens.has(token));
  const pool = new WorkerPool({
    threads: 1, maxQueue: 8, fileCacheBytes: 1 << 20, inline: false, logger: silentLogger,
  });
  t.teardown(async () => {
    await pool.destroy();
    await api.close();
    await tokens.close();
    await rm(home, { recursive: true, force: true });
  });
  if (options.loggedIn) {
    const issued = tokens.seed();
    await new TokenStore(home).write({
      version: 1, accessToken: issued.accessToken, refreshToken: issued.refreshToken,
      tokenType: 'Bearer', scope: null, expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      obtainedAt: new Date().toISOString(), identity: null,
    });
  }
  const proxy = options.proxy ? await rateLimitingProxy(t, api.apiBase) : null;
  const apiBase = proxy?.apiBase ?? api.apiBase;
  const env = patreonEnv({ PATREON_TOKEN_URL: tokens.tokenUrl, PATREON_API_BASE: apiBase });
  const patreon = new PatreonSource({ home, env, pool });
  const registry = new SourceRegistry(home, patreon.withSource([
    { id: 'patreon', name: 'A feed that wants the reserved id', url: 'http://127.0.0.1:9/x' },
  ]), silentLogger);
  // Teardowns run last-in first-out: state writes land before the home is removed.
  t.teardown(() => registry.flush());
  const refresher = new Refresher(registry, pool, silentLogger, {
    refreshIntervalMs: 3600_000, concurrency: 1,
    customRefresh: new Map([[PATREON_SOURCE_ID, (signal) => patreon.refresh(signal)]]),
  });
  return { home, api, patreon, registry, refresher, proxy, apiBase };
}

test('posts are fetched on the main thread and ingested by a worker like a feed', async (t) => {
  const { home, api, patreon, registry, refresher } = await setup(t, { loggedIn: true });
  t.like(registry.get(PATREON_SOURCE_ID)?.config, { url: api.apiBase, enabled: false });
  t.is(registry.all().length, 1, 'the feed with the reserved id gave way');

  const first = await refresher.refresh(PATREON_SOURCE_ID);
  t.like(first, { ok: true, result: { outcome: 'updated', itemCount: 4 } });
  const snapshot = JSON.parse(await readFile(snapshotFile(home, 'patreon'), 'utf8')) as Snapshot;
  t.is(snapshot.meta.format, 'patreon');
  const actors = snapshot.records.find((r) => r.title === 'Actors in practice');
  t.like(actors, { hasCode: true, authors: ['swiftcraft'], tags: ['patreon'] });
  t.like(registry.get(PATREON_SOURCE_ID)?.snapshot, { itemCount: 4 });

  t.like(patreon.campaigns()?.campaigns, [
    { name: 'swiftcraft', status: 'ok', postCount: 4 },
    { name: 'lockedstudio', status: 'no_access' },
  ]);
  t.like((await patreon.session.status()).identity, { id: '77', name: 'Pat Ron' });

  const again = await refresher.refresh(PATREON_SOURCE_ID);
  t.like(again, { ok: true, result: { outcome: 'not-modified', itemCount: 4 } });
});

test('without a login the refresh fails with PATREON_NOT_CONNECTED and nothing is fetched', async (t) => {
  const { api, registry, refresher, patreon } = await setup(t, { loggedIn: false });
  const outcome = await refresher.refresh(PATREON_SOURCE_ID);
  t.like(outcome, { ok: false, error: { code: ErrorCodes.PATREON_NOT_CONNECTED } });
  t.like(registry.get(PATREON_SOURCE_ID)?.lastError, { code: ErrorCodes.PATREON_NOT_CONNECTED });
  t.is(api.hits.size, 0);
  await t.throwsAsync(patreon.requireConnected(), {
    code: ErrorCodes.PATREON_NOT_CONNECTED,
    message: 'Patreon is not connected: run setup_patreon or `swiftpatterns patreon login`.',
  });
});

test('a revoked login (401 even after a refresh) reads as not connected', async (t) => {
  const { api, registry, refresher } = await setup(t, { loggedIn: true });
  api.refuseAll = true;
  const outcome = await refresher.refresh(PATREON_SOURCE_ID);
  t.like(outcome, { ok: false, error: { code: ErrorCodes.PATREON_NOT_CONNECTED } });
  t.regex(outcome.error?.message ?? '', /HTTP 401/);
  t.is(registry.get(PATREON_SOURCE_ID)?.snapshot, null);
});

test('a long Retry-After fails the refresh with RATE_LIMITED and keeps the last snapshot',
  async (t) => {
    const { home, registry, refresher, proxy } = await setup(t, { loggedIn: true, proxy: true });
    t.like(await refresher.refresh(PATREON_SOURCE_ID), { ok: true, result: { itemCount: 4 } });
    const before = await readFile(snapshotFile(home, 'patreon'), 'utf8');

    proxy!.state.limited = true;
    const outcome = await refresher.refresh(PATREON_SOURCE_ID, { force: true });
    t.like(outcome, { ok: false, error: { code: 'RATE_LIMITED' } });
    t.regex(outcome.error?.message ?? '',
      /^Patreon asked to wait 120 s; try again after \d{4}-\d\d-\d\dT/);
    t.like(registry.get(PATREON_SOURCE_ID), {
      snapshot: { itemCount: 4 }, lastError: { code: 'RATE_LIMITED' },
    });
    t.is(await readFile(snapshotFile(home, 'patreon'), 'utf8'), before);
  });
