// The authorization-code client (simple-oauth2), set up the way Patreon expects: client
// credentials in the form body, PKCE S256, the same redirect_uri in both legs. Token values
// never reach an error message: failures carry the RFC 6749 error name and a scrubbed text.
import { AuthorizationCode } from 'simple-oauth2';
import type { PatreonConfig } from './patreon-config.js';

/** RFC 6749 sections 4.1.2.1 and 5.2 error names, plus local failures. */
export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client'
  | 'unsupported_grant_type' | 'invalid_scope' | 'access_denied'
  | 'unsupported_response_type' | 'server_error' | 'temporarily_unavailable'
  /** The token endpoint could not be reached or did not answer in time. */
  | 'network_error'
  /** The token endpoint answered 2xx without a usable token. */
  | 'invalid_response'
  /** The browser never came back to the callback before the deadline. */
  | 'login_timeout'
  /** A newer login or shutdown replaced this one. */
  | 'login_cancelled';

const RFC_CODES = new Set<string>([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client',
  'unsupported_grant_type', 'invalid_scope', 'access_denied', 'unsupported_response_type',
  'server_error', 'temporarily_unavailable',
]);

export function isRfcErrorCode(value: unknown): value is OAuthErrorCode {
  return typeof value === 'string' && RFC_CODES.has(value);
}

export class OAuthError extends Error {
  readonly code: OAuthErrorCode;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status: number | undefined;

  constructor(code: OAuthErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'OAuthError';
    this.code = code;
    this.status = status;
  }
}

/** A token response, with the expiry turned into an absolute time. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  tokenType: string;
  scope: string | null;
  /** Epoch ms when the access token expires, or null if the server gave no lifetime. */
  expiresAt: number | null;
}

export interface OAuthClientOptions {
  /** Clock in ms, for expiresAt. Default `Date.now`. */
  now?: () => number;
  /** Token endpoint timeout in ms. Default 15 000. */
  timeoutMs?: number;
}

export class PatreonOAuthClient {
  readonly #config: PatreonConfig;
  readonly #client: AuthorizationCode;
  readonly #now: () => number;

  constructor(config: PatreonConfig, options: OAuthClientOptions = {}) {
    this.#config = config;
    this.#now = options.now ?? Date.now;
    const authorize = new URL(config.authorizeUrl);
    const token = new URL(config.tokenUrl);
    this.#client = new AuthorizationCode({
      client: { id: config.clientId, secret: config.clientSecret },
      auth: {
        authorizeHost: authorize.origin,
        authorizePath: authorize.pathname + authorize.search,
        tokenHost: token.origin,
        tokenPath: token.pathname + token.search,
      },
      // Patreon reads client_id / client_secret from the form body, not HTTP Basic.
      options: { authorizationMethod: 'body', bodyFormat: 'form' },
      http: { timeout: options.timeoutMs ?? 15_000 },
    });
  }

  /** The URL to send the user to (RFC 6749 section 4.1.1 with RFC 7636 section 4.3). */
  authorizationUrl(input: { state: string; challenge: string; redirectUri: string }): string {
    return this.#client.authorizeURL({
      redirect_uri: input.redirectUri,
      scope: [...this.#config.scopes],
      state: input.state,
      code_challenge: input.challenge,
      code_challenge_method: 'S256',
    } as Parameters<AuthorizationCode['authorizeURL']>[0]);
  }

  /** Trades an authorization code for tokens, proving possession of the verifier. */
  async exchangeCode(input: {
    code: string;
    verifier: string;
    redirectUri: string;
  }): Promise<TokenSet> {
    const secrets = [input.code, input.verifier, this.#config.clientSecret];
    try {
      const token = await this.#client.getToken({
        code: input.code,
        redirect_uri: input.redirectUri,
        code_verifier: input.verifier,
      } as Parameters<AuthorizationCode['getToken']>[0]);
      return this.#toTokenSet(token.token, null);
    } catch (error) {
      throw toOAuthError(error, 'token exchange', secrets);
    }
  }

  /** Uses a refresh token; keeps the old one when the server does not rotate it. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const secrets = [refreshToken, this.#config.clientSecret];
    try {
      const current = this.#client.createToken({ access_token: '', refresh_token: refreshToken });
      const next = await current.refresh();
      return this.#toTokenSet(next.token, refreshToken);
    } catch (error) {
      throw toOAuthError(error, 'token refresh', secrets);
    }
  }

  #toTokenSet(raw: Record<string, unknown>, previousRefresh: string | null): TokenSet {
    const accessToken = raw.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new OAuthError('invalid_response', 'token endpoint answered without an access_token');
    }
    const expiresIn = Number(raw.expires_in);
    const refresh = typeof raw.refresh_token === 'string' && raw.refresh_token !== ''
      ? raw.refresh_token
      : previousRefresh;
    return {
      accessToken,
      refreshToken: refresh,
      tokenType: typeof raw.token_type === 'string' ? raw.token_type : 'Bearer',
      scope: typeof raw.scope === 'string' ? raw.scope : null,
      expiresAt: Number.isFinite(expiresIn) && expiresIn > 0
        ? this.#now() + expiresIn * 1000
        : null,
    };
  }
}

interface WreckLikeError {
  isBoom?: boolean;
  output?: { statusCode?: number };
  data?: {
    isResponseError?: boolean;
    payload?: unknown;
    res?: { statusCode?: number };
  } | null;
  message?: string;
}

/**
 * Maps a simple-oauth2 (Wreck/Boom) failure to an OAuthError. The server's
 * `error_description` is kept, bounded and with every encoding of every secret of this
 * request removed, or dropped when it quotes the request's form fields; the library's own
 * message is not kept, as it can echo request details.
 */
