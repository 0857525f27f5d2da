// Errors raised while fetching and parsing a feed. Each carries a stable string code that
// callers and tests match on; the message is for people and may change wording.

/** Stable codes; never reuse a retired code for a different failure. */
export type FeedErrorCode =
  /** The server did not answer within `timeoutMs`. */
  | 'FETCH_TIMEOUT'
  /** The connection failed: refused, reset, DNS error, TLS error. */
  | 'FETCH_FAILED'
  /** The server answered with a status other than 200 or 304 (see `status`). */
  | 'HTTP_STATUS'
  /** The body (or its announced Content-Length) passed `maxBytes`. */
  | 'TOO_LARGE'
  /** More than `maxRedirects` redirects. */
  | 'TOO_MANY_REDIRECTS'
  /** A redirect pointed back to a URL already visited. */
  | 'REDIRECT_LOOP'
  /** Not an absolute http(s) URL, or a redirect to another scheme. */
  | 'BAD_URL'
  /** An HTML page, an image or other non-feed content instead of a feed. */
  | 'BAD_CONTENT_TYPE'
  /** Malformed or truncated XML or JSON. */
  | 'PARSE_FAILED'
  /** The declared character encoding is not one this runtime can decode. */
  | 'UNSUPPORTED_ENCODING'
  /** The bytes are mostly not valid in the encoding they were decoded with. */
  | 'INVALID_ENCODING'
  /** The document tries to expand entities beyond safe bounds. */
  | 'ENTITY_EXPANSION'
  /**
   * Well-formed, but not RSS, Atom, RDF or JSON Feed; or a feed that suddenly has no
   * usable items while the last good snapshot has some (the snapshot is kept).
   */
  | 'EMPTY_FEED'
  /** The operation was aborted by the caller's signal. */
  | 'ABORTED';

export const FEED_ERROR_CODES: readonly FeedErrorCode[] = [
  'FETCH_TIMEOUT',
  'FETCH_FAILED',
  'HTTP_STATUS',
  'TOO_LARGE',
  'TOO_MANY_REDIRECTS',
  'REDIRECT_LOOP',
  'BAD_URL',
  'BAD_CONTENT_TYPE',
  'PARSE_FAILED',
  'UNSUPPORTED_ENCODING',
  'INVALID_ENCODING',
  'ENTITY_EXPANSION',
  'EMPTY_FEED',
  'ABORTED',
];

export interface FeedErrorOptions {
  /** The URL involved; stored redacted. */
  url?: string;
  /** HTTP status for HTTP_STATUS. */
  status?: number;
  cause?: unknown;
}

export class FeedError extends Error {
  override name = 'FeedError';
  readonly code: FeedErrorCode;
  /** Redacted URL (no userinfo, query or fragment), or null. */
  readonly url: string | null;
  readonly status: number | null;

  constructor(code: FeedErrorCode, message: string, options: FeedErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.url = options.url === undefined ? null : redactUrl(options.url);
    this.status = options.status ?? null;
  }

  /** A plain object that survives structured clone across the worker boundary. */
  toJSON(): { code: FeedErrorCode; message: string; url: string | null; status: number | null } {
    return { code: this.code, message: this.message, url: this.url, status: this.status };
  }
}

export function isFeedError(value: unknown): value is FeedError {
  return value instanceof FeedError;
}

/**
 * Drops userinfo, query and fragment: feed URLs often carry tokens (`?key=...`,
 * `https://user:pass@host`) that must never reach logs or tool results.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a URL at all: cut at the first '?' or '#' and hide anything before an '@'.
    const cut = raw.split(/[?#]/, 1)[0] ?? '';
    const short = cut.length > 200 ? cut.slice(0, 200) + '…' : cut;
    return short.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i, '$1');
  }
  url.username = '';
  url.password = '';
  const hadQuery = url.search !== '';
  url.search = '';
  url.hash = '';
  return url.href + (hadQuery ? '?…' : '');
}
