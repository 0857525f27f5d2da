// The login's loopback leg, driven by hand: what the authorization URL carries, which
// callbacks are refused before any token request, and what the token request carries.
import test from 'ava';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { challengeS256 } from '../../../src/auth/pkce.js';
import { PatreonSession } from '../../../src/auth/patreon-session.js';
import {
  FAKE_CLIENT_SECRET, patreonEnv, recordingLogger, rejectionOf, startFakeTokenEndpoint,
} from '../../support/auth-fakes.js';
import type { ExecutionContext } from 'ava';
import type { LoginHandle } from '../../../src/auth/patreon-session.js';

async function setup(
  t: ExecutionContext,
  options: { callbackTimeoutMs?: number; env?: Record<string, string> } = {},
) {
  const { env: overrides = {}, ...rest } = options;
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-auth-'));
  const tokens = await startFakeTokenEndpoint();
  const log = recordingLogger();
  const clock = { t: Date.now() };
  const env = patreonEnv({ PATREON_TOKEN_URL: tokens.tokenUrl, ...overrides });
  const session = new PatreonSession({
    home,
    env,
    logger: log.logger,
    now: () => clock.t,
    ...rest,
  });
  const handles: LoginHandle[] = [];
  const login = async () => {
    const handle = await session.login();
    handle.completion.catch(() => {});
    handles.push(handle);
    return handle;
  };
  t.teardown(async () => {
    for (const handle of handles) await handle.cancel();
    await tokens.close();
    await rm(home, { recursive: true, force: true });
  });
  return { home, env, tokens, log, clock, session, login };
}

function callback(handle: LoginHandle, query: Record<string, string>): Promise<Response> {
  const url = new URL(handle.redirectUri);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return fetch(url);
}

function stateOf(handle: LoginHandle): string {
  return new URL(handle.authorizationUrl).searchParams.get('state') ?? '';
}

