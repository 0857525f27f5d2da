// Security properties, checked on the sources and at run time: loopback-only listeners,
// no shell, fetched HTML never executed, source ids that cannot leave the data directory,
// and secrets kept out of logs and tool output.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ConfigError, readConfigFile } from '../../src/config.js';
import { normalizeFeed } from '../../workers/ingest/normalize.js';
import { parseFeed } from '../../workers/ingest/parse-feed.js';
import { snapshotFile } from '../../workers/store/paths.js';
import { projectRoot, startFixtureServer } from '../support/fixture-server.js';
import { cliEntry, makeHome, textOf } from '../support/server-process.js';
import { startFaultServer } from './support.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sourceFiles(file);
    return /\.(ts|js|mjs)$/.test(name) ? [file] : [];
  });
}

const files = ['src', 'workers'].flatMap((dir) => sourceFiles(path.join(projectRoot, dir)));
const read = (file: string) => readFileSync(file, 'utf8');

test('every listen() in src/ and workers/ binds to 127.0.0.1', (t) => {
  let calls = 0;
  for (const file of files) {
    const text = read(file);
    for (const match of text.matchAll(/\.listen\(/g)) {
      calls += 1;
      // The host is the argument after the port, well within the call's first 120 characters.
      const call = text.slice(match.index, match.index + 120);
      t.regex(call, /'127\.0\.0\.1'|"127\.0\.0\.1"/, path.relative(projectRoot, file));
    }
  }
  t.log(`${calls} listen() call(s) checked`);
});

test('no file runs a shell: no exec/execSync, no shell: true', (t) => {
  for (const file of files) {
    const text = read(file);
    const where = path.relative(projectRoot, file);
    t.notRegex(text, /\bimport\s*\{[^}]*\bexec(Sync)?\b[^}]*\}\s*from\s*['"](node:)?child_process/, where);
    t.notRegex(text, /child_process['"]\)?\s*\.\s*exec(Sync)?\b/, where);
    t.notRegex(text, /shell\s*:\s*true/, where);
  }
});

test('fetched HTML is turned into text, never executed: script content never reaches text', (t) => {
  const feed = parseFeed(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
    <item><guid>1</guid><title>Hostile &lt;script&gt;alert("title")&lt;/script&gt;</title>
    <link>http://127.0.0.1/1</link><description><![CDATA[
      <p>Hello</p><script>globalThis.pwned = true; alert("body")</script>
      <img src=x onerror="alert('img')"><style>body{color:red}</style>
      <iframe src="javascript:alert('frame')"></iframe><p>World</p>
    ]]></description></item></channel></rss>`);
  const { records } = normalizeFeed({ id: 'x', name: 'x', url: 'http://127.0.0.1/' }, feed);
  const record = records[0]!;
  t.regex(record.text, /Hello[\s\S]*World/);
  const everything = JSON.stringify(record);
  t.notRegex(everything, /alert\("body"\)|pwned|onerror|color:red|javascript:/);
  t.is((globalThis as { pwned?: boolean }).pwned, undefined);
});

test('item links that are not http(s) never become a result url', (t) => {
  const item = (n: number, link: string) =>
    `<item><guid>g${n}</guid><title>Item ${n} about Swift</title><link>${link}</link>` +
    '<description>Swift text</description></item>';
  const links = [
    'javascript:alert(1)', ' JavaScript:alert(2)', 'data:text/html,&lt;script&gt;x&lt;/script&gt;',
    'file:///etc/passwd', 'vbscript:msgbox', '/relative/post', 'https://ok.example/post',
  ];
  const feedWith = (channelLink: string) =>
    parseFeed(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>` +
      `<link>${channelLink}</link>${links.map((l, i) => item(i, l)).join('')}</channel></rss>`);
  const source = { id: 'x', name: 'x', url: 'http://127.0.0.1/feed.rss' };

  const urls = normalizeFeed(source, feedWith('https://blog.example/')).records.map((r) => r.url);
  t.deepEqual(urls, [
    'https://blog.example/', 'https://blog.example/', 'https://blog.example/',
    'https://blog.example/', 'https://blog.example/',
    'https://blog.example/relative/post', 'https://ok.example/post',
  ]);
  // A hostile channel link too: nothing safe to fall back to but the empty string.
  const hostile = normalizeFeed(source, feedWith('javascript:alert(3)')).records;
  t.deepEqual(hostile.map((r) => r.url), [
    '', '', '', '', '', 'http://127.0.0.1/relative/post', 'https://ok.example/post',
  ]);
  t.notRegex(JSON.stringify(hostile), /javascript:|data:text|file:|vbscript:/i);
});

test('source ids that could name a path are refused at config load and at the store', async (t) => {
  const home = await makeHome();
  for (const id of ['../x', '..', '/etc/passwd', 'a/b', '.hidden', 'a\\b', '']) {
    const config = path.join(home, 'config.json');
    writeFileSync(config, JSON.stringify({ sources: [{ id, name: 'x', url: 'http://127.0.0.1/' }] }));
    t.throws(() => readConfigFile(config), { instanceOf: ConfigError }, JSON.stringify(id));
    t.throws(() => snapshotFile(home, id), { code: 'INVALID_SOURCE_ID' } as never, JSON.stringify(id));
  }
});

test('the logger redacts secrets whatever object it is given', (t) => {
  const logger = path.join(projectRoot, 'src', 'logger.ts');
  const code = `const { createLogger } = await import(${JSON.stringify(logger)});
    createLogger().info({ token: 'SECRET-1', headers: { authorization: 'Bearer SECRET-2' },
      patreon: { accessToken: 'SECRET-3', clientSecret: 'SECRET-4' } }, 'hello');`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: projectRoot, encoding: 'utf8',
  });
  t.regex(run.stderr, /"msg":"hello"/);
  t.notRegex(run.stderr + run.stdout, /SECRET-/);
});

