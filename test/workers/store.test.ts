import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { writeFileAtomic } from '../../workers/store/atomic-write.js';
import { dataPaths, snapshotFile } from '../../workers/store/paths.js';
import {
  readSnapshot, recordsChecksum, StoreError, writeSnapshot,
} from '../../workers/store/snapshot-store.js';
import type { PatternRecord, Snapshot } from '../../workers/protocol.js';

async function tempHome(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'sp-store-'));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  return home;
}

function record(id: string, over: Partial<PatternRecord> = {}): PatternRecord {
  return {
    id, source: 'demo', title: `Title ${id}`, url: `https://example.test/${id}`, date: null,
    authors: ['A. Author'], tags: ['swift'], summary: 'sum', text: 'body text', headings: [],
    code: [{ language: 'swift', code: 'let x = 1', isSwift: true }], hasCode: true,
    quality: 50, ...over,
  };
}

function snapshot(records: PatternRecord[], version = 'v1'): Snapshot {
  return {
    meta: {
      source: 'demo', url: 'http://127.0.0.1/feed.rss', fetchedAt: '2026-01-01T00:00:00.000Z',
      etag: '"abc"', lastModified: null, format: 'rss2', skipped: [], version,
    },
    records,
  };
}

// ---- atomic write ----

test('writeFileAtomic writes the data and leaves no temp file', async (t) => {
  const dir = await tempHome(t);
  const file = path.join(dir, 'out.json');
  await writeFileAtomic(file, 'first');
  await writeFileAtomic(file, Buffer.from('second'));
  t.is(await readFile(file, 'utf8'), 'second');
  t.deepEqual(await readdir(dir), ['out.json']);
});

test('concurrent writers of one target leave one whole version, never a mix', async (t) => {
  const dir = await tempHome(t);
  const file = path.join(dir, 'race.txt');
  const versions = Array.from({ length: 12 }, (_, i) => String(i).repeat(200_000));
  await Promise.all(versions.map((v) => writeFileAtomic(file, v)));
  const content = await readFile(file, 'utf8');
  t.true(versions.includes(content));
  t.deepEqual(await readdir(dir), ['race.txt']);
});

test('a failed rename removes the temp file and rethrows', async (t) => {
  const dir = await tempHome(t);
  // A non-empty directory in the way makes rename(2) fail after the temp file is written.
  const target = path.join(dir, 'taken');
  await mkdir(target);
  await writeFile(path.join(target, 'inside'), 'x');
  await t.throwsAsync(writeFileAtomic(target, 'data'));
  t.deepEqual(await readdir(dir), ['taken']);
});

// ---- paths ----

test('snapshotFile accepts plain ids and stays inside the snapshots directory', (t) => {
  const home = path.resolve('/data/home');
  for (const id of ['swift-evolution', 'tca_articles', 'a', 'v1.2', 'X'.repeat(64)]) {
    const file = snapshotFile(home, id);
    t.is(path.dirname(file), dataPaths(home).snapshots);
    t.is(path.basename(file), `${id}.json`);
  }
});

test('snapshotFile rejects ids that could name another path', (t) => {
  const bad = ['', '.', '..', '../etc', 'a/b', 'a\\b', '.hidden', '-x', 'a b', 'a\0b',
    'X'.repeat(65), 'é'];
  for (const id of bad) {
    t.throws(() => snapshotFile('/data', id), { instanceOf: StoreError, code: 'INVALID_SOURCE_ID' },
      JSON.stringify(id));
  }
});

// ---- snapshots ----

test('writeSnapshot then readSnapshot round-trips records and meta', async (t) => {
  const home = await tempHome(t);
  const snap = snapshot([record('1'), record('2', { hasCode: false, code: [] })]);
  const written = await writeSnapshot(home, snap);
  t.is(written.file, snapshotFile(home, 'demo'));
  t.is(written.checksum, recordsChecksum(snap.records));
  t.deepEqual(await readSnapshot(written.file), snap);
});

test('an empty meta.version is filled from the records checksum', async (t) => {
  const home = await tempHome(t);
  const { file } = await writeSnapshot(home, snapshot([record('1')], ''));
  const first = (await readSnapshot(file)).meta.version;
  t.regex(first, /^[0-9a-f]{16}$/);
  await writeSnapshot(home, snapshot([record('1', { title: 'changed' })], ''));
  t.not((await readSnapshot(file)).meta.version, first);
});

test('a missing snapshot is SNAPSHOT_MISSING', async (t) => {
  const home = await tempHome(t);
  await t.throwsAsync(readSnapshot(snapshotFile(home, 'nope')), {
    instanceOf: StoreError, code: 'SNAPSHOT_MISSING',
  });
});

test('a truncated snapshot is SNAPSHOT_CORRUPT', async (t) => {
  const home = await tempHome(t);
  const { file } = await writeSnapshot(home, snapshot([record('1'), record('2')]));
  const text = await readFile(file, 'utf8');
  for (const cut of [0, 10, Math.floor(text.length / 2), text.length - 3]) {
    await writeFile(file, text.slice(0, cut));
    await t.throwsAsync(readSnapshot(file), { instanceOf: StoreError, code: 'SNAPSHOT_CORRUPT' });
  }
});

test('edited record content fails the checksum', async (t) => {
  const home = await tempHome(t);
  const { file } = await writeSnapshot(home, snapshot([record('1')]));
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('body text', 'body tExt'));
  const error = await t.throwsAsync(readSnapshot(file), { code: 'SNAPSHOT_CORRUPT' });
  t.regex(error.message, /checksum/);
});

test('a file with the right checksum but the wrong shape is corrupt', async (t) => {
  const home = await tempHome(t);
  const { file } = await writeSnapshot(home, snapshot([record('1')]));
  const data = JSON.parse(await readFile(file, 'utf8'));

  // A record missing a field, re-checksummed so only the shape check can catch it.
  const broken = { ...data, records: [{ ...data.records[0], quality: 'high' }] };
  broken.checksum = recordsChecksum(broken.records);
  await writeFile(file, JSON.stringify(broken));
  const error = await t.throwsAsync(readSnapshot(file), { code: 'SNAPSHOT_CORRUPT' });
  t.regex(error.message, /records\[0\]\.quality/);

  await writeFile(file, JSON.stringify({ ...data, meta: { ...data.meta, format: 'gopher' } }));
  await t.throwsAsync(readSnapshot(file), { code: 'SNAPSHOT_CORRUPT' });

  await writeFile(file, JSON.stringify({ ...data, formatVersion: 99 }));
  await t.throwsAsync(readSnapshot(file), { code: 'SNAPSHOT_CORRUPT' });

  await writeFile(file, JSON.stringify([1, 2, 3]));
  await t.throwsAsync(readSnapshot(file), { code: 'SNAPSHOT_CORRUPT' });
});

test('data files are written owner-only (0600): they may hold paid posts', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sp-mode-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.json');
  await writeFileAtomic(file, '{}');
  t.is((await stat(file)).mode & 0o777, 0o600);
});
