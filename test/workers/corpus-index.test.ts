import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { FileCache } from '../../workers/file-cache.js';
import { loadCorpus, MAX_INDEX_FILES } from '../../workers/search/corpus-index.js';
import { searchCorpus } from '../../workers/search/query.js';
import { dataPaths, snapshotFile } from '../../workers/store/paths.js';
import { StoreError, writeSnapshot } from '../../workers/store/snapshot-store.js';
import type { PatternRecord, Snapshot } from '../../workers/protocol.js';

const MB = 1024 * 1024;

async function tempHome(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'sp-corpus-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  return home;
}

function record(source: string, id: string, title: string, text: string): PatternRecord {
  return {
    id, source, title, url: `https://example.test/${source}/${id}`, date: null, authors: [],
    tags: ['swift'], summary: text.slice(0, 100), text, headings: [], hasCode: true,
    code: [{ language: 'swift', code: `struct ${id.toUpperCase()}View: View {}`, isSwift: true }],
    quality: 60,
  };
}

function snapshot(source: string, records: PatternRecord[], version = ''): Snapshot {
  return {
    meta: {
      source, url: `http://127.0.0.1/${source}.rss`, fetchedAt: '2026-01-01T00:00:00.000Z',
      etag: null, lastModified: null, format: 'rss2', skipped: [], version,
    },
    records,
  };
}

async function seed(home: string): Promise<string[]> {
  await writeSnapshot(home, snapshot('alpha', [
    record('alpha', 'a1', 'NavigationStack basics', 'Push views onto a NavigationStack path.'),
    record('alpha', 'a2', 'Observation', 'The @Observable macro replaces ObservableObject.'),
  ]));
  await writeSnapshot(home, snapshot('beta', [
    record('beta', 'b1', 'Actors', 'An actor protects its mutable state from data races.'),
  ]));
  return ['alpha', 'beta'];
}

async function indexFiles(home: string): Promise<string[]> {
  const dir = dataPaths(home).index;
  return (await readdir(dir)).filter((n) => n.endsWith('.json')).map((n) => path.join(dir, n));
}

test('a cold load builds the index and writes it; another worker loads that file', async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);

  const corpus = await loadCorpus(home, sources, new FileCache({ maxBytes: 64 * MB }));
  t.is(corpus.size, 3);
  t.deepEqual(corpus.sources, sources);
  t.true(corpus.records.has('alpha/a1'));
  const [file, ...rest] = await indexFiles(home);
  t.deepEqual(rest, []);
  t.true(path.basename(file!).endsWith(`-${corpus.hash}.json`));
  const before = await stat(file!);

  // A fresh cache stands for another worker: it must reuse the file, not rewrite it.
  const other = await loadCorpus(home, sources, new FileCache({ maxBytes: 64 * MB }));
  t.is((await stat(file!)).ino, before.ino);
  t.is(other.hash, corpus.hash);
  t.is(searchCorpus(other, 'NavigationStack', {}, 1).hits[0]?.id, 'a1');
});

test('a warm load returns the cached corpus after one stat per snapshot', async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);
  const cache = new FileCache({ maxBytes: 64 * MB });

  const first = await loadCorpus(home, sources, cache);
  const misses = cache.counters().misses;
  const second = await loadCorpus(home, sources, cache);
  t.is(second, first);
  t.is(cache.counters().misses, misses);
  t.true(cache.counters().hits >= 1);
});

test('a rewritten snapshot gives a new corpus and a new index file', async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);
  const cache = new FileCache({ maxBytes: 64 * MB });
  const first = await loadCorpus(home, sources, cache);

  await writeSnapshot(home, snapshot('beta', [
    record('beta', 'b1', 'Actors', 'An actor protects its mutable state.'),
    record('beta', 'b2', 'Sendable', 'Sendable values cross isolation domains.'),
  ]));
  // Make sure the mtime moves even on coarse file systems.
  const future = new Date(Date.now() + 5_000);
  await utimes(snapshotFile(home, 'beta'), future, future);

  const second = await loadCorpus(home, sources, cache);
  t.not(second, first);
  t.is(second.size, 4);
  t.not(second.hash, first.hash);
  // The index of the same sources at newer versions supersedes the old file.
  const files = (await indexFiles(home)).map((f) => path.basename(f));
  t.is(files.length, 1);
  t.true(files[0]!.endsWith(`-${second.hash}.json`));
  t.is(searchCorpus(second, 'Sendable', {}, 1).hits[0]?.id, 'b2');
});

test('a corrupt or truncated index file is rebuilt', async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);
  await loadCorpus(home, sources, new FileCache({ maxBytes: 64 * MB }));
  const [file] = await indexFiles(home);
  const good = await readFile(file!, 'utf8');

  for (const bad of [good.slice(0, good.length / 2), '{"format":"other"}', '']) {
    await writeFile(file!, bad);
    const corpus = await loadCorpus(home, sources, new FileCache({ maxBytes: 64 * MB }));
    t.is(searchCorpus(corpus, 'actor', {}, 1).hits[0]?.id, 'b1');
    t.is(await readFile(file!, 'utf8'), good, 'rewritten whole');
  }
});

test(`at most ${MAX_INDEX_FILES} index files are kept, newest first`, async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);
  const dir = dataPaths(home).index;
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 6; i++) {
    const old = path.join(dir, `old${i}.json`);
    await writeFile(old, '{}');
    const when = new Date(Date.UTC(2020, 0, 1 + i));
    await utimes(old, when, when);
  }
  const corpus = await loadCorpus(home, sources, new FileCache({ maxBytes: 64 * MB }));
  const names = (await indexFiles(home)).map((f) => path.basename(f)).sort();
  t.is(names.length, MAX_INDEX_FILES);
  t.true(names.some((n) => n.endsWith(`-${corpus.hash}.json`)));
  t.deepEqual(names.filter((n) => n.startsWith('old')), ['old3.json', 'old4.json', 'old5.json']);
});

test('a missing snapshot is SNAPSHOT_MISSING, a corrupt one SNAPSHOT_CORRUPT', async (t) => {
  const home = await tempHome(t);
  const sources = await seed(home);
  const cache = new FileCache({ maxBytes: 64 * MB });
  await t.throwsAsync(loadCorpus(home, [...sources, 'gamma'], cache), {
    instanceOf: StoreError, code: 'SNAPSHOT_MISSING',
  });
  const file = snapshotFile(home, 'beta');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.slice(0, -20));
  await t.throwsAsync(loadCorpus(home, sources, cache), {
    instanceOf: StoreError, code: 'SNAPSHOT_CORRUPT',
  });
});

test('invalid source ids are rejected before any path is built', async (t) => {
  const home = await tempHome(t);
  await t.throwsAsync(loadCorpus(home, ['../etc'], new FileCache({ maxBytes: MB })), {
    code: 'INVALID_SOURCE_ID',
  });
});

test('no sources is an empty corpus', async (t) => {
  const home = await tempHome(t);
  const corpus = await loadCorpus(home, [], new FileCache({ maxBytes: MB }));
  t.is(corpus.size, 0);
  t.deepEqual(searchCorpus(corpus, 'anything', {}, 5), { hits: [], total: 0 });
});
