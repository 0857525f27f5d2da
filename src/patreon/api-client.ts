// Patreon API v2 (JSON:API) on the main thread: who the user is and which campaigns they
// belong to, then each campaign's posts, page by page. Every request goes through the
// session's `withAuth`, which refreshes once after a 401; 429 waits as Retry-After says,
// or, when Patreon asks for longer than the client will wait, fails the whole fetch with
// RATE_LIMITED (a partial fetch would replace the last good snapshot with fewer posts);
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
  /**
   * Longest Retry-After the client waits out before retrying, in ms. A longer one fails the
   * fetch with a {@link PatreonRateLimitError} instead of retrying early. Default 30 000.
   */
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

/** A 429 whose Retry-After exceeds the wait cap, or 429s that outlasted the retries. */
export class PatreonRateLimitError extends PatreonApiError {
  readonly code = 'RATE_LIMITED';
  /** When Patreon allows the next request (ISO 8601). */
  readonly retryAt: string;

  constructor(message: string, retryAfter: string | null, retryAt: string) {
    super(429, message, retryAfter);
    this.name = 'PatreonRateLimitError';
    this.retryAt = retryAt;
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
  readonly #apiHost: string;

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
    this.#apiHost = new URL(this.#o.apiBase).hostname.toLowerCase();
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
        if (item.type === 'post') posts.push(toPost(item, campaign, this.#apiHost));
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
        // Auth failures and rate limits concern every campaign: stop and let the caller
        // report them, so the last good snapshot stays.
        if (!(error instanceof PatreonApiError) || error.status === 401) throw error;
        if (error instanceof PatreonRateLimitError) throw error;
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
        if (!(error instanceof PatreonApiError) || error.status !== 429) throw error;
        const now = this.#o.now();
        const waitMs = retryAfterDelayMs(error.retryAfter, now);
        const retryAt = new Date(now + waitMs).toISOString();
        // Retrying before Patreon's time only earns more 429s: give up and say when.
        if (waitMs > this.#o.maxRetryAfterMs) {
          this.#log.warn({ waitMs }, 'patreon rate limit longer than the wait cap; giving up');
          throw new PatreonRateLimitError(
            `Patreon asked to wait ${Math.ceil(waitMs / 1000)} s; try again after ${retryAt}`,
            error.retryAfter, retryAt);
        }
        if (attempt >= this.#o.maxRateLimitRetries) {
          throw new PatreonRateLimitError(`${error.message} after ${attempt} retries; ` +
            `Patreon is rate limiting, try again after ${retryAt}`, error.retryAfter, retryAt);
        }
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

/**
 * Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3), in ms from `now`;
 * 1 s when absent or unreadable.
 */
export function retryAfterDelayMs(value: string | null, now: number): number {
  let ms = 1000;
  if (value !== null && /^\s*\d+\s*$/.test(value)) ms = Number(value) * 1000;
  else if (value !== null && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - now;
  return Math.max(ms, 0);
}

/** {@link retryAfterDelayMs}, capped at `capMs`. */
export function retryAfterMs(value: string | null, now: number, capMs: number): number {
  return Math.min(retryAfterDelayMs(value, now), capMs);
}

function toPost(
  item: Resource,
  campaign: { id: string; name: string },
  apiHost: string,
): PatreonPost {
  const a = item.attributes ?? {};
  return {
    id: item.id,
    campaignId: campaign.id,
    campaignName: campaign.name,
    title: str(a.title) || 'Untitled post',
    url: postUrl(str(a.url), item.id, apiHost),
    publishedAt: str(a.published_at) || null,
    html: str(a.content),
  };
}

/**
 * The post's link as the API gave it, when it is an http(s) URL on patreon.com (or on the
 * configured API's host, for tests and proxies); otherwise the canonical post URL. The
 * link reaches search results, so a `javascript:` or foreign URL must not.
 */
export function postUrl(raw: string, id: string, apiHost: string): string {
  const canonical = `${PATREON_ORIGIN}posts/${encodeURIComponent(id)}`;
  if (!raw) return canonical;
  let url: URL;
  try {
    url = new URL(raw, PATREON_ORIGIN);
  } catch {
    return canonical;
  }
  const host = url.hostname.toLowerCase();
  const onPatreon = host === 'patreon.com' || host.endsWith('.patreon.com') || host === apiHost;
  const web = url.protocol === 'https:' || url.protocol === 'http:';
  return web && onPatreon && !url.username && !url.password ? url.href : canonical;
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
