// A real OAuth 2 authorization server on 127.0.0.1 (oidc-provider), configured like
// Patreon's: a confidential client authenticating in the form body, Patreon's scope names,
// PKCE required, refresh tokens rotated on every use. Its interaction step is a stand-in
// for the login and consent pages: it logs in a fixed account and grants what was asked
// (or denies, to test access_denied).
import { createServer } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OIDC_CLIENT_ID = 'swiftpatterns-test';
export const OIDC_CLIENT_SECRET = 'client-secret-4c1c2bd57f0e4a8f9d3e';
export const OIDC_SCOPES = ['identity', 'identity.memberships', 'campaigns', 'campaigns.posts'];
export const OIDC_ACCOUNT = 'patron-1';

export interface OidcServer {
  origin: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** Requests that reached the token endpoint. */
  tokenRequests: number;
  /** 'grant' logs in and consents; 'deny' answers access_denied. */
  mode: 'grant' | 'deny';
  /** The provider's own events, e.g. `grant.error` reasons, for assertions. */
  grantErrors: string[];
  /** Every access token issued (opaque values), so a fake resource server can check them. */
  accessTokens: Set<string>;
  close(): Promise<void>;
}

export async function startOidcServer(): Promise<OidcServer> {
  let provider: Provider | undefined;
  const state: OidcServer = {
    origin: '', authorizeUrl: '', tokenUrl: '', tokenRequests: 0, mode: 'grant',
    grantErrors: [], accessTokens: new Set(), close: async () => {},
  };

  const server: Server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/token') state.tokenRequests += 1;
    if (!provider) return void res.writeHead(503).end();
    if (pathname.startsWith('/interaction/')) {
      interact(provider, state.mode, req, res).catch((error: unknown) => {
        state.grantErrors.push(`interaction: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  provider = new Provider(origin, {
    clients: [{
      client_id: OIDC_CLIENT_ID,
      client_secret: OIDC_CLIENT_SECRET,
      // A native client: loopback redirect URIs match on any port (RFC 8252 section 7.3).
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/oauth/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: OIDC_SCOPES.join(' '),
    }],
    scopes: OIDC_SCOPES,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    cookies: { keys: ['test-cookie-key-one'] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] },
    ttl: {
      AccessToken: 3600, AuthorizationCode: 60, RefreshToken: 86_400,
      Interaction: 600, Session: 3600, Grant: 86_400,
    },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  });
  provider.on('grant.error', (_ctx, error: Error) => state.grantErrors.push(error.message));
  // An opaque token's value is its jti.
  provider.on('access_token.saved', (token: { jti: string }) => state.accessTokens.add(token.jti));
  provider.on('server_error', () => {});

  state.origin = origin;
  state.authorizeUrl = `${origin}/auth`;
  state.tokenUrl = `${origin}/token`;
  state.close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return state;
}

// The login and consent pages, reduced to what a user who clicks "Allow" would submit.
async function interact(
  provider: Provider,
  mode: 'grant' | 'deny',
  req: Parameters<Provider['interactionDetails']>[0],
  res: Parameters<Provider['interactionDetails']>[1],
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (mode === 'deny') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The user declined.',
    }, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: OIDC_ACCOUNT } },
      { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: OIDC_ACCOUNT, clientId: String(details.params.client_id) });
  if (!grant) throw new Error('grant vanished');
  grant.addOIDCScope(String(details.params.scope ?? ''));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
    { mergeWithLastSubmission: true });
}
