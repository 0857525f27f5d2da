// Stale-while-revalidate for search indexes: a worker keeps answering from its last
// corpus while the index of new snapshots is built elsewhere, and switches once it exists.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { FileCache } from '../../workers/file-cache.js';
import { decodeFeed } from '../../workers/ingest/decode.js';
import { normalizeFeed } from '../../workers/ingest/normalize.js';
import { parseFeed } from '../../workers/ingest/parse-feed.js';
import { loadCorpus } from '../../workers/search/corpus-index.js';
import { writeSnapshot } from '../../workers/store/snapshot-store.js';
import { feedsDir } from '../support/fixture-server.js';
import { makeHome } from '../support/server-process.js';
import type { Snapshot } from '../../workers/protocol.js';

function snapshotOf(id: string, file: string, version: string, drop = 0): Snapshot {
  const url = `http://127.0.0.1/${file}`;
  const feed = parseFeed(decodeFeed(readFileSync(path.join(feedsDir, file))));
  const { records } = normalizeFeed({ id, name: id, url }, feed);
  return {
    meta: {
      source: id, url, fetchedAt: new Date().toISOString(), etag: null, lastModified: null,
      format: feed.format, skipped: [], version,
    },
    records: records.slice(drop),
  };
}

test('a stale corpus answers until the new index is on disk, then the new one does', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const ids = ['tca', 'natasha'];
  await writeSnapshot(home, snapshotOf('tca', 'tca-articles.rss', 'tca-1'));
  await writeSnapshot(home, snapshotOf('natasha', 'natasha.rss', 'nat-1'));

  const builder = new FileCache({ maxBytes: 256 * 1024 * 1024 });
  const server = new FileCache({ maxBytes: 256 * 1024 * 1024 });
  const first = await loadCorpus(home, ids, server);
  t.is(first.size, 84);

  // natasha changes: one article fewer.
  await writeSnapshot(home, snapshotOf('natasha', 'natasha.rss', 'nat-2', 1));
  const versions = { tca: 'tca-1', natasha: 'nat-2' };

  const stale = await loadCorpus(home, ids, server, { allowStale: true, expectedVersions: versions });
  t.true(stale.stale);
  t.is(stale.hash, first.hash);

  // Without allowStale the index is built (here by another worker's cache) and written.
  const built = await loadCorpus(home, ids, builder);
  t.falsy(built.stale);
  t.is(built.size, 83);

  const fresh = await loadCorpus(home, ids, server, { allowStale: true, expectedVersions: versions });
  t.falsy(fresh.stale);
  t.is(fresh.hash, built.hash);
  t.is(fresh.size, 83);
});

test('with no previous corpus, allowStale still builds (a cold worker answers exactly)', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  await writeSnapshot(home, snapshotOf('natasha', 'natasha.rss', 'nat-1'));
  const cache = new FileCache({ maxBytes: 64 * 1024 * 1024 });
  const corpus = await loadCorpus(home, ['natasha'], cache, {
    allowStale: true, expectedVersions: { natasha: 'nat-1' },
  });
  t.falsy(corpus.stale);
  t.is(corpus.size, 10);
});
