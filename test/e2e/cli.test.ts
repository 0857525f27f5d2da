// The `swiftpatterns` command line: sources add/remove/import and refresh, run as a
// real process against feeds on loopback.
import { execFile } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { feedsDir, projectRoot, startFixtureServer } from '../support/fixture-server.js';
import { cliEntry, makeHome, writeConfig } from '../support/server-process.js';

const run = promisify(execFile);

async function cli(home: string, config: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cliEntry, ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, SWIFTPATTERNS_HOME: home, SWIFTPATTERNS_CONFIG: config },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('sources add, list, remove and OPML import edit the config file', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const config = await writeConfig(home, [{ id: 'one', url: 'http://127.0.0.1:9/one.xml' }]);

  const feed = 'https://example.com/feed.xml';
  const added = await cli(home, config, 'sources', 'add', feed, '--name', 'Example');
  t.is(added.code, 0, added.stderr);
  t.regex(added.stdout, /added example-com/);
  const listed = await cli(home, config, 'sources');
  t.regex(listed.stdout, /^example-com\ton\tExample\thttps:\/\/example\.com\/feed\.xml$/m);

  const again = await cli(home, config, 'sources', 'add', 'https://example.com/feed.xml');
  t.is(again.code, 1);
  t.regex(again.stderr, /already a source/);
  const bad = await cli(home, config, 'sources', 'add', 'file:///etc/passwd');
  t.is(bad.code, 1);
  t.regex(bad.stderr, /not an http\(s\) URL/);

  const opml = path.join(feedsDir, 'real-world', 'Subs.opml');
  const imported = await cli(home, config, 'sources', 'import', opml);
  t.is(imported.code, 0, imported.stderr);
  const count = Number(/imported (\d+) feed/.exec(imported.stdout)?.[1]);
  t.true(count > 10, imported.stdout);
  const saved = JSON.parse(await readFile(config, 'utf8')) as { sources: Array<{ id: string }> };
  t.is(saved.sources.length, 2 + count);
  t.is(new Set(saved.sources.map((s) => s.id)).size, saved.sources.length, 'ids stay unique');

  const removed = await cli(home, config, 'sources', 'remove', 'one');
  t.is(removed.code, 0);
  const after = JSON.parse(await readFile(config, 'utf8')) as { sources: Array<{ id: string }> };
  t.false(after.sources.some((s) => s.id === 'one'));
});

test('refresh fetches every enabled source and reports failures with exit 1', async (t) => {
  const feeds = await startFixtureServer();
  feeds.route('/gone.rss', (_req, res) => res.writeHead(404).end());
  const home = await makeHome();
  t.teardown(async () => {
    await feeds.close();
    await rm(home, { recursive: true, force: true });
  });
  const config = await writeConfig(home, [
    { id: 'tca', url: feeds.url('tca-articles.rss') },
    { id: 'natasha', url: feeds.url('natasha.rss') },
    { id: 'off', url: feeds.url('natasha.rss'), enabled: false },
    { id: 'gone', url: feeds.url('gone.rss') },
  ]);
  const result = await cli(home, config, 'refresh');
  t.is(result.code, 1);
  t.regex(result.stdout, /^tca: updated \(74 articles/m);
  t.regex(result.stdout, /^natasha: updated \(10 articles/m);
  t.regex(result.stdout, /^gone: FAILED HTTP_STATUS: .*404/m);
  t.regex(result.stdout, /^2 refreshed, 1 failed$/m);
  t.deepEqual((await readdir(path.join(home, 'snapshots'))).sort(), ['natasha.json', 'tca.json']);

  // A second run revalidates with conditional GET and keeps the snapshots.
  const second = await cli(home, config, 'refresh');
  t.regex(second.stdout, /^tca: not-modified/m);
});

test('an invalid config file stops with a message naming the key', async (t) => {
  const home = await makeHome();
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const config = await writeConfig(home, [{ id: '../escape', url: 'http://127.0.0.1:9/x' }]);
  const result = await cli(home, config, 'sources');
  t.is(result.code, 1);
  t.regex(result.stderr, /sources\.0\.id/);
});
