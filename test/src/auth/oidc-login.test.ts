// The whole login against a real OAuth 2 authorization server (oidc-provider) that
// requires PKCE and rotates refresh tokens, walked by a test browser that follows the
// redirects through the server's interaction step to our loopback callback.
import test from 'ava';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlowStateStore } from '../../../src/auth/flow-state.js';
import { startCallbackServer } from '../../../src/auth/callback-server.js';
import { PatreonOAuthClient } from '../../../src/auth/oauth-client.js';
import { PatreonSession } from '../../../src/auth/patreon-session.js';
import { readPatreonConfig } from '../../../src/auth/patreon-config.js';
import { createPkcePair, createVerifier } from '../../../src/auth/pkce.js';
import { recordingLogger, rejectionOf } from '../../support/auth-fakes.js';
import {
  OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcServer,
} from '../../support/oidc-server.js';
import { TestBrowser } from '../../support/test-browser.js';
import type { ExecutionContext } from 'ava';
import type { StoredTokens } from '../../../src/auth/token-store.js';

async function setup(t: ExecutionContext) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-oidc-'));
  const server = await startOidcServer();
  const log = recordingLogger();
  const clock = { offset: 0 };
  const env = {
    PATREON_CLIENT_ID: OIDC_CLIENT_ID,
    PATREON_CLIENT_SECRET: OIDC_CLIENT_SECRET,
    PATREON_AUTHORIZE_URL: server.authorizeUrl,
    PATREON_TOKEN_URL: server.tokenUrl,
    PATREON_REDIRECT_URI: 'http://127.0.0.1:0/oauth/callback',
    SWIFTPATTERNS_NO_BROWSER: '1',
  };
  const session = new PatreonSession({
    home, env, logger: log.logger, now: () => Date.now() + clock.offset,
  });
  t.teardown(async () => {
    await server.close();
    await rm(home, { recursive: true, force: true });
  });
  const readTokens = async () =>
    JSON.parse(await readFile(session.tokenFile, 'utf8')) as StoredTokens;
  return { home, server, log, clock, env, session, readTokens };
}

test('login through a PKCE-enforcing server, then refresh with rotation', async (t) => {
  const { server, session, log, readTokens, clock, env } = await setup(t);

  const handle = await session.login();
  const visit = await new TestBrowser().visit(handle.authorizationUrl);
  t.true(visit.trail.some((url) => url.includes('/interaction/')), 'went through the interaction');
  t.is(visit.url.split('?')[0], handle.redirectUri);
  t.is(visit.status, 200);
  t.like(await handle.completion, { state: 'connected' });
  t.deepEqual(server.grantErrors, []);
  t.is(server.tokenRequests, 1);

  const first = await readTokens();
  t.truthy(first.accessToken);
  t.truthy(first.refreshToken);
  t.is((await stat(session.tokenFile)).mode & 0o777, 0o600);
  t.is(await session.accessToken(), first.accessToken);

  await session.refresh();
  const second = await readTokens();
  t.is(server.tokenRequests, 2);
  t.not(second.accessToken, first.accessToken);
  t.not(second.refreshToken, first.refreshToken, 'refresh token rotated and saved');

  // Shortly before expiry, accessToken() refreshes on its own.
  clock.offset = Date.parse(second.expiresAt ?? '') - Date.now() - 60_000;
  const third = await session.accessToken();
  t.not(third, second.accessToken);
  t.is((await readTokens()).accessToken, third);
  t.is(server.tokenRequests, 3);

  // The rotated-out refresh token is dead at the server (oidc-provider then revokes the whole
  // grant, as reuse detection should); the error does not echo it.
  const config = readPatreonConfig(env);
  if (!config.ok) return t.fail(config.message);
  const oauth = new PatreonOAuthClient(config.config);
  const stale = await rejectionOf(oauth.refresh(first.refreshToken ?? ''));
  t.like(stale, { name: 'OAuthError', code: 'invalid_grant' });
  t.false(stale.message.includes(first.refreshToken ?? '-'));
  t.is(server.tokenRequests, 4);

  const secrets = [first, second, await readTokens()]
    .flatMap((s) => [s.accessToken, s.refreshToken ?? '']).concat(OIDC_CLIENT_SECRET);
  for (const line of log.lines) for (const s of secrets) t.false(line.includes(s), line);
  t.true(log.lines.some((line) => line.includes('patreon access token refreshed')));
});

test('the server refuses a token request with the wrong verifier (PKCE enforced)', async (t) => {
  const { server, env } = await setup(t);
  const config = readPatreonConfig(env);
  if (!config.ok) return t.fail(config.message);
  const oauth = new PatreonOAuthClient(config.config);
  const flows = new FlowStateStore();
  const pkce = createPkcePair();

  const cb = await startCallbackServer({
    redirectUri: config.config.redirectUri,
    flows,
    complete: (code, flow) => oauth.exchangeCode({
      code, verifier: createVerifier(), redirectUri: flow.redirectUri,
    }),
  });
  t.teardown(() => cb.close());
  cb.result.catch(() => {});
  const flow = flows.create({ verifier: pkce.verifier, redirectUri: cb.redirectUri });
  const url = oauth.authorizationUrl({
    state: flow.state, challenge: pkce.challenge, redirectUri: cb.redirectUri,
  });

  const visit = await new TestBrowser().visit(url);
  t.is(visit.status, 502);
  const error = await rejectionOf(cb.result);
  t.like(error, { name: 'OAuthError', code: 'invalid_grant' });
  t.is(server.tokenRequests, 1);
  t.true(server.grantErrors.some((m) => /grant/i.test(m)));
});

test('a user who declines comes back with access_denied and no token request', async (t) => {
  const { server, session } = await setup(t);
  server.mode = 'deny';
  const handle = await session.login();
  handle.completion.catch(() => {});
  const visit = await new TestBrowser().visit(handle.authorizationUrl);
  t.is(visit.status, 403);
  t.like(await rejectionOf(handle.completion), { code: 'access_denied' });
  t.is(server.tokenRequests, 0);
  t.like(await session.status(), { state: 'disconnected' });
});
