// Disk faults: corrupt snapshot and index files are detected and rebuilt, two servers
// sharing one data directory never corrupt each other's files, temp files left by a dead
// writer are swept, and an unwritable data directory is reported while the server answers.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { readSnapshot } from '../../workers/store/snapshot-store.js';
import { startFixtureServer } from '../support/fixture-server.js';
import { makeHome, resultsOf, textOf } from '../support/server-process.js';
import { eventually, outcome, sourcesOf, startFaultServer, statsOf } from './support.js';
import type { ExecutionContext } from 'ava';
import type { FixtureServer } from '../support/fixture-server.js';

let feeds: FixtureServer;

test.before(async () => {
  feeds = await startFixtureServer();
});

test.after.always(async () => {
  await feeds?.close();
});

const sources = () => [
  { id: 'natasha', url: feeds.url('natasha.rss') },
  { id: 'tca', url: feeds.url('tca-articles.rss') },
];

/** Every data file parses: snapshots pass their checksum, index and state are JSON. */
async function assertDataIntact(t: ExecutionContext, home: string) {
  const snapshots = path.join(home, 'snapshots');
  const index = path.join(home, 'index');
  for (const name of readdirSync(snapshots)) {
    t.false(name.endsWith('.tmp'), `temp file left: ${name}`);
    if (name.endsWith('.json')) await t.notThrowsAsync(readSnapshot(path.join(snapshots, name)));
  }
  for (const name of readdirSync(index)) {
    t.false(name.endsWith('.tmp'), `temp file left: ${name}`);
    const data = JSON.parse(readFileSync(path.join(index, name), 'utf8'));
    t.is(data.format, 'swiftpatterns-index');
  }
  t.is(JSON.parse(readFileSync(path.join(home, 'state.json'), 'utf8')).version, 1);
}

test.serial('a corrupt snapshot is detected, refetched; a corrupt index is rebuilt', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  let server = await startFaultServer(sources(), {}, { home, keepHome: true });
  t.teardown(() => server.close());
  t.is(outcome(await server.call('search_swift_content', { query: 'swift testing' })), 'ok');

  // Cut the snapshot in half while the server runs (a torn copy, a disk error).
  const file = path.join(home, 'snapshots', 'natasha.json');
  truncateSync(file, Math.floor(readFileSync(file).length / 2));
  const during = await server.call('search_swift_content', { query: 'swift protocols' });
  t.is(outcome(during), 'ok', textOf(during));
  await eventually(async () => {
    const row = (await sourcesOf(server)).find((s) => s.id === 'natasha');
    return row?.status === 'ok' && row.itemCount > 0;
  });
  await t.notThrowsAsync(readSnapshot(file));
  const natasha = await server.call('search_swift_content', {
    query: 'swift protocols', sources: ['natasha'],
  });
  t.true(resultsOf(natasha).length > 0, textOf(natasha));
  await server.close();

  // Offline damage: every index file truncated, a temp file of a writer that died.
  const indexDir = path.join(home, 'index');
  for (const name of readdirSync(indexDir)) truncateSync(path.join(indexDir, name), 100);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const orphan = `.natasha.json.${dead}.0123456789ab.tmp`;
  writeFileSync(path.join(home, 'snapshots', orphan), '{"half":');

  server = await startFaultServer(sources(), {}, { home, keepHome: true });
  const again = await server.call('search_swift_content', { query: 'swift closures' });
  t.true(resultsOf(again).length > 0, textOf(again));
  // Every subset searched so far has an index file; each is rebuilt on its next use.
  for (const only of ['natasha', 'tca']) {
    const one = await server.call('search_swift_content', { query: 'swift', sources: [only] });
    t.true(resultsOf(one).length > 0, textOf(one));
  }
  t.false(readdirSync(path.join(home, 'snapshots')).includes(orphan), 'orphan swept');
  await server.close();
  await assertDataIntact(t, home);
});

test.serial('a directory in place of a snapshot (EISDIR): left out, named, repaired', async (t) => {
  const server = await startFaultServer(sources());
  t.teardown(() => server.close());
  t.is(outcome(await server.call('search_swift_content', { query: 'swift testing' })), 'ok');
  const natashaCount = (await sourcesOf(server)).find((s) => s.id === 'natasha')!.itemCount;

  // Not a missing or corrupt file: reading it fails in the file system itself.
  const file = path.join(server.home, 'snapshots', 'tca.json');
  rmSync(file);
  mkdirSync(file);
  const during = await server.call('search_swift_content', { query: 'swift protocols' });
  t.is(outcome(during), 'ok', textOf(during));
  t.regex(
    textOf(during),
    /tca was left out: its stored copy is unreadable and is being fetched again/,
  );
  t.is((during.structuredContent as { searched: number }).searched, natashaCount);
  t.notRegex(textOf(during), /EISDIR|illegal operation/);
  t.false(textOf(during).includes(server.home), 'no local path in the answer');

  // Repaired: the empty directory is replaced by a fresh snapshot.
  await eventually(async () => {
    const row = (await sourcesOf(server)).find((s) => s.id === 'tca');
    return row?.status === 'ok' && row.itemCount > 0;
  });
  await t.notThrowsAsync(readSnapshot(file));
  const tca = await server.call('search_swift_content', { query: 'store', sources: ['tca'] });
  t.true(resultsOf(tca).length > 0, textOf(tca));
});

