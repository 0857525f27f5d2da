import test from 'ava';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PatreonSession } from '../../../src/auth/patreon-session.js';
import { TokenStore } from '../../../src/auth/token-store.js';
import {
  PatreonApiClient, PatreonApiError, PatreonRateLimitError, retryAfterDelayMs,
  retryAfterMs,
} from '../../../src/patreon/api-client.js';
import { patreonPostsToFeed } from '../../../src/patreon/post-feed.js';
import {
  FAKE_CLIENT_SECRET, patreonEnv, recordingLogger, rejectionOf, startFakeTokenEndpoint,
} from '../../support/auth-fakes.js';
import {
  LOCKED_CAMPAIGN, OPEN_CAMPAIGN, startFakePatreonApi,
} from '../../support/fake-patreon-api.js';
import type { AddressInfo } from 'node:net';
import type { ExecutionContext } from 'ava';
import type { StoredTokens } from '../../../src/auth/token-store.js';

// A session whose saved access token the API has revoked: the first call answers 401.
async function setup(t: ExecutionContext) {
  const home = await mkdtemp(path.join(os.tmpdir(), 'sp-patreon-'));
  const tokens = await startFakeTokenEndpoint();
  const api = await startFakePatreonApi((token) => tokens.validAccessTokens.has(token));
  t.teardown(async () => {
    await api.close();
    await tokens.close();
    await rm(home, { recursive: true, force: true });
  });
  const seeded = tokens.seed();
  tokens.validAccessTokens.delete(seeded.accessToken);
  await new TokenStore(home).write({
    version: 1, accessToken: seeded.accessToken, refreshToken: seeded.refreshToken,
    tokenType: 'Bearer', scope: null, expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    obtainedAt: new Date().toISOString(), identity: null,
  });
  const log = recordingLogger();
  const env = patreonEnv({ PATREON_TOKEN_URL: tokens.tokenUrl, PATREON_API_BASE: api.apiBase });
  const session = new PatreonSession({ home, env, logger: log.logger });
  const sleeps: number[] = [];
  const client = (options: { maxPages?: number } = {}) => new PatreonApiClient({
    apiBase: api.apiBase, auth: session, logger: log.logger,
    sleep: async (ms) => { sleeps.push(ms); }, ...options,
  });
  return { home, tokens, api, seeded, log, session, sleeps, client };
}

test('identity, two campaigns, pagination, 403, 429 and a 401 refresh', async (t) => {
  const { tokens, api, seeded, log, session, sleeps, client } = await setup(t);
  const content = await client().fetchAll();

  t.deepEqual(content.identity, { id: '77', name: 'Pat Ron' });
  t.deepEqual(content.campaigns, [
    { id: OPEN_CAMPAIGN.id, name: 'swiftcraft', status: 'ok', postCount: 4, truncated: false },
    { id: LOCKED_CAMPAIGN.id, name: 'lockedstudio', status: 'no_access', postCount: 0,
      truncated: false, error: 'No access: Patreon refused this campaign\'s posts (HTTP 403).' },
  ]);
  t.deepEqual(content.posts.map((p) => p.id), ['9001', '9002', '9003', '9004']);
  t.like(content.posts[0], {
    campaignId: OPEN_CAMPAIGN.id, campaignName: 'swiftcraft', title: 'Actors in practice',
    url: 'https://www.patreon.com/posts/9001', publishedAt: '2024-05-01T10:00:00.000+00:00',
  });
  t.regex(content.posts[0]?.html ?? '', /actor Counter/);

  t.deepEqual(sleeps, [1000], 'waited as Retry-After: 1 said, once');
  t.is(api.hits.get('/api/oauth2/v2/identity'), 2, '401, then the retry');
  t.is(api.bearers[0], `Bearer ${seeded.accessToken}`);
  t.is(tokens.requests.length, 1, 'one refresh');
  const saved = JSON.parse(await readFile(session.tokenFile, 'utf8')) as StoredTokens;
  t.not(saved.refreshToken, seeded.refreshToken, 'rotated refresh token saved');

  const secrets = [...tokens.issued, FAKE_CLIENT_SECRET];
  for (const line of log.lines) for (const s of secrets) t.false(line.includes(s), line);
});

