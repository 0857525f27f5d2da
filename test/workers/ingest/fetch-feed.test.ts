import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { FeedError } from '../../../workers/ingest/feed-error.js';
import { DEFAULT_FETCH_LIMITS, fetchFeed } from '../../../workers/ingest/fetch-feed.js';
import { feedsDir, startFixtureServer } from '../../support/fixture-server.js';
import type { ExecutionContext } from 'ava';
import type { FixtureServer } from '../../support/fixture-server.js';

const none = { etag: null, lastModified: null };
const limits = { ...DEFAULT_FETCH_LIMITS, timeoutMs: 5_000 };

async function server(t: ExecutionContext): Promise<FixtureServer> {
  const s = await startFixtureServer();
  t.teardown(() => s.close());
  return s;
}

async function failure(promise: Promise<unknown>, t: ExecutionContext): Promise<FeedError> {
  return t.throwsAsync(promise, { instanceOf: FeedError });
}

test('200 with gzip: the decompressed body, validators and final URL', async (t) => {
  const s = await server(t);
  let seen: Record<string, string | string[] | undefined> = {};
  const file = readFileSync(path.join(feedsDir, 'swift-org.atom'));
  s.route('/feed.atom', (req, res) => {
    seen = req.headers;
    res.writeHead(200, {
      'content-type': 'application/atom+xml', 'content-encoding': 'gzip',
      etag: '"v1"', 'last-modified': 'Wed, 01 May 2024 10:00:00 GMT',
    });
    res.end(gzipSync(file));
  });
  const got = await fetchFeed(s.url('feed.atom'), none, limits);
  if (got.status !== 200) return t.fail('expected 200');
  t.true(got.body.equals(file));
  t.like(got, {
    contentType: 'application/atom+xml', etag: '"v1"',
    lastModified: 'Wed, 01 May 2024 10:00:00 GMT', finalUrl: s.url('feed.atom'),
  });
  t.is(seen['user-agent'], 'swiftpatterns/0.1');
  t.regex(String(seen['accept-encoding']), /\bgzip\b/);
  t.is(seen['if-none-match'], undefined);
});

test('304 on a conditional GET with the ETag from the first answer', async (t) => {
  const s = await server(t);
  const first = await fetchFeed(s.url('natasha.rss'), none, limits);
  if (first.status !== 200) return t.fail('expected 200');
  t.truthy(first.etag);
  const second = await fetchFeed(s.url('natasha.rss'), { etag: first.etag, lastModified: null }, limits);
  t.deepEqual(second, { status: 304 });
});

test('304 on a conditional GET with Last-Modified', async (t) => {
  const s = await server(t);
  const stamp = 'Tue, 30 Apr 2024 08:00:00 GMT';
  s.route('/lm.rss', (req, res) => {
    if (req.headers['if-modified-since'] === stamp) return void res.writeHead(304).end();
    res.writeHead(200, { 'last-modified': stamp, 'content-type': 'application/rss+xml' });
    res.end('<rss/>');
  });
  const first = await fetchFeed(s.url('lm.rss'), none, limits);
  t.like(first, { status: 200, lastModified: stamp });
  t.deepEqual(await fetchFeed(s.url('lm.rss'), { etag: null, lastModified: stamp }, limits), {
    status: 304,
  });
});

test('redirects are followed, relative Location included', async (t) => {
  const s = await server(t);
  s.route('/old', (_req, res) => void res.writeHead(301, { location: '/moved' }).end());
  s.route('/moved', (_req, res) =>
    void res.writeHead(307, { location: s.url('natasha.rss') }).end());
  const got = await fetchFeed(s.url('old'), none, limits);
  t.like(got, { status: 200, finalUrl: s.url('natasha.rss') });
});

test('a redirect loop is REDIRECT_LOOP', async (t) => {
  const s = await server(t);
  s.route('/a', (_req, res) => void res.writeHead(302, { location: '/b' }).end());
  s.route('/b', (_req, res) => void res.writeHead(302, { location: '/a' }).end());
  const err = await failure(fetchFeed(s.url('a'), none, limits), t);
  t.is(err.code, 'REDIRECT_LOOP');
  t.is(s.hits.get('/a'), 1);
});

