import test from 'ava';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TokenStore, TokenStoreError } from '../../../src/auth/token-store.js';
import { recordingLogger } from '../../support/auth-fakes.js';
import type { ExecutionContext } from 'ava';
import type { StoredTokens } from '../../../src/auth/token-store.js';

const sample: StoredTokens = {
  version: 1,
  accessToken: 'at-store-0123456789',
  refreshToken: 'rt-store-0123456789',
  tokenType: 'Bearer',
  scope: 'identity',
  expiresAt: '2030-01-01T00:00:00.000Z',
  obtainedAt: '2029-12-01T00:00:00.000Z',
  identity: { id: '77', name: 'Pat Ron' },
};

async function home(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sp-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writes 0600 in a 0700 directory, atomically, and reads back', async (t) => {
  const store = new TokenStore(await home(t));
  t.is(await store.read(), null);
  await store.write(sample);
  t.is(path.basename(store.path), 'patreon-tokens.json');
  t.is((await stat(store.path)).mode & 0o777, 0o600);
  t.is((await stat(path.dirname(store.path))).mode & 0o777, 0o700);
  const left = await readdir(path.dirname(store.path));
  t.deepEqual(left, ['patreon-tokens.json'], 'no temp file left');
  t.deepEqual(await store.read(), sample);

  await store.write({ ...sample, accessToken: 'at-second' });
  t.is((await store.read())?.accessToken, 'at-second');
  t.is((await stat(store.path)).mode & 0o777, 0o600);
});

test('tightens a directory and a file that are open to others', async (t) => {
  const dir = await home(t);
  const log = recordingLogger();
  const store = new TokenStore(dir, log.logger);
  await mkdir(path.join(dir, 'auth'), { mode: 0o755 });
  await chmod(path.join(dir, 'auth'), 0o755);
  await store.write(sample);
  t.is((await stat(path.dirname(store.path))).mode & 0o777, 0o700);

  await chmod(store.path, 0o644);
  t.truthy(await store.read());
  t.is((await stat(store.path)).mode & 0o777, 0o600);
  t.true(log.lines.some((line) => line.includes('readable by others')));
});

test('a corrupt file raises an error that quotes none of its content', async (t) => {
  const dir = await home(t);
  const store = new TokenStore(dir);
  await mkdir(path.dirname(store.path), { recursive: true });
  await writeFile(store.path, '{"accessToken":"at-leak-me-please", broken', { mode: 0o600 });
  const error = await t.throwsAsync(store.read(), { instanceOf: TokenStoreError });
  t.is(error?.code, 'corrupt');
  t.false(error?.message.includes('at-leak-me-please'));

  await writeFile(store.path, JSON.stringify({ accessToken: 'at-leak-me-please' }));
  const shape = await t.throwsAsync(store.read(), { instanceOf: TokenStoreError });
  t.false(shape?.message.includes('at-leak-me-please'));
});

test('clear deletes the file (logout)', async (t) => {
  const store = new TokenStore(await home(t));
  await store.write(sample);
  t.true(await store.clear());
  t.is(await store.read(), null);
  t.false(await store.clear());
});
