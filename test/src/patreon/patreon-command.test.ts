// `swiftpatterns patreon ...` in-process: what logout deletes, and what status says after
// a login that failed.
import test from 'ava';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { runPatreonCommand } from '../../../src/commands/patreon.js';
import { loadSettings } from '../../../src/config.js';
import { TokenStore } from '../../../src/auth/token-store.js';
import { patreonEnv, startFakeTokenEndpoint } from '../../support/auth-fakes.js';
import type { ExecutionContext } from 'ava';

async function setup(t: ExecutionContext, overrides: Record<string, string> = {}) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-patreon-cli-'));
  const tokens = await startFakeTokenEndpoint();
  t.teardown(async () => {
    await tokens.close();
    await rm(home, { recursive: true, force: true });
  });
  const env = patreonEnv({
    PATREON_TOKEN_URL: tokens.tokenUrl, SWIFTPATTERNS_HOME: home, ...overrides,
  });
  const settings = loadSettings(env, { allowMissingConfig: true });
  const lines: string[] = [];
  const run = (...args: string[]) =>
    runPatreonCommand(settings, args, { env, out: (line) => void lines.push(line) });
  return { home, tokens, lines, run };
}

test('logout deletes the tokens, the Patreon snapshot and every search index file', async (t) => {
  const { home, tokens, lines, run } = await setup(t);
  const issued = tokens.seed();
  await new TokenStore(home).write({
    version: 1, accessToken: issued.accessToken, refreshToken: issued.refreshToken,
    tokenType: 'Bearer', scope: null, expiresAt: null, obtainedAt: new Date().toISOString(),
    identity: null,
  });
  const snapshots = path.join(home, 'snapshots');
  const index = path.join(home, 'index');
  await mkdir(snapshots, { recursive: true });
  await mkdir(path.join(index, 'nested'), { recursive: true });
  await writeFile(path.join(snapshots, 'patreon.json'), '{}');
  await writeFile(path.join(snapshots, 'tca.json'), '{}');
  await writeFile(path.join(index, 'all-0123abcd.json'), '{"post text":"premium"}');
  await writeFile(path.join(index, 'patreon-89ab.json'), '{}');
  await writeFile(path.join(index, 'nested', 'x.json'), '{}');

  t.is(await run('logout'), 0);
  t.regex(lines.join('\n'), /Logged out of Patreon: deleted .*patreon-tokens\.json/);
  await t.throwsAsync(stat(path.join(home, 'auth', 'patreon-tokens.json')), { code: 'ENOENT' });
  await t.throwsAsync(stat(path.join(snapshots, 'patreon.json')), { code: 'ENOENT' });
  t.deepEqual(await readdir(index), []);
  t.deepEqual(await readdir(snapshots), ['tca.json'], 'other sources keep their snapshots');

  // Logging out twice (or without an index directory) is not an error.
  await rm(index, { recursive: true });
  t.is(await run('logout'), 0);
  t.regex(lines.at(-1) ?? '', /Not logged in to Patreon/);
});

test('status after a failed login says why, without the secret', async (t) => {
  const wrong = 'wrong-cli-secret-77aa01';
  const { lines, run } = await setup(t, { PATREON_CLIENT_SECRET: wrong });
  const login = run('login');

  // Wait for the URL line the command prints, then come back as the browser would.
  let ended = false;
  void login.finally(() => { ended = true; });
  let authorizationUrl: URL | undefined;
  while (!authorizationUrl && !ended) {
    const line = lines.find((l) => l.includes('/oauth2/authorize?'));
    if (line) authorizationUrl = new URL(line);
    else await delay(10);
  }
  if (!authorizationUrl) return t.fail(`login ended early: ${lines.join('\n')}`);
  const redirect = new URL(authorizationUrl.searchParams.get('redirect_uri') ?? '');
  redirect.searchParams.set('code', 'code-1');
  redirect.searchParams.set('state', authorizationUrl.searchParams.get('state') ?? '');
  t.is((await fetch(redirect)).status, 502);
  t.is(await login, 1);
  t.true(lines.some((l) => l.startsWith('Login failed (invalid_client)')));

  lines.length = 0;
  t.is(await run('status'), 1);
  t.is(lines[0], 'Patreon: disconnected');
  t.regex(lines[1] ?? '',
    /last login failed: invalid_client — check PATREON_CLIENT_SECRET/);
  t.false(lines.join('\n').includes(wrong));
});

test('an unknown verb names the ones there are', async (t) => {
  const { lines, run } = await setup(t);
  t.is(await run('bogus'), 2);
  t.deepEqual(lines, ['unknown patreon command "bogus"; use login, status or logout']);
});
