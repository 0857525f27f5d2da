import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCodes } from '../../../src/errors.js';
import { PatreonOAuthClient } from '../../../src/auth/oauth-client.js';
import { PatreonSession } from '../../../src/auth/patreon-session.js';
import { readPatreonConfig } from '../../../src/auth/patreon-config.js';
import { TokenStore } from '../../../src/auth/token-store.js';
import {
  FAKE_CLIENT_SECRET, patreonEnv, recordingLogger, rejectionOf, startFakeTokenEndpoint,
} from '../../support/auth-fakes.js';
import type { ExecutionContext } from 'ava';
import type { StoredTokens } from '../../../src/auth/token-store.js';

const HOUR = 3600_000;

async function setup(t: ExecutionContext, seed: Partial<StoredTokens> | null = {}) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-session-'));
  const tokens = await startFakeTokenEndpoint();
  t.teardown(async () => {
    await tokens.close();
    await rm(home, { recursive: true, force: true });
  });
  const issued = tokens.seed();
  const clock = { t: Date.parse('2030-01-01T00:00:00Z') };
  if (seed) {
    await new TokenStore(home).write({
      version: 1, accessToken: issued.accessToken, refreshToken: issued.refreshToken,
      tokenType: 'Bearer', scope: 'identity', obtainedAt: new Date(clock.t).toISOString(),
      expiresAt: new Date(clock.t + HOUR).toISOString(), identity: null, ...seed,
    });
  }
  const log = recordingLogger();
  const env = patreonEnv({ PATREON_TOKEN_URL: tokens.tokenUrl });
  const session = new PatreonSession({ home, env, logger: log.logger, now: () => clock.t });
  const saved = async () =>
    JSON.parse(await readFile(session.tokenFile, 'utf8')) as StoredTokens;
  return { home, tokens, issued, clock, log, env, session, saved };
}

test('not configured: status lists what is missing, login refuses', async (t) => {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-session-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const session = new PatreonSession({ home, env: { PATREON_CLIENT_ID: 'x' } });
  t.like(await session.status(), {
    state: 'not_configured', missing: ['PATREON_CLIENT_SECRET'],
  });
  await t.throwsAsync(session.login(), {
    message: /PATREON_CLIENT_SECRET/,
  });
  const error = await rejectionOf(session.login());
  t.like(error, { code: ErrorCodes.PATREON_NOT_CONNECTED });
});

test('disconnected, connected and expired, never showing a token', async (t) => {
  const none = await setup(t, null);
  t.like(await none.session.status(), { state: 'disconnected', identity: null });
  await t.throwsAsync(none.session.accessToken(), { message: /not connected/ });

  const live = await setup(t, { identity: { id: '77', name: 'Pat Ron' } });
  const status = await live.session.status();
  t.like(status, { state: 'connected', identity: { name: 'Pat Ron' }, loginPending: false });
  t.regex(status.message, /Pat Ron/);
  t.false(JSON.stringify(status).includes(live.issued.accessToken));

  const dead = await setup(t, { refreshToken: null });
  dead.clock.t += 2 * HOUR;
  t.like(await dead.session.status(), { state: 'expired' });
  await t.throwsAsync(dead.session.accessToken(), { message: /expired/ });
});

test('withAuth refreshes once after a 401 and saves the rotated refresh token', async (t) => {
  const { session, tokens, issued, saved } = await setup(t);
  const seen: string[] = [];
  const result = await session.withAuth(async (token) => {
    seen.push(token);
    if (seen.length === 1) throw Object.assign(new Error('unauthorized'), { status: 401 });
    return 'ok';
  });
  t.is(result, 'ok');
  t.is(seen[0], issued.accessToken);
  t.not(seen[1], issued.accessToken);
  t.is(tokens.requests.length, 1);
  t.like(tokens.requests[0]?.form, {
    grant_type: 'refresh_token', refresh_token: issued.refreshToken,
  });
  const file = await saved();
  t.is(file.accessToken, seen[1]);
  t.not(file.refreshToken, issued.refreshToken);

  let calls = 0;
  await t.throwsAsync(session.withAuth(async () => {
    calls += 1;
    throw Object.assign(new Error('still unauthorized'), { status: 401 });
  }), { message: 'still unauthorized' });
  t.is(calls, 2, 'one retry, not a loop');

  await t.throwsAsync(session.withAuth(async () => {
    throw Object.assign(new Error('forbidden'), { status: 403 });
  }), { message: 'forbidden' });
  t.is(tokens.requests.length, 2);
});

