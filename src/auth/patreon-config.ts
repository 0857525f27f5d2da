// Where Patreon's OAuth endpoints and this app's client credentials come from: the
// environment, with Patreon's public endpoints as defaults. Tests point the three URLs at
// loopback servers.

/** Patreon's endpoints (API v2). */
export const PATREON_AUTHORIZE_URL = 'https://www.patreon.com/oauth2/authorize';
export const PATREON_TOKEN_URL = 'https://www.patreon.com/api/oauth2/token';
export const PATREON_API_BASE = 'https://www.patreon.com/api/oauth2/v2';

/**
 * Port of the default redirect URI. Fixed because Patreon matches the registered redirect
 * URI exactly: register `http://127.0.0.1:47823/oauth/callback` with the client.
 */
export const DEFAULT_CALLBACK_PORT = 47823;
export const DEFAULT_REDIRECT_URI = `http://127.0.0.1:${DEFAULT_CALLBACK_PORT}/oauth/callback`;

/**
 * Patreon API v2 scopes: the user's identity, their memberships (which creators they
 * support), campaign data and campaign posts.
 */
export const PATREON_SCOPES: readonly string[] = Object.freeze([
  'identity',
  'identity.memberships',
  'campaigns',
  'campaigns.posts',
]);

export interface PatreonConfig {
  clientId: string;
  /** Never log or return this; {@link describePatreonConfig} leaves it out. */
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** API root without a trailing slash. */
  apiBase: string;
  /** `http://127.0.0.1:<port>/<path>`; port 0 (tests only) picks a free port. */
  redirectUri: string;
  scopes: readonly string[];
}

export type PatreonConfigResult =
  | { ok: true; config: PatreonConfig }
  | {
      ok: false;
      /** Variables that must be set and are not. */
      missing: string[];
      /** Variables that are set to something unusable, with the reason. */
      invalid: Array<{ name: string; reason: string }>;
      /** One line for a human: what to set. */
      message: string;
    };

export function readPatreonConfig(env: NodeJS.ProcessEnv = process.env): PatreonConfigResult {
  const missing: string[] = [];
  const invalid: Array<{ name: string; reason: string }> = [];

  const required = (name: string): string => {
    const value = env[name]?.trim() ?? '';
    if (value === '') missing.push(name);
    return value;
  };
  const url = (name: string, fallback: string): string => {
    const value = env[name]?.trim() || fallback;
    const reason = checkHttpUrl(value);
    if (reason) invalid.push({ name, reason });
    return value;
  };

  const clientId = required('PATREON_CLIENT_ID');
  const clientSecret = required('PATREON_CLIENT_SECRET');
  const authorizeUrl = url('PATREON_AUTHORIZE_URL', PATREON_AUTHORIZE_URL);
  const tokenUrl = url('PATREON_TOKEN_URL', PATREON_TOKEN_URL);
  const apiBase = url('PATREON_API_BASE', PATREON_API_BASE).replace(/\/+$/, '');
  const redirectUri = env.PATREON_REDIRECT_URI?.trim() || DEFAULT_REDIRECT_URI;
  const redirectReason = checkRedirectUri(redirectUri);
  if (redirectReason) invalid.push({ name: 'PATREON_REDIRECT_URI', reason: redirectReason });

  if (missing.length > 0 || invalid.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`set ${missing.join(' and ')}`);
    for (const item of invalid) parts.push(`fix ${item.name} (${item.reason})`);
    return {
      ok: false,
      missing,
      invalid,
      message: `Patreon is not configured: ${parts.join('; ')}.`,
    };
  }

  return {
    ok: true,
    config: Object.freeze({
      clientId, clientSecret, authorizeUrl, tokenUrl, apiBase, redirectUri,
      scopes: PATREON_SCOPES,
    }),
  };
}

/** The configuration without its secret, for logs and status output. */
export function describePatreonConfig(config: PatreonConfig): Record<string, unknown> {
  return {
    clientId: config.clientId,
    authorizeUrl: config.authorizeUrl,
    tokenUrl: config.tokenUrl,
    apiBase: config.apiBase,
    redirectUri: config.redirectUri,
    scopes: [...config.scopes],
  };
}

function checkHttpUrl(value: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be http(s)';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  return null;
}

// The callback listener binds 127.0.0.1 only (RFC 8252 section 7.3 loopback redirect), so
// the redirect URI must name exactly that host over plain http.
function checkRedirectUri(value: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol !== 'http:') return 'must use http:// (loopback redirect)';
  if (parsed.hostname !== '127.0.0.1') return 'host must be 127.0.0.1';
  if (parsed.search || parsed.hash) return 'must have no query or fragment';
  if (parsed.pathname === '/') return 'needs a path, e.g. /oauth/callback';
  return null;
}
