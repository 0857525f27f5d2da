// The patreon source through the refresher's custom hook: the main thread reads the fake
// Patreon API with a seeded login, a real worker ingests the posts, and the registry keeps
// the same bookkeeping as for a feed.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
import type { Snapshot } from '../../../workers/protocol.js';

async function setup(t: ExecutionContext, options: { loggedIn: boolean }) {
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
  const env = patreonEnv({ PATREON_TOKEN_URL: tokens.tokenUrl, PATREON_API_BASE: api.apiBase });
  const patreon = new PatreonSource({ home, env, pool });
  const registry = new SourceRegistry(home, patreon.withSource([
    { id: 'patreon', name: 'A feed that wants the reserved id', url: 'http://127.0.0.1:9/x' },
  ]), silentLogger);
  const refresher = new Refresher(registry, pool, silentLogger, {
    refreshIntervalMs: 3600_000, concurrency: 1,
    customRefresh: new Map([[PATREON_SOURCE_ID, (signal) => patreon.refresh(signal)]]),
  });
  return { home, api, patreon, registry, refresher };
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