test('a links.next outside the API root is not followed; the cursor is used', async (t) => {
  const { api, client } = await setup(t);
  let foreignHits = 0;
  const foreign = createServer((_req, res) => {
    foreignHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
  api.foreignNext = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/steal`;

  const { posts } = await client().campaignPosts({ id: OPEN_CAMPAIGN.id, name: 'swiftcraft' });
  t.is(posts.length, 4);
  t.is(foreignHits, 0);
});

test('pagination is bounded by maxPages', async (t) => {
  const { client } = await setup(t);
  const result = await client({ maxPages: 2 })
    .campaignPosts({ id: OPEN_CAMPAIGN.id, name: 'swiftcraft' });
  t.is(result.posts.length, 3);
  t.true(result.truncated);
});

test('a 401 that survives the refresh stops the fetch', async (t) => {
  const { tokens, api, client } = await setup(t);
  api.refuseAll = true;
  const error = await rejectionOf(client().fetchAll());
  t.true(error instanceof PatreonApiError);
  t.like(error, { status: 401 });
  t.is(tokens.requests.length, 1);
});

// A loopback API whose answers the test writes per path (the rest answer 404).
async function scriptedApi(
  t: ExecutionContext,
  answer: (path: string) => { status: number; headers?: Record<string, string>; body?: unknown },
) {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(url.pathname);
    const { status, headers = {}, body } = answer(url.pathname);
    res.writeHead(status, { 'content-type': 'application/vnd.api+json', ...headers })
      .end(body === undefined ? undefined : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`, hits };
}

const IDENTITY_WITH_ONE_CAMPAIGN = {
  data: {
    id: '77', type: 'user', attributes: { full_name: 'Pat Ron' },
    relationships: { memberships: { data: [{ id: 'm1', type: 'member' }] } },
  },
  included: [
    {
      id: 'm1', type: 'member',
      relationships: { campaign: { data: { id: '1', type: 'campaign' } } },
    },
    { id: '1', type: 'campaign', attributes: { vanity: 'swiftcraft' } },
  ],
};

test('429 retries within the cap are bounded and wait as Retry-After says', async (t) => {
  const { session, sleeps } = await setup(t);
  const { base, hits } = await scriptedApi(t, () => ({
    status: 429, headers: { 'retry-after': '2' },
  }));
  const client = new PatreonApiClient({
    apiBase: base, auth: session, maxRateLimitRetries: 2,
    sleep: async (ms) => { sleeps.push(ms); },
  });
  const error = await rejectionOf(client.identity());
  t.like(error, { name: 'PatreonRateLimitError', status: 429, code: 'RATE_LIMITED' });
  t.true(error instanceof PatreonApiError);
  t.regex(error.message, /429/);
  t.is(hits.length, 3);
  t.deepEqual(sleeps, [2000, 2000]);
});

test('a Retry-After beyond the cap fails at once with RATE_LIMITED saying when', async (t) => {
  const { session, sleeps } = await setup(t);
  const { base, hits } = await scriptedApi(t, (path) => path.endsWith('/identity')
    ? { status: 200, body: IDENTITY_WITH_ONE_CAMPAIGN }
    : { status: 429, headers: { 'retry-after': '120' } });
  const now = Date.parse('2030-01-01T00:00:00Z');
  const client = new PatreonApiClient({
    apiBase: base, auth: session, now: () => now,
    sleep: async (ms) => { sleeps.push(ms); },
  });
  // A campaign's 429 fails the whole fetch: marking only that campaign would let the
  // refresh replace the last good snapshot with fewer posts.
  const error = await rejectionOf(client.fetchAll());
  t.true(error instanceof PatreonRateLimitError);
  t.like(error, { code: 'RATE_LIMITED', status: 429, retryAt: '2030-01-01T00:02:00.000Z' });
  t.is(error.message,
    'Patreon asked to wait 120 s; try again after 2030-01-01T00:02:00.000Z');
  t.deepEqual(sleeps, [], 'no early retry');
  t.deepEqual(hits, ['/v2/identity', '/v2/campaigns/1/posts']);
});

test('post URLs off patreon.com or not http(s) become the canonical post URL', async (t) => {
  const { session } = await setup(t);
  const links: Record<string, string> = {
    1: 'https://www.patreon.com/posts/actors-1',
    2: 'javascript:alert(1)',
    3: 'https://evil.example/posts/3',
    4: '/posts/relative-4',
    5: 'https://patreon.com.evil.example/posts/5',
    6: 'https://user:pw@www.patreon.com/posts/6',
    7: 'data:text/html,hi',
    8: 'http://127.0.0.1/posts/8',
  };
  const { base } = await scriptedApi(t, () => ({
    status: 200,
    body: { data: Object.entries(links).map(([id, url]) => ({
      id, type: 'post', attributes: { title: `Post ${id}`, url },
    })) },
  }));
  const client = new PatreonApiClient({ apiBase: base, auth: session });
  const { posts } = await client.campaignPosts({ id: '1', name: 'swiftcraft' });
  t.deepEqual(posts.map((p) => p.url), [
    'https://www.patreon.com/posts/actors-1',
    'https://www.patreon.com/posts/2',
    'https://www.patreon.com/posts/3',
    'https://www.patreon.com/posts/relative-4',
    'https://www.patreon.com/posts/5',
    'https://www.patreon.com/posts/6',
    'https://www.patreon.com/posts/7',
    'http://127.0.0.1/posts/8',
  ]);
});

test('Retry-After as seconds or an HTTP date', (t) => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  t.is(retryAfterMs('2', now, 30_000), 2000);
  t.is(retryAfterMs('Tue, 01 Jan 2030 00:00:05 GMT', now, 30_000), 5000);
  t.is(retryAfterMs('Mon, 31 Dec 2029 23:00:00 GMT', now, 30_000), 0);
  t.is(retryAfterMs('soon', now, 30_000), 1000);
  t.is(retryAfterMs(null, now, 30_000), 1000);
  t.is(retryAfterMs('120', now, 30_000), 30_000);
  t.is(retryAfterDelayMs('120', now), 120_000);
});

test('patreonPostsToFeed gives feed-parser items', (t) => {
  const items = patreonPostsToFeed([
    { id: '9001', campaignId: '1', campaignName: 'swiftcraft', title: 'Actors',
      url: 'https://www.patreon.com/posts/9001', publishedAt: '2024-05-01T10:00:00Z',
      html: '<p>x</p>' },
    { id: '9002', campaignId: '1', campaignName: 'swiftcraft', title: 'Undated',
      url: 'https://www.patreon.com/posts/9002', publishedAt: 'not a date', html: '' },
  ]);
  t.deepEqual(items[0], {
    guid: 'patreon:post:9001', title: 'Actors', link: 'https://www.patreon.com/posts/9001',
    date: new Date('2024-05-01T10:00:00Z'), authors: ['swiftcraft'], tags: ['patreon'],
    summaryHtml: '', contentHtml: '<p>x</p>',
  });
  t.is(items[1]?.date, null);
});