test('credentials in a feed URL or a reason phrase never reach output, logs, files', async (t) => {
  const feeds = await startFixtureServer();
  t.teardown(() => feeds.close());
  // A server that echoes the credentials it was sent in its reason phrase.
  feeds.route('/private.rss', (_req, res) =>
    void res.writeHead(401, 'Unauthorized reader:PASSWORD-1 REASON-3').end());
  const port = new URL(feeds.origin).port;
  const secret = (file: string) =>
    `http://reader:PASSWORD-1@127.0.0.1:${port}/${file}?token=TOKEN-2`;
  const server = await startFaultServer(
    [
      { id: 'private', url: secret('private.rss') },
      { id: 'private-ok', url: secret('natasha.rss') },
    ],
    { SWIFTPATTERNS_LOG_LEVEL: 'debug' },
  );
  t.teardown(() => server.close());
  const outputs = [
    await server.call('refresh_sources'),
    await server.call('list_content_sources'),
    await server.call('get_server_stats'),
    await server.call('search_swift_content', { query: 'swift' }),
  ];
  const seen = outputs.map((r) => textOf(r) + JSON.stringify(r.structuredContent ?? {})).join('\n');
  t.regex(seen, /HTTP 401 Unauthorized/);
  const leak = /PASSWORD-1|TOKEN-2|REASON-3/;
  t.notRegex(seen, leak);
  t.notRegex(server.stderr(), leak);
  // What is kept on disk: the state (errors) and the snapshot's meta.url.
  const state = readFileSync(path.join(server.home, 'state.json'), 'utf8');
  t.regex(state, /HTTP_STATUS/);
  t.notRegex(state, leak);
  const snapshot = readFileSync(path.join(server.home, 'snapshots', 'private-ok.json'), 'utf8');
  t.regex(snapshot, /"url":"http:\/\/127\.0\.0\.1:\d+\/natasha\.rss\?…"/);
  t.notRegex(snapshot, leak);

  // The CLI listing shows the URL with its password masked.
  const list = spawnSync(process.execPath, ['--import', 'tsx', cliEntry, 'sources'], {
    cwd: projectRoot, encoding: 'utf8',
    env: {
      PATH: process.env.PATH, SWIFTPATTERNS_HOME: server.home,
      SWIFTPATTERNS_CONFIG: path.join(server.home, 'test-config.json'),
    },
  });
  t.is(list.status, 0, list.stderr);
  t.regex(list.stdout, /^private\ton\tprivate\thttp:\/\/reader:\*\*\*@127\.0\.0\.1/m);
  t.notRegex(list.stdout + list.stderr, /PASSWORD-1/);
});