test.serial('an index directory that cannot be written: search answers from memory', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  // A regular file where the index directory belongs: mkdir fails with EEXIST, as root too.
  writeFileSync(path.join(home, 'index'), 'not a directory');
  const server = await startFaultServer(sources(), {}, { home, keepHome: true });
  t.teardown(() => server.close());

  for (const query of ['swift testing', 'swift protocols', 'reducer']) {
    const result = await server.call('search_swift_content', { query });
    t.true(resultsOf(result).length > 0, textOf(result));
  }
  t.false((await statsOf(server)).dataDirectoryWritable);
  const logged = server.stderr().match(/cannot write search indexes/g) ?? [];
  t.is(logged.length, 1, 'logged once');
  t.regex(server.stderr(), /EEXIST/);
});

/** Two server processes on one data directory, as two MCP clients open at once. */
async function twoServersOneHome(t: ExecutionContext) {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const [a, b] = await Promise.all([
    startFaultServer(sources(), {}, { home, keepHome: true }),
    startFaultServer(sources(), {}, { home, keepHome: true }),
  ]);
  t.teardown(() => a.close());
  t.teardown(() => b.close());
  return { home, a, b };
}

test.serial('two servers sharing state.json keep each other\'s enable_source changes', async (t) => {
  const { home, a, b } = await twoServersOneHome(t);
  // Both have fetched and saved their view before the changes.
  await Promise.all([a.call('refresh_sources'), b.call('refresh_sources')]);
  const enabled = () => {
    const saved = JSON.parse(readFileSync(path.join(home, 'state.json'), 'utf8')).sources;
    return { natasha: saved.natasha.enabled, tca: saved.tca.enabled };
  };

  t.falsy((await a.call('enable_source', { source: 'natasha', enabled: false })).isError);
  t.falsy((await b.call('enable_source', { source: 'tca', enabled: false })).isError);
  t.deepEqual(enabled(), { natasha: false, tca: false });

  // Later writes of either process (a refresh records its success) keep both choices.
  await a.call('refresh_sources', { source: 'natasha' });
  await b.call('refresh_sources', { source: 'natasha' });
  t.deepEqual(enabled(), { natasha: false, tca: false });
  t.falsy((await b.call('enable_source', { source: 'natasha' })).isError);
  await a.call('refresh_sources', { source: 'tca' });
  t.deepEqual(enabled(), { natasha: true, tca: false });
});

test.serial('two servers sharing one data directory never corrupt its files', async (t) => {
  const { home, a, b } = await twoServersOneHome(t);
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all([
      a.call('refresh_sources'), b.call('refresh_sources'),
      a.call('search_swift_content', { query: `swift round ${round}` }),
      b.call('search_swift_content', { query: `testing round ${round}` }),
    ]);
    for (const result of results) t.falsy(result.isError, textOf(result));
  }
  await Promise.all([a.close(), b.close()]);
  await assertDataIntact(t, home);
});

test.serial('an unwritable data directory is reported and the server keeps answering', async (t) => {
  // chmod does not stop root, so the data directory is put under a regular file: every
  // write fails with ENOTDIR whoever runs the test.
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'swiftpatterns-ro-'));
  t.teardown(() => rm(scratch, { recursive: true, force: true }));
  await writeFile(path.join(scratch, 'plain-file'), '');
  const server = await startFaultServer(sources(), {
    SWIFTPATTERNS_HOME: path.join(scratch, 'plain-file', 'home'),
  });
  t.teardown(() => server.close());

  const stats = await statsOf(server);
  t.false(stats.dataDirectoryWritable);
  const refresh = await server.call('refresh_sources', { source: 'natasha' });
  t.regex(textOf(refresh), /natasha: failed — .*(ENOTDIR|not a directory)/i);
  const search = await server.call('search_swift_content', { query: 'swift' });
  t.is(outcome(search), 'NO_CONTENT');
  t.regex(textOf(search), /ENOTDIR|not a directory/i);
  t.regex(server.stderr(), /data directory is not writable/);
  t.is(outcome(await server.call('list_content_sources')), 'ok');
  const enable = await server.call('enable_source', { source: 'tca', enabled: false });
  t.is(outcome(enable), 'ok', textOf(enable));
  t.regex(textOf(enable), /could not be saved .* until the server restarts/);
});

test.serial('a read-only data directory (chmod 0555) keeps serving its snapshots', async (t) => {
  if (process.getuid?.() === 0) {
    t.log('running as root: chmod does not stop writes, covered by the ENOTDIR case above');
    t.pass();
    return;
  }
  const { chmodSync } = await import('node:fs');
  const home = await makeHome();
  t.teardown(async () => {
    chmodSync(home, 0o755);
    for (const dir of ['snapshots', 'index']) chmodSync(path.join(home, dir), 0o755);
    await rm(home, { recursive: true, force: true });
  });
  const first = await startFaultServer(sources(), {}, { home, keepHome: true });
  t.is(outcome(await first.call('search_swift_content', { query: 'swift' })), 'ok');
  await first.close();
  for (const dir of ['snapshots', 'index']) chmodSync(path.join(home, dir), 0o555);
  chmodSync(home, 0o555);
  const server = await startFaultServer(sources(), {}, { home, keepHome: true });
  t.teardown(() => server.close());
  t.false((await statsOf(server)).dataDirectoryWritable);
  t.is(outcome(await server.call('search_swift_content', { query: 'swift' })), 'ok');
});
