// Test doubles for the Patreon OAuth tests: a logger that records every line, and a
// loopback token endpoint that records each request and rotates refresh tokens.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthLogger } from '../../src/auth/log.js';

export interface RecordedLog {
  logger: AuthLogger;
  /** Every line as JSON: level, msg and the fields passed. */
  lines: string[];
}

export function recordingLogger(): RecordedLog {
  const lines: string[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...obj }));
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  return { logger, lines };
}

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
}

export interface FakeTokenEndpoint {
  tokenUrl: string;
  requests: TokenRequest[];
  /** Access tokens currently valid (the fake Patreon API accepts these). */
  validAccessTokens: Set<string>;
  /** Every token value issued, for "never logged" assertions. */
  issued: string[];
  /** Seeds a login as if it happened earlier; returns the tokens. */
  seed(): { accessToken: string; refreshToken: string };
  close(): Promise<void>;
}

export const FAKE_CLIENT_SECRET = 'fake-secret-8d2f1e0a9b7c6d5e';

export async function startFakeTokenEndpoint(): Promise<FakeTokenEndpoint> {
  const requests: TokenRequest[] = [];
  const validAccessTokens = new Set<string>();
  const validRefreshTokens = new Set<string>();
  const issued: string[] = [];

  const issue = () => {
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshToken = `rt-${randomBytes(12).toString('hex')}`;
    validAccessTokens.add(accessToken);
    validRefreshTokens.add(refreshToken);
    issued.push(accessToken, refreshToken);
    return { accessToken, refreshToken };
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ headers: req.headers, form });
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      };
      if (form.client_secret !== FAKE_CLIENT_SECRET) {
        return answer(401, { error: 'invalid_client' });
      }
      if (form.grant_type === 'refresh_token') {
        if (!validRefreshTokens.delete(form.refresh_token ?? '')) {
          // Echoes the token back, as a careless server might: it must still not leak.
          return answer(400, {
            error: 'invalid_grant',
            error_description: `refresh token ${form.refresh_token} is not valid`,
          });
        }
      } else if (form.grant_type !== 'authorization_code' || !form.code) {
        return answer(400, { error: 'unsupported_grant_type' });
      }
      const t = issue();
      answer(200, {
        access_token: t.accessToken, refresh_token: t.refreshToken, token_type: 'Bearer',
        expires_in: 3600, scope: 'identity campaigns',
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    tokenUrl: `${origin}/api/oauth2/token`,
    requests,
    validAccessTokens,
    issued,
    seed: issue,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** An environment for PatreonSession / readPatreonConfig pointing at loopback servers. */
export function patreonEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATREON_CLIENT_ID: 'client-id-1',
    PATREON_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    PATREON_AUTHORIZE_URL: 'http://127.0.0.1:9/oauth2/authorize',
    PATREON_REDIRECT_URI: 'http://127.0.0.1:0/oauth/callback',
    SWIFTPATTERNS_NO_BROWSER: '1',
    ...overrides,
  };
}

/** The error a promise rejects with; fails the test (by throwing) if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a rejection, got a value');
}