export function toOAuthError(error: unknown, what: string, secrets: string[]): OAuthError {
  if (error instanceof OAuthError) return error;
  const e = (error ?? {}) as WreckLikeError;

  if (e.data?.isResponseError) {
    const status = e.output?.statusCode;
    const body = parsePayload(e.data.payload);
    const code = isRfcErrorCode(body.error) ? body.error : statusCode(status);
    const text = safeDescription(body.error_description, secrets);
    const description = text === null ? '' : `: ${text}`;
    const message = `${what} failed with ${code} (HTTP ${status})${description}`;
    return new OAuthError(code, message, status);
  }

  // The answer was not JSON (Wreck's strict mode refused it): an HTML error page, a proxy.
  const rawStatus = e.data?.res?.statusCode;
  if (rawStatus !== undefined) {
    const code = rawStatus >= 400 ? statusCode(rawStatus) : 'invalid_response';
    return new OAuthError(code, `${what} failed: unreadable answer (HTTP ${rawStatus})`, rawStatus);
  }

  const reason = e.isBoom ? 'no answer from the token endpoint' : 'unexpected failure';
  const detail = safeDescription(e.message, secrets) ?? '';
  const suffix = detail ? ` (${detail})` : '';
  return new OAuthError('network_error', `${what} failed: ${reason}${suffix}`);
}

function statusCode(status: number | undefined): OAuthErrorCode {
  if (status === 401) return 'invalid_client';
  if (status === 503) return 'temporarily_unavailable';
  return status !== undefined && status < 500 ? 'invalid_request' : 'server_error';
}

function parsePayload(payload: unknown): Record<string, unknown> {
  if (payload && typeof payload === 'object' && !Buffer.isBuffer(payload)) {
    return payload as Record<string, unknown>;
  }
  try {
    const parsed: unknown = JSON.parse(String(payload ?? ''));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

// Form fields a token request carries. A description quoting one of them is an echo of
// the request body, whatever the encoding: it is dropped, not scrubbed.
const ECHOED_FIELD = /(?:^|[^A-Za-z0-9_])(?:client_secret|refresh_token|code_verifier|code)=/i;

/** The server's error_description, or null when there is none or it echoes the request. */
export function safeDescription(
  text: unknown,
  secrets: Array<string | null | undefined>,
): string | null {
  if (typeof text !== 'string' || text.trim() === '') return null;
  if (ECHOED_FIELD.test(text)) return 'error_description withheld (it echoed the request)';
  return scrub(text, secrets);
}

/**
 * Every form a secret can take in an echoed request: as is, percent-encoded (both hex
 * cases), form-encoded (space as `+`), JSON-escaped (with and without `\/`), and the
 * JSON escape of each encoding. Longest first, so no variant is cut by a shorter one.
 */
export function secretVariants(secret: string): string[] {
  const encoded = [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    encodeURIComponent(secret).replace(/%20/g, '+'),
  ];
  const forms = new Set<string>();
  for (const form of encoded) {
    forms.add(form);
    forms.add(form.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
    const json = JSON.stringify(form).slice(1, -1);
    forms.add(json);
    forms.add(json.replace(/\//g, '\\/'));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Removes every encoding of every secret from a text and bounds its length. */
export function scrub(text: string, secrets: Array<string | null | undefined>): string {
  let out = text;
  const variants = secrets
    .filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4)
    .flatMap(secretVariants)
    .sort((a, b) => b.length - a.length);
  for (const variant of variants) out = out.split(variant).join('[redacted]');
  out = out.replace(/[\r\n]+/g, ' ');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