test('concurrent callers near expiry share one refresh', async (t) => {
  const { session, tokens, clock, saved } = await setup(t);
  clock.t += HOUR - 60_000;
  const got = await Promise.all(Array.from({ length: 5 }, () => session.accessToken()));
  t.is(new Set(got).size, 1);
  t.is(tokens.requests.length, 1);
  t.is((await saved()).accessToken, got[0]);
  t.is((await saved()).expiresAt, new Date(clock.t + HOUR).toISOString());
});

test('a refused refresh token turns into "expired", without echoing it', async (t) => {
  const { session, clock, log } = await setup(t, { refreshToken: 'rt-unknown-0123456789' });
  clock.t += 2 * HOUR;
  const error = await rejectionOf(session.accessToken());
  t.like(error, { code: ErrorCodes.PATREON_NOT_CONNECTED });
  t.false(error.message.includes('rt-unknown-0123456789'));
  t.like(await session.status(), { state: 'expired' });
  for (const line of log.lines) t.false(line.includes('rt-unknown-0123456789'), line);
});

test('token endpoint errors keep the RFC name and scrub echoed secrets', async (t) => {
  const { env } = await setup(t);
  const config = readPatreonConfig(env);
  if (!config.ok) return t.fail(config.message);
  const error = await rejectionOf(new PatreonOAuthClient(config.config)
    .refresh('rt-echoed-0123456789'));
  t.like(error, { name: 'OAuthError', code: 'invalid_grant', status: 400 });
  t.regex(error.message, /\[redacted\]/);
  t.false(error.message.includes('rt-echoed-0123456789'));

  const wrong = readPatreonConfig({ ...env, PATREON_CLIENT_SECRET: 'not-the-secret' });
  if (!wrong.ok) return t.fail(wrong.message);
  const refused = await rejectionOf(new PatreonOAuthClient(wrong.config)
    .refresh('rt-x-0123456789'));
  t.like(refused, { code: 'invalid_client', status: 401 });
  t.false(refused.message.includes('not-the-secret'));
  t.false(refused.message.includes(FAKE_CLIENT_SECRET));
});

test('status with verify refreshes a stale token; logout deletes the tokens', async (t) => {
  const { session, tokens, clock } = await setup(t);
  clock.t += 2 * HOUR;
  t.like(await session.status({ verify: true }), { state: 'connected' });
  t.is(tokens.requests.length, 1);
  t.true(await session.logout());
  t.like(await session.status(), { state: 'disconnected' });
  t.false(await session.logout());
});

test('a login or logout by another process (the CLI) shows at once', async (t) => {
  const { home, env, session, issued } = await setup(t, null);
  t.like(await session.status(), { state: 'disconnected' });
  const cli = new TokenStore(home);
  await cli.write({
    version: 1, accessToken: issued.accessToken, refreshToken: issued.refreshToken,
    tokenType: 'Bearer', scope: null, expiresAt: null, obtainedAt: new Date().toISOString(),
    identity: { id: '77', name: 'Pat Ron' },
  });
  t.like(await session.status(), { state: 'connected', identity: { name: 'Pat Ron' } });
  t.is(await session.accessToken(), issued.accessToken);
  t.true(await new PatreonSession({ home, env }).logout());
  t.like(await session.status(), { state: 'disconnected' });
});

test('a corrupt token file is reported once, naming the file', async (t) => {
  const { session } = await setup(t);
  await writeFile(session.tokenFile, '{ not json', { mode: 0o600 });
  const status = await session.status();
  t.like(status, { state: 'error' });
  t.is(status.message, `Patreon token file is not valid JSON: ${session.tokenFile}`);
});
