import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FileCache } from '../../workers/file-cache.js';
import type { FileCacheCounters } from '../../workers/protocol.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sp-cache-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A loader that counts its calls and returns the file's name and a call number. */
function countingLoader() {
  const calls: string[] = [];
  const load = async (file: string) => {
    calls.push(file);
    return { file: path.basename(file), call: calls.length };
  };
  return { calls, load };
}

async function writeWithMtime(file: string, data: string, mtimeSec: number): Promise<void> {
  await writeFile(file, data);
  await utimes(file, mtimeSec, mtimeSec);
}

test('first get misses and loads, the next one hits without loading', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a.json');
  await writeFile(file, 'x'.repeat(100));
  const cache = new FileCache({ maxBytes: 10_000 });
  const { calls, load } = countingLoader();

  const first = await cache.get(file, load);
  const second = await cache.get(file, load);
  t.is(second, first);
  t.is(calls.length, 1);
  t.deepEqual(cache.counters(), { hits: 1, misses: 1, evictions: 0, bytes: 100, entries: 1 });
});

test('a rewritten file misses, and its stale entry is dropped', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a.json');
  await writeWithMtime(file, 'old', 1_700_000_000);
  const cache = new FileCache({ maxBytes: 10_000 });
  const { calls, load } = countingLoader();

  t.is((await cache.get(file, load)).call, 1);
  // Same size, new mtime: still a different version of the file.
  await writeWithMtime(file, 'new', 1_700_000_100);
  t.is((await cache.get(file, load)).call, 2);
  // Same mtime, new size.
  await writeWithMtime(file, 'newer', 1_700_000_100);
  t.is((await cache.get(file, load)).call, 3);

  t.is(calls.length, 3);
  t.like(cache.counters(), { hits: 0, misses: 3, evictions: 0, entries: 1, bytes: 5 });
});

test('entries beyond maxBytes evict the least recently used', async (t) => {
  const dir = await tempDir(t);
  const files = ['a', 'b', 'c'].map((n) => path.join(dir, n));
  for (const f of files) await writeFile(f, 'x'.repeat(400));
  const cache = new FileCache({ maxBytes: 1000 });
  const { calls, load } = countingLoader();

  await cache.get(files[0]!, load);
  await cache.get(files[1]!, load);
  await cache.get(files[0]!, load); // a is now the most recent
  await cache.get(files[2]!, load); // 1200 bytes: b goes
  t.like(cache.counters(), { hits: 1, misses: 3, evictions: 1, entries: 2, bytes: 800 });

  await cache.get(files[0]!, load);
  t.is(calls.length, 3, 'a survived');
  await cache.get(files[1]!, load);
  t.is(calls.length, 4, 'b was evicted and loads again');
  t.is(cache.counters().evictions, 2);
});

test('sizeHint overrides the file size, as a number or from the value', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a');
  await writeFile(file, 'x'.repeat(10));
  const cache = new FileCache({ maxBytes: 10_000 });
  await cache.get(file, () => 'abc', 250);
  t.is(cache.counters().bytes, 250);

  const other = path.join(dir, 'b');
  await writeFile(other, 'y');
  await cache.get(other, () => 'four', (value) => value.length * 100);
  t.is(cache.counters().bytes, 650);
});

test('a value larger than maxBytes is returned but not kept', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'big');
  await writeFile(file, 'x'.repeat(2000));
  const cache = new FileCache({ maxBytes: 1000 });
  const { calls, load } = countingLoader();
  t.is((await cache.get(file, load)).file, 'big');
  await cache.get(file, load);
  t.is(calls.length, 2);
  t.like(cache.counters(), { entries: 0, bytes: 0, misses: 2 });
});

test('concurrent gets of one key share one load', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a');
  await writeFile(file, 'data');
  const cache = new FileCache({ maxBytes: 10_000 });
  let loads = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const load = async () => {
    loads++;
    await gate;
    return { loaded: loads };
  };

  const pending = Array.from({ length: 5 }, () => cache.get(file, load));
  // Let every get pass its stat before the load finishes.
  while (cache.counters().hits + cache.counters().misses < 5) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  release();
  const values = await Promise.all(pending);
  t.is(loads, 1);
  t.true(values.every((v) => v === values[0]));
  t.like(cache.counters(), { misses: 1, hits: 4, entries: 1 });
});

test('a failed load is not cached and the next get retries', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a');
  await writeFile(file, 'data');
  const cache = new FileCache({ maxBytes: 10_000 });
  await t.throwsAsync(cache.get(file, () => Promise.reject(new Error('boom'))), {
    message: 'boom',
  });
  t.is(await cache.get(file, () => 'ok'), 'ok');
  t.like(cache.counters(), { misses: 2, entries: 1 });
});

test('a missing file rejects with ENOENT', async (t) => {
  const cache = new FileCache({ maxBytes: 1000 });
  await t.throwsAsync(cache.get('/nonexistent/sp-cache/file', () => 1), { code: 'ENOENT' });
});

test('onChange reports counters after each change until unsubscribed', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'a');
  await writeFile(file, 'abc');
  const cache = new FileCache({ maxBytes: 1000 });
  const seen: FileCacheCounters[] = [];
  const stop = cache.onChange((counters) => seen.push(counters));
  cache.onChange(() => {
    throw new Error('a broken listener does not break the cache');
  });

  await cache.get(file, () => 1);
  await cache.get(file, () => 1);
  t.true(seen.length >= 2);
  t.deepEqual(seen.at(-1), cache.counters());
  t.like(seen.at(-1), { hits: 1, misses: 1, entries: 1, bytes: 3 });

  stop();
  const before = seen.length;
  await cache.get(file, () => 1);
  t.is(seen.length, before);
});

test('getDerived rebuilds when any dependency changes', async (t) => {
  const dir = await tempDir(t);
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  await writeWithMtime(a, 'aaaa', 1_700_000_000);
  await writeWithMtime(b, 'bb', 1_700_000_000);
  const cache = new FileCache({ maxBytes: 10_000 });
  let builds = 0;
  const build = () => ({ build: ++builds });

  t.is((await cache.getDerived('index', [a, b], build)).build, 1);
  t.is((await cache.getDerived('index', [a, b], build)).build, 1);
  t.is(cache.counters().bytes, 6, 'charged the dependencies\' size by default');

  await writeWithMtime(b, 'bb', 1_700_000_050);
  t.is((await cache.getDerived('index', [a, b], build)).build, 2);
  t.like(cache.counters(), { entries: 1, hits: 1, misses: 2 });

  // Another name over the same files is a separate entry.
  t.is((await cache.getDerived('other', [a], build, 10)).build, 3);
  t.like(cache.counters(), { entries: 2, bytes: 16 });
});

test('maxBytes must be a positive integer', (t) => {
  for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => new FileCache({ maxBytes }), { instanceOf: TypeError, message: /maxBytes/ });
  }
});
