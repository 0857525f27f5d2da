// Patreon end to end: the real server process logs in through a real OAuth 2 server
// (oidc-provider, PKCE enforced) walked by a test browser, reads a fake Patreon API on
// loopback, ingests the posts in its workers and searches them; then the CLI reads the
// same login and logs out. No token may show in stderr or in any tool output.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { projectRoot, startFixtureServer } from '../support/fixture-server.js';
import { startFakePatreonApi } from '../support/fake-patreon-api.js';
import {
  OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcServer,
} from '../support/oidc-server.js';
import {
  cliEntry, makeHome, resultsOf, startServer, textOf, writeConfig,
} from '../support/server-process.js';
import { TestBrowser } from '../support/test-browser.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { AddressInfo } from 'node:net';
import type { FakePatreonApi } from '../support/fake-patreon-api.js';
import type { FixtureServer } from '../support/fixture-server.js';
import type { OidcServer } from '../support/oidc-server.js';
import type { ServerHandle } from '../support/server-process.js';

const run = promisify(execFile);

let oidc: OidcServer;
let api: FakePatreonApi;
let feeds: FixtureServer;
let server: ServerHandle;
let env: Record<string, string>;
/** Every tool result the server sent, for the "no token in output" check. */
const outputs: string[] = [];
/** Every token the test saw in the token file. */
const seenTokens = new Set<string>();

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  const result = await server.call(name, args);
  outputs.push(JSON.stringify(result));
  return result;
}

const tokenFile = () => path.join(server.home, 'auth', 'patreon-tokens.json');

async function rememberTokens(): Promise<void> {
  const saved = JSON.parse(await readFile(tokenFile(), 'utf8')) as Record<string, unknown>;
  for (const key of ['accessToken', 'refreshToken']) {
    if (typeof saved[key] === 'string') seenTokens.add(saved[key]);
  }
}

const cli = (...args: string[]) => runCli(env, ...args);

