import test from 'ava';
import { IntentCache, intentKey, normalizeQuery } from '../../src/intent-cache.js';

const parts = { tool: 'search', sources: 'a,b', corpusVersion: 'v1' };

test('keys ignore case, spacing and filter order but not the corpus version', (t) => {
  t.is(normalizeQuery('  Async\tAWAIT  '), 'async await');
  const a = intentKey({ ...parts, query: 'Async  await', filters: { limit: 5, requireCode: true } });
  const b = intentKey({ ...parts, query: 'async await', filters: { requireCode: true, limit: 5 } });
  t.is(a, b);
  const same = { query: 'async await', filters: { limit: 5, requireCode: true } };
  t.not(a, intentKey({ ...parts, ...same, corpusVersion: 'v2' }));
  t.not(a, intentKey({ ...parts, ...same, sources: 'a' }));
  t.not(a, intentKey({ ...parts, query: 'async await', filters: { limit: 6, requireCode: true } }));
});

test('a hit returns the cached value and counts', async (t) => {
  const cache = new IntentCache<{ n: number }>({ max: 10, ttlMs: 60_000 });
  let runs = 0;
  const compute = async () => ({ n: ++runs });
  t.deepEqual(await cache.getOrCompute('k', compute), { value: { n: 1 }, hit: false });
  t.deepEqual(await cache.getOrCompute('k', compute), { value: { n: 1 }, hit: true });
  t.like(cache.stats(), { hits: 1, misses: 1, hitRate: 0.5, size: 1, evictions: 0 });
});

test('entries expire after the TTL (injected clock)', async (t) => {
  let now = 1_000;
  const cache = new IntentCache<{ n: number }>({ max: 10, ttlMs: 500, now: () => now });
  let runs = 0;
  await cache.getOrCompute('k', async () => ({ n: ++runs }));
  now += 499;
  t.true((await cache.getOrCompute('k', async () => ({ n: ++runs }))).hit);
  now += 2;
  t.false((await cache.getOrCompute('k', async () => ({ n: ++runs }))).hit);
  t.is(runs, 2);
});

test('the size bound evicts least recently used entries and counts evictions', async (t) => {
  const cache = new IntentCache<{ k: string }>({ max: 2, ttlMs: 60_000 });
  for (const k of ['a', 'b', 'a', 'c']) await cache.getOrCompute(k, async () => ({ k }));
  t.like(cache.stats(), { size: 2, evictions: 1 });
  t.true((await cache.getOrCompute('a', async () => ({ k: 'a2' }))).hit);
  t.false((await cache.getOrCompute('b', async () => ({ k: 'b2' }))).hit);
});

test('identical concurrent misses share one computation', async (t) => {
  const cache = new IntentCache<{ n: number }>({ max: 10, ttlMs: 60_000 });
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const compute = async () => {
    runs += 1;
    await gate;
    return { n: runs };
  };
  const all = Promise.all([1, 2, 3].map(() => cache.getOrCompute('k', compute)));
  release();
  const answers = await all;
  t.is(runs, 1);
  t.true(answers.every((a) => a.value.n === 1 && !a.hit));
  t.like(cache.stats(), { misses: 3, coalesced: 2 });
});

test('one caller cancelling does not abort a task others still wait on', async (t) => {
  const cache = new IntentCache<{ ok: boolean }>({ max: 10, ttlMs: 60_000 });
  let taskSignal!: AbortSignal;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const compute = async (signal: AbortSignal) => {
    taskSignal = signal;
    await gate;
    return { ok: true };
  };
  const first = new AbortController();
  const p1 = cache.getOrCompute('k', compute, first.signal);
  const p2 = cache.getOrCompute('k', compute, new AbortController().signal);
  first.abort(new Error('cancelled by client'));
  await t.throwsAsync(p1, { message: 'cancelled by client' });
  t.false(taskSignal.aborted);
  release();
  t.deepEqual((await p2).value, { ok: true });
});

test('the task is aborted once every waiting caller has cancelled', async (t) => {
  const cache = new IntentCache<{ ok: boolean }>({ max: 10, ttlMs: 60_000 });
  let taskSignal!: AbortSignal;
  const compute = (signal: AbortSignal) =>
    new Promise<{ ok: boolean }>((_resolve, reject) => {
      taskSignal = signal;
      signal.addEventListener('abort', () => reject(signal.reason));
    });
  const a = new AbortController();
  const b = new AbortController();
  const p1 = cache.getOrCompute('k', compute, a.signal);
  const p2 = cache.getOrCompute('k', compute, b.signal);
  a.abort(new Error('a'));
  b.abort(new Error('b'));
  await t.throwsAsync(p1);
  await t.throwsAsync(p2);
  t.true(taskSignal.aborted);
  // A failed task is not cached: the next call computes again.
  const next = await cache.getOrCompute('k', async () => ({ ok: true }));
  t.false(next.hit);
});

test('max 0 turns caching off but still coalesces', async (t) => {
  const cache = new IntentCache<{ n: number }>({ max: 0, ttlMs: 1000 });
  await cache.getOrCompute('k', async () => ({ n: 1 }));
  t.false((await cache.getOrCompute('k', async () => ({ n: 2 }))).hit);
  t.like(cache.stats(), { size: 0, hits: 0, misses: 2 });
});
