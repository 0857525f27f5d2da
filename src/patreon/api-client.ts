// Patreon API v2 (JSON:API) on the main thread: who the user is and which campaigns they
// belong to, then each campaign's posts, page by page. Every request goes through the
// session's `withAuth`, which refreshes once after a 401; 429 waits as Retry-After says;
// a 403 marks only that campaign "no access" and the others carry on.
import { silentAuthLogger } from '../auth/log.js';
import type { AuthLogger } from '../auth/log.js';
import type { PatreonIdentity } from '../auth/token-store.js';

/** What the client needs from the session (PatreonSession fits). */
export interface AuthProvider {
  withAuth<T>(fn: (accessToken: string) => Promise<T>): Promise<T>;
}

export interface PatreonApiOptions {
  /** API root, e.g. `https://www.patreon.com/api/oauth2/v2` (PatreonConfig.apiBase). */
  apiBase: string;
  auth: AuthProvider;
  fetch?: typeof fetch;
  /** Waits between 429 retries; tests inject one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock in ms, for Retry-After given as an HTTP date. Default `Date.now`. */
  now?: () => number;
  logger?: AuthLogger;
  /** Pages read per campaign at most. Default 20. */
  maxPages?: number;
  /** `page[count]` per request. Default 20. */
  pageSize?: number;
  /** Retries after a 429, per request. Default 3. */
  maxRateLimitRetries?: number;
  /** Longest wait honoured from Retry-After, in ms. Default 30 000. */
  maxRetryAfterMs?: number;
  /** Per request. Default 20 000 ms. */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes. Default 8 MiB. */
  maxBytes?: number;
}

export type CampaignStatus = 'ok' | 'no_access' | 'error';

export interface PatreonCampaign {
  id: string;
  name: string;
  status: CampaignStatus;
  /** Why the campaign is not 'ok', for a human. */
  error?: string;
  postCount: number;
  /** More pages existed than `maxPages` allowed. */
  truncated: boolean;
}

export interface PatreonPost {
  id: string;
  campaignId: string;
  campaignName: string;
  title: string;
  url: string;
  /** ISO 8601 as Patreon gave it, or null. */
  publishedAt: string | null;
  /** Post body as HTML ('' when Patreon withholds it). */
  html: string;
}

export interface PatreonContent {
  identity: PatreonIdentity | null;
  campaigns: PatreonCampaign[];
  posts: PatreonPost[];
}

export class PatreonApiError extends Error {
  readonly status: number;
  /** Seconds or an HTTP date, from a 429's Retry-After header. */
  readonly retryAfter: string | null;

  constructor(status: number, message: string, retryAfter: string | null = null) {
    super(message);
    this.name = 'PatreonApiError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

const POST_FIELDS = 'title,content,url,published_at,is_public';
const PATREON_ORIGIN = 'https://www.patreon.com/';

interface ResourceRef {
  id: string;
  type: string;
}

interface Resource extends ResourceRef {
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: ResourceRef | ResourceRef[] | null }>;
}

interface JsonApiDocument {
  data?: Resource | Resource[];
  included?: Resource[];
  links?: { next?: string | null };
  meta?: { pagination?: { cursors?: { next?: string | null } } };
}

export class PatreonApiClient {
  readonly #o: Required<Omit<PatreonApiOptions, 'logger'>>;
  readonly #log: AuthLogger;

  constructor(options: PatreonApiOptions) {
    this.#o = {
      fetch: globalThis.fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      maxPages: 20,
      pageSize: 20,
      maxRateLimitRetries: 3,
      maxRetryAfterMs: 30_000,
      timeoutMs: 20_000,
      maxBytes: 8 * 1024 * 1024,
      ...options,
      apiBase: options.apiBase.replace(/\/+$/, ''),
    };
    this.#log = options.logger ?? silentAuthLogger;
  }

  /** The user and the campaigns of their memberships (plus their own, if a creator). */
  async identity(): Promise<{
    identity: PatreonIdentity;
    campaigns: Array<{ id: string; name: string }>;
  }> {
    const url = new URL(`${this.#o.apiBase}/identity`);
    url.searchParams.set('include', 'memberships,memberships.campaign,campaign');
    url.searchParams.set('fields[user]', 'full_name,vanity');
    url.searchParams.set('fields[member]', 'patron_status');
    url.searchParams.set('fields[campaign]', 'vanity,creation_name,url');
    const doc = await this.#get(url.href);

    const user = Array.isArray(doc.data) ? undefined : doc.data;
    if (!user) throw new PatreonApiError(200, 'identity: answer without a user');
    const included = new Map((doc.included ?? []).map((r) => [`${r.type}:${r.id}`, r]));
    const ids: string[] = [];
    const members = asList(user.relationships?.memberships?.data);
    for (const ref of members) {
      const member = included.get(`member:${ref.id}`);
      ids.push(...asList(member?.relationships?.campaign?.data).map((c) => c.id));
    }
    ids.push(...asList(user.relationships?.campaign?.data).map((c) => c.id));

    const campaigns = [...new Set(ids)].map((id) => ({
      id, name: campaignName(id, included.get(`campaign:${id}`)),
    }));
    const attrs = user.attributes ?? {};
    const name = str(attrs.full_name) || str(attrs.vanity) || `Patreon user ${user.id}`;
    return { identity: { id: user.id, name }, campaigns };
  }

