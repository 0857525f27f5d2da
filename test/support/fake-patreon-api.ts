// A Patreon API v2 stand-in on 127.0.0.1 answering JSON:API documents: an identity with
// two memberships, a campaign whose posts span three pages (the first page links
// `links.next`, the second gives only a cursor, the second page answers 429 once first),
// and a campaign that answers 403. Bearer tokens are checked against a live set, so a
// revoked token gets a 401 like the real API.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePatreonApi {
  apiBase: string;
  /** Requests per path (query left out). */
  hits: Map<string, number>;
  /** Authorization headers seen, in order. */
  bearers: string[];
  /** A `links.next` pointing elsewhere (must never be followed); null for a normal one. */
  foreignNext: string | null;
  /** Answer 401 to every token, even a freshly refreshed one. */
  refuseAll: boolean;
  close(): Promise<void>;
}

export const OPEN_CAMPAIGN = { id: '1001', vanity: 'swiftcraft' };
export const LOCKED_CAMPAIGN = { id: '2002', vanity: 'lockedstudio' };

const pages: Record<string, Array<{ id: string; title: string; html: string; date: string }>> = {
  '': [
    { id: '9001', title: 'Actors in practice', date: '2024-05-01T10:00:00.000+00:00',
      html: '<p>Isolate state.</p>'
        + '<pre><code class="language-swift">actor Counter { var n = 0 }</code></pre>' },
    { id: '9002', title: 'Observable macros', date: '2024-05-08T10:00:00.000+00:00',
      html: '<p>Use @Observable.</p>' },
  ],
  c2: [
    { id: '9003', title: 'SwiftData migrations', date: '2024-05-15T10:00:00.000+00:00',
      html: '<p>Plan a schema.</p>' },
  ],
  c3: [
    { id: '9004', title: 'Typed throws', date: '2024-05-22T10:00:00.000+00:00',
      html: '<p>throws(MyError)</p>' },
  ],
};

export async function startFakePatreonApi(
  isValidToken: (token: string) => boolean,
): Promise<FakePatreonApi> {
  const hits = new Map<string, number>();
  const bearers: string[] = [];
  let rateLimited = false;
  const api: FakePatreonApi = {
    apiBase: '', hits, bearers, foreignNext: null, refuseAll: false, close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const auth = req.headers.authorization ?? '';
    bearers.push(auth);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/vnd.api+json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (api.refuseAll || !auth.startsWith('Bearer ') || !isValidToken(auth.slice(7))) {
      return json(401, { errors: [{ status: '401', title: 'Unauthorized' }] });
    }

    if (url.pathname === '/api/oauth2/v2/identity') return json(200, identity(url));
    if (url.pathname === `/api/oauth2/v2/campaigns/${LOCKED_CAMPAIGN.id}/posts`) {
      return json(403, { errors: [{ status: '403', title: 'Forbidden' }] });
    }
    if (url.pathname === `/api/oauth2/v2/campaigns/${OPEN_CAMPAIGN.id}/posts`) {
      if (url.searchParams.get('fields[post]') !== 'title,content,url,published_at,is_public') {
        return json(400, { errors: [{ status: '400', title: 'fields[post] missing' }] });
      }
      const cursor = url.searchParams.get('page[cursor]') ?? '';
      if (cursor === 'c2' && !rateLimited) {
        rateLimited = true;
        return json(429, { errors: [{ status: '429' }] }, { 'retry-after': '1' });
      }
      const data = (pages[cursor] ?? []).map((p) => ({
        type: 'post', id: p.id,
        attributes: { title: p.title, content: p.html, url: `/posts/${p.id}`,
          published_at: p.date, is_public: false },
      }));
      const nextCursor = cursor === '' ? 'c2' : cursor === 'c2' ? 'c3' : null;
      const self = `${api.apiBase}/campaigns/${OPEN_CAMPAIGN.id}/posts`;
      const links = cursor === '' && nextCursor
        ? { next: api.foreignNext ?? `${self}?fields%5Bpost%5D=${encodeURIComponent(
          'title,content,url,published_at,is_public')}&page%5Bcursor%5D=${nextCursor}` }
        : {};
      return json(200, { data, links, meta: { pagination: { total: 4,
        cursors: { next: nextCursor } } } });
    }
    json(404, { errors: [{ status: '404' }] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/oauth2/v2`;
  api.close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return api;
}

function identity(url: URL): unknown {
  const includes = (url.searchParams.get('include') ?? '').split(',');
  const withCampaigns = includes.includes('memberships.campaign');
  return {
    data: {
      type: 'user', id: '77',
      attributes: { full_name: 'Pat Ron', vanity: 'patron' },
      relationships: {
        memberships: { data: [{ type: 'member', id: 'm1' }, { type: 'member', id: 'm2' }] },
      },
    },
    included: [
      { type: 'member', id: 'm1', attributes: { patron_status: 'active_patron' },
        relationships: { campaign: { data: { type: 'campaign', id: OPEN_CAMPAIGN.id } } } },
      { type: 'member', id: 'm2', attributes: { patron_status: 'active_patron' },
        relationships: { campaign: { data: { type: 'campaign', id: LOCKED_CAMPAIGN.id } } } },
      ...(withCampaigns ? [OPEN_CAMPAIGN, LOCKED_CAMPAIGN].map((c) => ({
        type: 'campaign', id: c.id, attributes: { vanity: c.vanity, creation_name: 'tutorials' },
      })) : []),
    ],
  };
}
