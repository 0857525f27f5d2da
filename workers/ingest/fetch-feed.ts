// Fetches one feed over HTTP(S) with hard bounds on time, size and redirects. Runs inside a
// worker thread, so it keeps no state between calls and reports failures as FeedErrors.
import { STATUS_CODES } from 'node:http';
import { FeedError, redactUrl } from './feed-error.js';
import type { FetchLimits } from '../protocol.js';

export const USER_AGENT = 'swiftpatterns/0.1';

/** Defaults: 15 s for the whole exchange (all hops and the body), 20 MiB, 5 redirects. */
export const DEFAULT_FETCH_LIMITS: Readonly<FetchLimits> = Object.freeze({
  timeoutMs: 15_000,
  maxBytes: 20 * 1024 * 1024,
  maxRedirects: 5,
});

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FetchedFeed =
  | { status: 304 }
  | {
      status: 200;
      body: Buffer;
      contentType: string;
      etag: string | null;
      lastModified: string | null;
      /** The URL after redirects. */
      finalUrl: string;
    };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Media types that can never hold a feed; text/html is not here because misconfigured
// servers send real feeds with it, so the parser sniffs the body instead.
const NON_FEED_TYPES = /^(image|audio|video|font)\//i;

const ACCEPT = [
  'application/rss+xml',
  'application/atom+xml',
  'application/feed+json',
  'application/rdf+xml;q=0.9',
  'application/xml;q=0.9',
  'text/xml;q=0.9',
  'application/json;q=0.8',
  '*/*;q=0.5',
].join(', ');

export async function fetchFeed(
  url: string,
  validators: Validators,
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
  signal?: AbortSignal,
): Promise<FetchedFeed> {
  let current = parseHttpUrl(url);
  // fetch() refuses URLs with userinfo; send it as Basic auth instead, and only to the
  // origin it was written for (never to a host a redirect points at).
  const authOrigin = current.origin;
  const authorization = basicAuth(current);
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const visited = new Set<string>([current.href]);

  try {
    for (let hops = 0; ; hops++) {
      const res = await fetch(current, {
        method: 'GET',
        redirect: 'manual',
        signal: combined,
        headers: requestHeaders(
          validators,
          current.origin === authOrigin ? authorization : null,
        ),
      });

      if (REDIRECT_STATUSES.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get('location');
        if (!location) {
          throw new FeedError(
            'HTTP_STATUS',
            `${redactUrl(current.href)} answered ${res.status} without a Location header`,
            { url: current.href, status: res.status },
          );
        }
        const next = parseHttpUrl(resolveLocation(location, current), current.href);
        if (visited.has(next.href)) {
          throw new FeedError(
            'REDIRECT_LOOP',
            `Redirect loop: ${redactUrl(current.href)} redirects back to ${redactUrl(next.href)}`,
            { url: current.href },
          );
        }
        if (hops >= limits.maxRedirects) {
          throw new FeedError(
            'TOO_MANY_REDIRECTS',
            `${redactUrl(url)} redirected more than ${limits.maxRedirects} times`,
            { url },
          );
        }
        visited.add(next.href);
        current = next;
        continue;
      }

      if (res.status === 304) {
        await res.body?.cancel().catch(() => undefined);
        return { status: 304 };
      }
      if (res.status < 200 || res.status > 299 || res.status === 204) {
        await res.body?.cancel().catch(() => undefined);
        // Node's standard phrase, never the server's: a reason phrase is free text that a
        // misconfigured server fills with anything, credentials included.
        const phrase = STATUS_CODES[res.status];
        const reason = phrase ? ` ${phrase}` : '';
        throw new FeedError(
          'HTTP_STATUS',
          `${redactUrl(current.href)} answered HTTP ${res.status}${reason}`,
          { url: current.href, status: res.status },
        );
      }
      return await readOk(res, current.href, limits.maxBytes);
    }
  } catch (err) {
    throw toFeedError(err, current.href, limits, timeout, signal);
  }
}

function basicAuth(url: URL): string | null {
  if (!url.username && !url.password) return null;
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

function requestHeaders(
  validators: Validators,
  authorization: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': USER_AGENT,
    accept: ACCEPT,
    'accept-encoding': 'gzip, deflate',
  };
  if (validators.etag) headers['if-none-match'] = validators.etag;
  if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
  if (authorization) headers['authorization'] = authorization;
  return headers;
}

async function readOk(res: Response, finalUrl: string, maxBytes: number): Promise<FetchedFeed> {
  const contentType = res.headers.get('content-type') ?? '';
  if (NON_FEED_TYPES.test(contentType.trim())) {
    await res.body?.cancel().catch(() => undefined);
    throw new FeedError(
      'BAD_CONTENT_TYPE',
      `${redactUrl(finalUrl)} served ${contentType.split(';')[0]}, not a feed`,
      { url: finalUrl },
    );
  }

  // Content-Length counts encoded bytes; the decoded size is checked while streaming.
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(finalUrl, maxBytes, declared);
  }

  const chunks: Buffer[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(finalUrl, maxBytes);
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  }

  return {
    status: 200,
    body: Buffer.concat(chunks, total),
    contentType,
    etag: res.headers.get('etag'),
    lastModified: res.headers.get('last-modified'),
    finalUrl,
  };
}

function tooLarge(url: string, maxBytes: number, declared?: number): FeedError {
  const size = declared === undefined ? 'more than' : `${declared} bytes, over`;
  return new FeedError(
    'TOO_LARGE',
    `${redactUrl(url)} is too large: ${size} the limit of ${maxBytes} bytes`,
    { url },
  );
}

function parseHttpUrl(raw: string, from?: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FeedError('BAD_URL', `Not a valid URL: ${redactUrl(raw)}`, { url: raw });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    const where = from ? ` (redirect from ${redactUrl(from)})` : '';
    throw new FeedError(
      'BAD_URL',
      `Only http and https feeds are supported, got ${url.protocol} in ${redactUrl(raw)}${where}`,
      { url: raw },
    );
  }
  url.hash = '';
  return url;
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

function toFeedError(
  err: unknown,
  url: string,
  limits: FetchLimits,
  timeout: AbortSignal,
  signal: AbortSignal | undefined,
): FeedError {
  if (err instanceof FeedError) return err;
  // Check the signals rather than the error's name: undici surfaces an abort during body
  // streaming and during connect with different error shapes.
  if (timeout.aborted && !signal?.aborted) {
    return new FeedError(
      'FETCH_TIMEOUT',
      `${redactUrl(url)} did not answer within ${limits.timeoutMs} ms`,
      { url, cause: err },
    );
  }
  if (signal?.aborted) {
    return new FeedError('ABORTED', `Fetching ${redactUrl(url)} was aborted`, {
      url,
      cause: err,
    });
  }
  const detail = describeNetworkError(err);
  return new FeedError('FETCH_FAILED', `Could not fetch ${redactUrl(url)}: ${detail}`, {
    url,
    cause: err,
  });
}

function describeNetworkError(err: unknown): string {
  // undici wraps the socket error: TypeError('fetch failed', { cause: { code, message } }).
  const cause = (err as { cause?: unknown } | null)?.cause ?? err;
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset by the server';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return typeof code === 'string' ? `${code} (${message})` : message;
}
