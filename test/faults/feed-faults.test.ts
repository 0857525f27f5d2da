// Feed faults through the real refresh path: each source first serves a good feed, then its
// route switches to one fault and refresh_sources runs. Each fault becomes that source's
// recorded error, its last good snapshot stays byte for byte, and no temp file is left.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { feedsDir, startFixtureServer } from '../support/fixture-server.js';
import { resultsOf, textOf } from '../support/server-process.js';
import { sourcesOf, startFaultServer } from './support.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FixtureServer } from '../support/fixture-server.js';
import type { ServerHandle } from '../support/server-process.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const good = readFileSync(path.join(feedsDir, 'natasha.rss'));
const rss = 'application/rss+xml';
const send = (type: string, body: string | Buffer): Handler => (_req, res) =>
  void res.writeHead(200, { 'content-type': type }).end(body);

const bomb = `<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rss version="2.0"><channel><title>&d;</title><item><title>&d;</title></item></channel></rss>`;

const invalidUtf8 = Buffer.concat([
  Buffer.from(`<?xml version="1.0"?><rss version="2.0"><channel><title>${' '.repeat(300)}</title>` +
    '<item><title>bad bytes</title><description>'),
  Buffer.alloc(4000, 0xff),
  Buffer.from('</description></item></channel></rss>'),
]);

const latin1 = Buffer.concat([
  Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>' +
    '<title>Latin</title><item><guid>l1</guid><link>http://127.0.0.1/l1</link><title>Caf'),
  Buffer.from([0xe9]), Buffer.from(' cr'), Buffer.from([0xe8]),
  Buffer.from('me with Swift</title><description>Swift caf'), Buffer.from([0xe9]),
  Buffer.from(' patterns, crisp and warm.</description></item></channel></rss>'),
]);

// [source id, fault, expected error code (null: the feed must be read correctly)]
const faults: Array<[string, Handler, string | null]> = [
  ['timeout', () => {}, 'FETCH_TIMEOUT'],
  ['reset', (req) => req.socket.destroy(), 'FETCH_FAILED'],
  ['not-found', (_req, res) => void res.writeHead(404).end('no'), 'HTTP_STATUS'],
  ['server-error', (_req, res) => void res.writeHead(500).end('boom'), 'HTTP_STATUS'],
  ['redirect-loop', (_req, res) =>
    void res.writeHead(302, { location: '/redirect-loop-b' }).end(), 'REDIRECT_LOOP'],
  ['html-page', send('text/html', '<!doctype html><html><body><script>alert(1)</script>' +
    '<p>Welcome</p></body></html>'), 'BAD_CONTENT_TYPE'],
  ['truncated', send(rss, good.subarray(0, Math.floor(good.length / 2))), 'PARSE_FAILED'],
  ['entity-bomb', send(rss, bomb), 'ENTITY_EXPANSION'],
  ['too-large', (_req, res) => {
    res.writeHead(200, { 'content-type': rss });
    for (let i = 0; i < 5; i++) res.write(good); // chunked: no Content-Length to trust
    res.end();
  }, 'TOO_LARGE'],
  ['invalid-utf8', send(rss, invalidUtf8), 'INVALID_ENCODING'],
  // Valid, but every item gone (a broken CMS): the last good articles must not be wiped.
  ['emptied', send(rss, '<?xml version="1.0"?><rss version="2.0"><channel><title>Natasha' +
    '</title><link>http://127.0.0.1/</link></channel></rss>'), 'EMPTY_FEED'],
  ['latin1-prolog', send(rss, latin1), null],
];

let feeds: FixtureServer;
let server: ServerHandle;
const mode = new Map<string, 'good' | 'fault'>();

test.before(async () => {
  feeds = await startFixtureServer();
  for (const [id, fault] of faults) {
    mode.set(id, 'good');
    feeds.route(`/${id}.rss`, (req, res) =>
      mode.get(id) === 'fault' ? fault(req, res) : send(rss, good)(req, res));
  }
  feeds.route('/redirect-loop-b', (_req, res) =>
    void res.writeHead(302, { location: '/redirect-loop.rss' }).end());
  server = await startFaultServer(
    faults.map(([id]) => ({ id, url: feeds.url(`${id}.rss`) })),
    { SWIFTPATTERNS_FETCH_TIMEOUT_MS: '1000', SWIFTPATTERNS_FETCH_MAX_BYTES: String(200_000) },
  );
});

test.after.always(async () => {
  await server?.close();
  await feeds?.close();
});

const snapshotsDir = () => path.join(server.home, 'snapshots');
const digest = (id: string) =>
  createHash('sha256').update(readFileSync(path.join(snapshotsDir(), `${id}.json`))).digest('hex');

test.serial('every fault is recorded on its source; good snapshots stay whole', async (t) => {
  const first = await server.call('refresh_sources');
  t.falsy(first.isError, textOf(first));
  const before = new Map((await sourcesOf(server)).map((s) => [s.id, s]));
  for (const [id] of faults) t.is(before.get(id)?.status, 'ok', `${id} first fetch`);
  const digests = new Map(faults.map(([id]) => [id, digest(id)]));

  for (const [id] of faults) mode.set(id, 'fault');
  const second = await server.call('refresh_sources');
  t.falsy(second.isError, textOf(second));
  const after = new Map((await sourcesOf(server)).map((s) => [s.id, s]));

  for (const [id, _fault, code] of faults) {
    const row = after.get(id)!;
    if (code === null) continue;
    t.is(row.lastError?.code, code, `${id}: ${JSON.stringify(row.lastError)}`);
    t.is(row.status, 'error');
    t.is(row.itemCount, before.get(id)!.itemCount, `${id} keeps its articles`);
    t.is(digest(id), digests.get(id)!, `${id} snapshot unchanged`);
  }
  const leftovers = readdirSync(snapshotsDir()).filter((name) => name.endsWith('.tmp'));
  t.deepEqual(leftovers, []);

  // Sources with an error still answer queries from their last good snapshot.
  const search = await server.call('search_swift_content', {
    query: 'swift', sources: ['timeout', 'entity-bomb'],
  });
  t.true(resultsOf(search).length > 0, textOf(search));
});

test.serial('a non-UTF-8 encoding declared in the XML prolog decodes correctly', async (t) => {
  const row = (await sourcesOf(server)).find((s) => s.id === 'latin1-prolog')!;
  t.is(row.status, 'ok', JSON.stringify(row.lastError));
  t.is(row.itemCount, 1);
  const result = await server.call('search_swift_content', {
    query: 'café crème', sources: ['latin1-prolog'],
  });
  t.is(resultsOf(result)[0]?.title, 'Café crème with Swift');
});