async function runCli(vars: Record<string, string>, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath,
      ['--import', 'tsx', cliEntry, ...args],
      { cwd: projectRoot, env: { PATH: process.env.PATH, ...vars }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test.before(async () => {
  oidc = await startOidcServer();
  api = await startFakePatreonApi((token) => oidc.accessTokens.has(token));
  feeds = await startFixtureServer();
  const port = await freePort();
  env = {
    PATREON_CLIENT_ID: OIDC_CLIENT_ID,
    PATREON_CLIENT_SECRET: OIDC_CLIENT_SECRET,
    PATREON_AUTHORIZE_URL: oidc.authorizeUrl,
    PATREON_TOKEN_URL: oidc.tokenUrl,
    PATREON_API_BASE: api.apiBase,
    PATREON_REDIRECT_URI: `http://127.0.0.1:${port}/oauth/callback`,
    SWIFTPATTERNS_NO_BROWSER: '1',
  };
  server = await startServer(
    [{ id: 'tca', name: 'TCA articles', url: `${feeds.origin}/tca-articles.rss` }],
    { env, keepHome: true },
  );
  env.SWIFTPATTERNS_HOME = server.home;
  env.SWIFTPATTERNS_CONFIG = path.join(server.home, 'test-config.json');
});

test.after.always(async () => {
  const home = server?.home;
  await server?.close();
  if (home) await rm(home, { recursive: true, force: true });
  await feeds?.close();
  await api?.close();
  await oidc?.close();
});

test.serial('before login: the patreon source is listed, disabled, and refuses to enable', async (t) => {
  const list = await call('list_content_sources');
  const rows = (list.structuredContent as { sources: Array<Record<string, unknown>> }).sources;
  t.like(rows.find((s) => s.id === 'patreon'), { enabled: false, connection: 'disconnected' });

  const refused = await call('enable_source', { source: 'patreon' });
  t.true(refused.isError);
  t.regex(textOf(refused),
    /^PATREON_NOT_CONNECTED: Patreon is not connected: run setup_patreon or `swiftpatterns patreon login`/);
  const search = await call('get_patreon_patterns', { topic: 'actors' });
  t.true(search.isError);
  t.regex(textOf(search), /^PATREON_NOT_CONNECTED/);
  t.like((await call('setup_patreon', { action: 'status' })).structuredContent,
    { state: 'disconnected', loginPending: false });
});

test.serial('setup_patreon start gives a PKCE URL; the browser login connects', async (t) => {
  const { tools } = await server.client.listTools();
  t.like(tools.find((tool) => tool.name === 'setup_patreon')?.annotations,
    { readOnlyHint: false, openWorldHint: true });

  const started = await call('setup_patreon', { action: 'start' });
  t.falsy(started.isError, textOf(started));
  const info = started.structuredContent as {
    authorizationUrl: string; browserOpened: boolean; loginPending: boolean; state: string;
  };
  t.like(info, { browserOpened: false, loginPending: true, state: 'disconnected' });
  const url = new URL(info.authorizationUrl);
  t.is(`${url.origin}${url.pathname}`, oidc.authorizeUrl);
  t.is(url.searchParams.get('code_challenge_method'), 'S256');
  t.true(textOf(started).split('\n').includes(info.authorizationUrl), 'URL on a line of its own');

  const pending = await call('setup_patreon', { action: 'status' });
  t.like(pending.structuredContent, {
    state: 'disconnected', loginPending: true, authorizationUrl: info.authorizationUrl,
    lastLoginError: null,
  });
  t.regex(textOf(pending), /waiting for you to approve in the browser: /);
  t.notRegex(textOf(pending), /run setup_patreon/);

  const again = await call('setup_patreon', { action: 'start' });
  t.is((again.structuredContent as { authorizationUrl: string }).authorizationUrl,
    info.authorizationUrl, 'a second start returns the waiting login');

  const visit = await new TestBrowser().visit(info.authorizationUrl);
  t.is(visit.status, 200, visit.body);
  t.is(visit.url.split('?')[0], env.PATREON_REDIRECT_URI);
  t.deepEqual(oidc.grantErrors, []);

  const status = await call('setup_patreon', { action: 'status' });
  t.like(status.structuredContent, {
    state: 'connected', loginPending: false, identity: { id: '77', name: 'Pat Ron' },
  });
  t.is((await stat(tokenFile())).mode & 0o777, 0o600);
  await rememberTokens();
});

test.serial('enable, refresh, then get_patreon_patterns and search find the posts', async (t) => {
  const enabled = await call('enable_source', { source: 'patreon' });
  t.falsy(enabled.isError, textOf(enabled));

  const refreshed = await call('refresh_sources', { source: 'patreon' });
  t.regex(textOf(refreshed), /- patreon: (updated|not-modified), 4 articles/);

  const found = await call('get_patreon_patterns', { topic: 'actors', requireCode: true });
  t.falsy(found.isError, textOf(found));
  const [top] = resultsOf(found);
  t.like(top, { title: 'Actors in practice', source: 'patreon', hasCode: true });
  t.is(top?.url, 'https://www.patreon.com/posts/9001');

  const search = await call('search_swift_content', { query: 'SwiftData migrations schema' });
  const rows = resultsOf(search);
  t.true(rows.some((r) => r.source === 'patreon' && r.title === 'SwiftData migrations'),
    JSON.stringify(rows.map((r) => [r.source, r.title])));
  t.true(rows.length > 0);
  t.true(api.bearers.every((h) => h.startsWith('Bearer ')));
  await rememberTokens();
});

test.serial('the campaign that answers 403 shows "no access" in list_content_sources', async (t) => {
  const list = await call('list_content_sources');
  const rows = (list.structuredContent as { sources: Array<Record<string, unknown>> }).sources;
  const patreon = rows.find((s) => s.id === 'patreon') as {
    enabled: boolean; itemCount: number; connection: string;
    campaigns: Array<{ name: string; status: string; postCount: number }>;
  };
  t.like(patreon, { enabled: true, itemCount: 4, connection: 'connected' });
  t.like(patreon.campaigns.find((c) => c.name === 'lockedstudio'), { status: 'no_access' });
  t.like(patreon.campaigns.find((c) => c.name === 'swiftcraft'), { status: 'ok', postCount: 4 });
  t.regex(textOf(list), /lockedstudio: no access/);
});

test.serial('the CLI shows the same login and logout deletes the token file', async (t) => {
  const status = await cli('patreon', 'status');
  t.is(status.code, 0, status.stderr);
  t.regex(status.stdout, /^Patreon: connected$/m);
  t.regex(status.stdout, /Pat Ron/);
  outputs.push(status.stdout, status.stderr);

  // The searches above built indexes holding post text: logout must take them too.
  const indexDir = path.join(server.home, 'index');
  t.true((await readdir(indexDir)).length > 0, 'the server wrote search indexes');

  const out = await cli('patreon', 'logout');
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /Logged out of Patreon/);
  outputs.push(out.stdout, out.stderr);
  await t.throwsAsync(stat(tokenFile()), { code: 'ENOENT' });
  await t.throwsAsync(stat(path.join(server.home, 'snapshots', 'patreon.json')),
    { code: 'ENOENT' });
  t.deepEqual(await readdir(indexDir), []);

  const after = await cli('patreon', 'status');
  t.is(after.code, 1);
  t.regex(after.stdout, /^Patreon: disconnected$/m);
  t.like((await call('setup_patreon', { action: 'status' })).structuredContent,
    { state: 'disconnected' });
  const refused = await call('get_patreon_patterns', { topic: 'actors' });
  t.regex(textOf(refused), /^PATREON_NOT_CONNECTED/);
});

test.serial('an unknown patreon verb gets the patreon usage, not the general one', async (t) => {
  const { stdout, stderr, code } = await cli('patreon', 'bogus');
  t.is(code, 2);
  t.regex(stdout, /unknown patreon command "bogus"; use login, status or logout/);
  t.notRegex(stderr, /unknown command "patreon"/);
});

test.serial('the CLI login without credentials says what to set', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const config = await writeConfig(home, []);
  const { stdout, code } = await runCli(
    { SWIFTPATTERNS_HOME: home, SWIFTPATTERNS_CONFIG: config }, 'patreon', 'login');
  t.is(code, 1);
  t.regex(stdout, /Patreon is not configured: set PATREON_CLIENT_ID and PATREON_CLIENT_SECRET/);
});

test.serial('no token or client secret appears in stderr or any output', async (t) => {
  for (const token of oidc.accessTokens) seenTokens.add(token);
  t.true(seenTokens.size >= 2);
  const secrets = [...seenTokens, OIDC_CLIENT_SECRET];
  const texts = [server.stderr(), ...outputs];
  for (const secret of secrets) {
    t.false(texts.some((text) => text.includes(secret)), `leaked ${secret.slice(0, 4)}...`);
  }
  t.regex(server.stderr(), /patreon login complete/);
});