  /** All posts of one campaign, following cursors up to `maxPages`. */
  async campaignPosts(campaign: { id: string; name: string }): Promise<{
    posts: PatreonPost[];
    truncated: boolean;
  }> {
    const first = new URL(`${this.#o.apiBase}/campaigns/${encodeURIComponent(campaign.id)}/posts`);
    first.searchParams.set('fields[post]', POST_FIELDS);
    first.searchParams.set('page[count]', String(this.#o.pageSize));

    const posts: PatreonPost[] = [];
    const seen = new Set<string>();
    let next: string | null = first.href;
    let pages = 0;
    while (next !== null && pages < this.#o.maxPages && !seen.has(next)) {
      seen.add(next);
      const doc = await this.#get(next);
      pages += 1;
      for (const item of Array.isArray(doc.data) ? doc.data : []) {
        if (item.type === 'post') posts.push(toPost(item, campaign));
      }
      next = this.#nextPage(doc, first);
    }
    return { posts, truncated: next !== null && !seen.has(next) };
  }

  /** Identity, then every campaign's posts; one campaign's failure does not stop the rest. */
  async fetchAll(): Promise<PatreonContent> {
    const { identity, campaigns: found } = await this.identity();
    const campaigns: PatreonCampaign[] = [];
    const posts: PatreonPost[] = [];
    for (const campaign of found) {
      try {
        const result = await this.campaignPosts(campaign);
        posts.push(...result.posts);
        campaigns.push({ ...campaign, status: 'ok', postCount: result.posts.length,
          truncated: result.truncated });
      } catch (error) {
        // Auth failures concern every campaign: stop and let the caller report them.
        if (!(error instanceof PatreonApiError) || error.status === 401) throw error;
        const noAccess = error.status === 403;
        this.#log.warn({ campaign: campaign.id, status: error.status },
          noAccess ? 'patreon campaign posts: no access' : 'patreon campaign posts failed');
        campaigns.push({
          ...campaign,
          status: noAccess ? 'no_access' : 'error',
          error: noAccess
            ? 'No access: Patreon refused this campaign\'s posts (HTTP 403).'
            : error.message,
          postCount: 0,
          truncated: false,
        });
      }
    }
    return { identity, campaigns, posts };
  }

  // `links.next` only when it stays under the API root (the bearer token goes with it);
  // otherwise the cursor is applied to the first page's URL.
  #nextPage(doc: JsonApiDocument, first: URL): string | null {
    const link = doc.links?.next;
    if (typeof link === 'string' && link !== '') {
      const resolved = new URL(link, first);
      if (resolved.href.startsWith(`${this.#o.apiBase}/`)) return resolved.href;
    }
    const cursor = doc.meta?.pagination?.cursors?.next;
    if (typeof cursor !== 'string' || cursor === '') return null;
    const url = new URL(first.href);
    url.searchParams.set('page[cursor]', cursor);
    return url.href;
  }

  async #get(url: string): Promise<JsonApiDocument> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.#o.auth.withAuth((token) => this.#getOnce(url, token));
      } catch (error) {
        const limited = error instanceof PatreonApiError && error.status === 429;
        if (!limited || attempt >= this.#o.maxRateLimitRetries) throw error;
        const waitMs = retryAfterMs(error.retryAfter, this.#o.now(), this.#o.maxRetryAfterMs);
        this.#log.warn({ waitMs, attempt: attempt + 1 }, 'patreon rate limit; waiting');
        await this.#o.sleep(waitMs);
      }
    }
  }

  async #getOnce(url: string, token: string): Promise<JsonApiDocument> {
    const where = new URL(url).pathname;
    let res: Response;
    try {
      res = await this.#o.fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.api+json, application/json',
          'user-agent': 'swiftpatterns',
        },
        redirect: 'error',
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new PatreonApiError(0, `GET ${where} failed: no answer (${name})`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new PatreonApiError(res.status, `GET ${where} answered HTTP ${res.status}`,
        res.headers.get('retry-after'));
    }
    const text = await res.text();
    if (Buffer.byteLength(text) > this.#o.maxBytes) {
      const limit = this.#o.maxBytes;
      throw new PatreonApiError(res.status, `GET ${where}: answer larger than ${limit} bytes`);
    }
    try {
      return JSON.parse(text) as JsonApiDocument;
    } catch {
      throw new PatreonApiError(res.status, `GET ${where}: answer is not JSON`);
    }
  }
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3), capped. */
export function retryAfterMs(value: string | null, now: number, capMs: number): number {
  let ms = 1000;
  if (value !== null && /^\s*\d+\s*$/.test(value)) ms = Number(value) * 1000;
  else if (value !== null && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - now;
  return Math.min(Math.max(ms, 0), capMs);
}

function toPost(item: Resource, campaign: { id: string; name: string }): PatreonPost {
  const a = item.attributes ?? {};
  const rawUrl = str(a.url);
  let url = `${PATREON_ORIGIN}posts/${item.id}`;
  try {
    if (rawUrl) url = new URL(rawUrl, PATREON_ORIGIN).href;
  } catch {
    // keep the canonical post URL
  }
  return {
    id: item.id,
    campaignId: campaign.id,
    campaignName: campaign.name,
    title: str(a.title) || 'Untitled post',
    url,
    publishedAt: str(a.published_at) || null,
    html: str(a.content),
  };
}

function campaignName(id: string, resource: Resource | undefined): string {
  const a = resource?.attributes ?? {};
  return str(a.vanity) || str(a.creation_name) || `Patreon campaign ${id}`;
}

function asList<T>(value: T | T[] | null | undefined): T[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