test('the authorization URL carries scope, state and an S256 challenge', async (t) => {
  const { login } = await setup(t);
  const handle = await login();
  const url = new URL(handle.authorizationUrl);
  t.is(url.origin + url.pathname, 'http://127.0.0.1:9/oauth2/authorize');
  t.like(Object.fromEntries(url.searchParams), {
    response_type: 'code',
    client_id: 'client-id-1',
    redirect_uri: handle.redirectUri,
    scope: 'identity identity.memberships campaigns campaigns.posts',
    code_challenge_method: 'S256',
  });
  t.regex(url.searchParams.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/);
  t.regex(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  t.false(url.searchParams.has('client_secret'));
  t.regex(handle.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
  t.not(new URL(handle.redirectUri).port, '0');
  t.is(handle.browser, null);
});

test('missing and mismatched state get 400 and no token request; then the real one works',
  async (t) => {
    const { tokens, login, log, home } = await setup(t);
    const handle = await login();
    const state = stateOf(handle);

    t.is((await callback(handle, { code: 'code-a' })).status, 400);
    t.is((await callback(handle, { code: 'code-a', state: `${state.slice(0, -1)}x` })).status, 400);
    t.is((await callback(handle, { code: 'code-a', state: 'short' })).status, 400);
    t.is(tokens.requests.length, 0);

    const ok = await callback(handle, { code: 'code-good-123', state });
    t.is(ok.status, 200);
    t.regex(await ok.text(), /Connected to Patreon/);
    t.like(await handle.completion, { state: 'connected' });

    t.is(tokens.requests.length, 1);
    const { form, headers } = tokens.requests[0]!;
    const challenge = new URL(handle.authorizationUrl).searchParams.get('code_challenge');
    t.like(form, {
      grant_type: 'authorization_code',
      code: 'code-good-123',
      redirect_uri: handle.redirectUri,
      client_id: 'client-id-1',
      client_secret: FAKE_CLIENT_SECRET,
    });
    t.is(challengeS256(form.code_verifier ?? ''), challenge ?? '-');
    t.is(headers.authorization, undefined, 'credentials go in the body, not HTTP Basic');

    const file = path.join(home, 'auth', 'patreon-tokens.json');
    t.is((await stat(file)).mode & 0o777, 0o600);
    t.is((await stat(path.dirname(file))).mode & 0o777, 0o700);
    const secrets = [...tokens.issued, FAKE_CLIENT_SECRET, form.code_verifier ?? ''];
    for (const line of log.lines) for (const s of secrets) t.false(line.includes(s), line);
  });

test('a replayed state is refused by the next login with no token request', async (t) => {
  const { tokens, login } = await setup(t);
  const first = await login();
  const state = stateOf(first);
  t.is((await callback(first, { code: 'code-1', state })).status, 200);
  await first.completion;
  t.is(tokens.requests.length, 1);

  const second = await login();
  t.is((await callback(second, { code: 'code-1', state })).status, 400);
  t.is(tokens.requests.length, 1);
});

test('an expired state is refused with no token request', async (t) => {
  const { tokens, login, clock } = await setup(t);
  const handle = await login();
  clock.t += 10 * 60 * 1000;
  const res = await callback(handle, { code: 'code-1', state: stateOf(handle) });
  t.is(res.status, 400);
  t.is(tokens.requests.length, 0);
});

test('access_denied shows a page and rejects the login; no token request', async (t) => {
  const { tokens, login, session } = await setup(t);
  const handle = await login();
  const res = await callback(handle, { error: 'access_denied', state: stateOf(handle) });
  t.is(res.status, 403);
  t.regex(await res.text(), /declined access/);
  await t.throwsAsync(handle.completion, { name: 'OAuthError', message: /access_denied/ });
  t.like(await rejectionOf(handle.completion), { code: 'access_denied' });
  t.is(tokens.requests.length, 0);
  const status = await session.status();
  t.like(status, {
    state: 'disconnected', loginPending: false, lastLoginError: { code: 'access_denied' },
  });
  t.regex(status.message, /last login failed: access_denied — access was declined/);
});

test('other paths answer 404, other methods 405', async (t) => {
  const { login } = await setup(t);
  const handle = await login();
  const origin = new URL(handle.redirectUri).origin;
  t.is((await fetch(`${origin}/`)).status, 404);
  t.is((await fetch(`${origin}/oauth/callback/x`)).status, 404);
  t.is((await fetch(handle.redirectUri, { method: 'POST' })).status, 405);
});

test('the listener closes after a timeout and the login rejects', async (t) => {
  const { login, tokens, session } = await setup(t, { callbackTimeoutMs: 30 });
  const handle = await login();
  const error = await rejectionOf(handle.completion);
  t.like(error, { name: 'OAuthError', code: 'login_timeout' });
  t.like((await session.status()).lastLoginError, { code: 'login_timeout' });
  await t.throwsAsync(fetch(handle.redirectUri));
  t.is(tokens.requests.length, 0);
});

test('a new login cancels the pending one', async (t) => {
  const { login, session } = await setup(t);
  const first = await login();
  t.like(await session.status(), { loginPending: true });
  const second = await login();
  t.like(await rejectionOf(first.completion), { code: 'login_cancelled' });
  t.not(second.authorizationUrl, first.authorizationUrl);
});

test('a failed login is reported by status, here and in another process, until a success',
  async (t) => {
    const wrongSecret = 'wrong-secret-5c1d9e7f3a';
    const { login, session, home, env, log } = await setup(t, {
      env: { PATREON_CLIENT_SECRET: wrongSecret },
    });
    const handle = await login();

    // While the browser has not come back: no "start a login" advice, the URL again.
    const waiting = await session.status();
    t.like(waiting, {
      state: 'disconnected', loginPending: true, pendingLoginUrl: handle.authorizationUrl,
      lastLoginError: null,
    });
    t.is(waiting.message, 'Patreon is not connected yet: waiting for you to approve in the '
      + `browser: ${handle.authorizationUrl}`);

    t.is((await callback(handle, { code: 'code-1', state: stateOf(handle) })).status, 502);
    t.like(await rejectionOf(handle.completion), { code: 'invalid_client' });
    const failed = await session.status();
    t.like(failed, {
      state: 'disconnected', loginPending: false, pendingLoginUrl: null,
      lastLoginError: { code: 'invalid_client' },
    });
    t.regex(failed.message, new RegExp('^Patreon is not connected: '
      + 'last login failed: invalid_client — check PATREON_CLIENT_SECRET'));
    t.false(JSON.stringify(failed).includes(wrongSecret));
    t.false(JSON.stringify(failed).includes(FAKE_CLIENT_SECRET));
    for (const line of log.lines) t.false(line.includes(wrongSecret), line);

    // The CLI is another process: it reads the same failure.
    const other = new PatreonSession({ home, env });
    t.like(await other.status(), { lastLoginError: { code: 'invalid_client' } });

    // A successful login clears it; so does logout.
    const fixed = new PatreonSession({
      home, env: { ...env, PATREON_CLIENT_SECRET: FAKE_CLIENT_SECRET },
    });
    const again = await fixed.login();
    t.teardown(() => again.cancel());
    t.is((await callback(again, { code: 'code-2', state: stateOf(again) })).status, 200);
    t.like(await again.completion, { state: 'connected', lastLoginError: null });
    t.like(await session.status(), { state: 'connected', lastLoginError: null });

    const third = await login();
    t.is((await callback(third, { error: 'access_denied', state: stateOf(third) })).status, 403);
    await rejectionOf(third.completion);
    t.like(await other.status(), { lastLoginError: { code: 'access_denied' } });
    await other.logout();
    t.like(await session.status(), { state: 'disconnected', lastLoginError: null });
  });