test('more than maxRedirects redirects is TOO_MANY_REDIRECTS', async (t) => {
  const s = await server(t);
  for (let i = 0; i < 10; i++) {
    s.route(`/r${i}`, (_req, res) => void res.writeHead(302, { location: `/r${i + 1}` }).end());
  }
  const err = await failure(fetchFeed(s.url('r0'), none, { ...limits, maxRedirects: 3 }), t);
  t.is(err.code, 'TOO_MANY_REDIRECTS');
  t.regex(err.message, /more than 3 times/);
  t.is(s.hits.get('/r4'), undefined, 'stopped after 3 redirects');
});

test('a redirect to another scheme and a non-http URL are BAD_URL', async (t) => {
  const s = await server(t);
  s.route('/to-file', (_req, res) => void res.writeHead(302, { location: 'file:///etc/passwd' }).end());
  t.is((await failure(fetchFeed(s.url('to-file'), none, limits), t)).code, 'BAD_URL');
  t.is((await failure(fetchFeed('ftp://127.0.0.1/feed.xml', none, limits), t)).code, 'BAD_URL');
  t.is((await failure(fetchFeed('not a url', none, limits), t)).code, 'BAD_URL');
});

test('a body over maxBytes is TOO_LARGE, with and without Content-Length', async (t) => {
  const s = await server(t);
  s.route('/declared', (_req, res) => {
    res.writeHead(200, { 'content-length': 50_000 });
    res.end(Buffer.alloc(50_000, 0x20));
  });
  s.route('/chunked', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    for (let i = 0; i < 64; i++) res.write(Buffer.alloc(1024, 0x20));
    res.end();
  });
  // A small gzip body that inflates past the cap.
  s.route('/bomb', (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(gzipSync(Buffer.alloc(5 * 1024 * 1024)));
  });
  const small = { ...limits, maxBytes: 10_000 };
  for (const p of ['declared', 'chunked', 'bomb']) {
    const cap = p === 'bomb' ? { ...limits, maxBytes: 1 << 20 } : small;
    const err = await failure(fetchFeed(s.url(p), none, cap), t);
    t.is(err.code, 'TOO_LARGE', p);
  }
  const ok = await fetchFeed(s.url('chunked'), none, { ...limits, maxBytes: 64 * 1024 });
  t.like(ok, { status: 200 });
});

test('a server that never answers is FETCH_TIMEOUT', async (t) => {
  const s = await server(t);
  s.route('/hang', () => undefined);
  const err = await failure(fetchFeed(s.url('hang'), none, { ...limits, timeoutMs: 300 }), t);
  t.is(err.code, 'FETCH_TIMEOUT');
  t.regex(err.message, /300 ms/);
});

test('the caller aborting is ABORTED, not a timeout', async (t) => {
  const s = await server(t);
  s.route('/hang', () => undefined);
  const controller = new AbortController();
  const pending = fetchFeed(s.url('hang'), none, limits, controller.signal);
  setTimeout(() => controller.abort(), 50);
  t.is((await failure(pending, t)).code, 'ABORTED');
});

test('HTTP 500 is HTTP_STATUS with the status, and secrets stay out of the message', async (t) => {
  const s = await server(t);
  let auth: string | undefined;
  s.route('/broken', (req, res) => {
    auth = req.headers.authorization;
    res.writeHead(500).end('oops');
  });
  const url = s.url('broken').replace('http://', 'http://user:hunter2@') + '?token=s3cret';
  const err = await failure(fetchFeed(url, none, limits), t);
  t.like(err, { code: 'HTTP_STATUS', status: 500 });
  t.regex(err.message, /HTTP 500/);
  t.is(auth, `Basic ${Buffer.from('user:hunter2').toString('base64')}`, 'userinfo sent as auth');
  for (const secret of ['hunter2', 's3cret', 'token', 'user']) {
    t.false(err.message.includes(secret), secret);
    t.false(String(err.url).includes(secret), secret);
  }
});

test('a connection reset is FETCH_FAILED', async (t) => {
  const s = await server(t);
  s.route('/reset', (req) => req.socket.destroy());
  const err = await failure(fetchFeed(s.url('reset'), none, limits), t);
  t.is(err.code, 'FETCH_FAILED');
  t.regex(err.message, /Could not fetch/);
});

test('an image instead of a feed is BAD_CONTENT_TYPE', async (t) => {
  const s = await server(t);
  s.route('/logo', (_req, res) =>
    void res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50])));
  t.is((await failure(fetchFeed(s.url('logo'), none, limits), t)).code, 'BAD_CONTENT_TYPE');
});
