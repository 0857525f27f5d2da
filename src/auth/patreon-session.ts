// The one owner of the Patreon tokens, on the main thread: it runs the login (state + PKCE +
// loopback callback), keeps the tokens fresh (refresh shortly before expiry, once after a
// 401, saving a rotated refresh token) and reports status without ever returning a token
// except through `accessToken()` / `withAuth()`. Workers never see the secret or the
// refresh token.
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { startCallbackServer } from './callback-server.js';
import { FlowStateStore } from './flow-state.js';
import { describeLoginFailure, LoginFailureStore } from './login-failure.js';
import { OAuthError, PatreonOAuthClient, scrub } from './oauth-client.js';
import { openBrowser } from './open-browser.js';
import { readPatreonConfig } from './patreon-config.js';
import { createPkcePair } from './pkce.js';
import { silentAuthLogger } from './log.js';
import { TokenStore, TokenStoreError } from './token-store.js';
import { DISCONNECTED_MESSAGE, EXPIRED_MESSAGE, waitingMessage } from './session-types.js';
import type { AuthLogger } from './log.js';
import type { PatreonConfig, PatreonConfigResult } from './patreon-config.js';
import type { LoginFailure } from './login-failure.js';
import type { TokenSet } from './oauth-client.js';
import type { PatreonIdentity, StoredTokens } from './token-store.js';
import type { LoginHandle, PatreonStatus } from './session-types.js';

export type {
  LoginHandle, PatreonConnectionState, PatreonStatus,
} from './session-types.js';

const LOGIN_AGAIN =
  'then log in again with `swiftpatterns patreon login` (or setup_patreon start).';

/** Refresh this long before the access token's expiry. */
export const DEFAULT_REFRESH_SKEW_MS = 2 * 60 * 1000;

export interface PatreonSessionOptions {
  /** Data directory (SWIFTPATTERNS_HOME); tokens go to `<home>/auth/`. */
  home: string;
  /** Environment to read the Patreon config from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  logger?: AuthLogger;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Default {@link DEFAULT_REFRESH_SKEW_MS}. */
  refreshSkewMs?: number;
  /** How long the callback waits for the browser. Default 5 minutes. */
  callbackTimeoutMs?: number;
  /** Open a browser on login (default true; `SWIFTPATTERNS_NO_BROWSER=1` still wins). */
  openBrowser?: boolean | ((url: string) => string | null);
  /** Looks up who logged in, after login; failures are logged and ignored. */
  identify?: (session: PatreonSession) => Promise<PatreonIdentity | null>;
}

export class PatreonSession {
  readonly #opts: PatreonSessionOptions;
  readonly #log: AuthLogger;
  readonly #now: () => number;
  readonly #store: TokenStore;
  readonly #failures: LoginFailureStore;
  readonly #flows: FlowStateStore;
  readonly #config: PatreonConfigResult;
  #client: PatreonOAuthClient | undefined;
  #refreshing: Promise<string> | undefined;
  #pending: LoginHandle | undefined;
  // The refresh token the server refused (invalid_grant): dead until a new login replaces it.
  #refused: string | null = null;

  constructor(options: PatreonSessionOptions) {
    this.#opts = options;
    this.#log = options.logger ?? silentAuthLogger;
    this.#now = options.now ?? Date.now;
    this.#store = new TokenStore(options.home, this.#log);
    this.#failures = new LoginFailureStore(options.home);
    this.#flows = new FlowStateStore({ now: this.#now });
    this.#config = readPatreonConfig(options.env ?? process.env);
  }

  get tokenFile(): string {
    return this.#store.path;
  }

  /** Starts a login; the returned promise settles when the listener is up. */
  async login(): Promise<LoginHandle> {
    const client = this.#oauth();
    const config = this.#configured();
    // One flow at a time: the redirect port is fixed.
    await this.#pending?.cancel();

    const pkce = createPkcePair();
    let server;
    try {
      server = await startCallbackServer<PatreonStatus>({
        redirectUri: config.redirectUri,
        flows: this.#flows,
        timeoutMs: this.#opts.callbackTimeoutMs,
        logger: this.#log,
        complete: async (code, flow) => {
          const tokens = await client.exchangeCode({
            code, verifier: flow.verifier, redirectUri: flow.redirectUri,
          });
          await this.#save(tokens, null);
          await this.#failures.clear();
          await this.#identify();
          this.#log.info({}, 'patreon login complete');
          return { ...(await this.status()), loginPending: false, pendingLoginUrl: null };
        },
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new SwiftPatternsError(ErrorCodes.PATREON_NOT_CONNECTED, code === 'EADDRINUSE'
        ? `cannot start the login: ${config.redirectUri} is in use (another login running?)`
        : `cannot start the login listener (${String(code ?? 'unknown error')})`);
    }

    const flow = this.#flows.create({ verifier: pkce.verifier, redirectUri: server.redirectUri });
    const authorizationUrl = client.authorizationUrl({
      state: flow.state, challenge: pkce.challenge, redirectUri: server.redirectUri,
    });
    const handle: LoginHandle = {
      authorizationUrl,
      redirectUri: server.redirectUri,
      browser: this.#launch(authorizationUrl),
      // The failure is recorded before the caller hears of it, so a status right after
      // the rejection already explains it.
      completion: server.result.catch(async (error: unknown) => {
        await this.#recordFailure(error);
        throw error;
      }).finally(() => {
        this.#flows.discard(flow.state);
        if (this.#pending === handle) this.#pending = undefined;
      }),
      cancel: () => server.close(),
    };
    handle.completion.catch((error: unknown) => {
      this.#log.warn({ code: (error as OAuthError).code }, 'patreon login did not complete');
    });
    this.#pending = handle;
    return handle;
  }

  /** The connection state; with `verify`, an expiring token is refreshed first. */
  async status(options: { verify?: boolean } = {}): Promise<PatreonStatus> {
    const pending = this.#pending;
    const base: PatreonStatus = {
      state: 'disconnected', message: '', identity: null, expiresAt: null, scope: null,
      missing: [], loginPending: pending !== undefined,
      pendingLoginUrl: pending?.authorizationUrl ?? null,
      lastLoginError: await this.#failures.read(),
    };
    if (!this.#config.ok) {
      const { message, missing } = this.#config;
      return { ...base, state: 'not_configured', message, missing };
    }
    // Not connected: say what is going on with the login before telling anyone to start one.
    const notConnected = (message: string, what: string): string => {
      if (pending) return waitingMessage(pending.authorizationUrl);
      if (!base.lastLoginError) return message;
      return `${what}: ${describeLoginFailure(base.lastLoginError)}; ${LOGIN_AGAIN}`;
    };
    let tokens: StoredTokens | null;
    try {
      tokens = await this.#load();
    } catch (error) {
      // TokenStoreError messages already name the token file.
      const message = error instanceof TokenStoreError
        ? error.message
        : `Patreon token file: ${messageOf(error)}`;
      return { ...base, state: 'error', message };
    }
    if (!tokens) {
      return { ...base, message: notConnected(DISCONNECTED_MESSAGE, 'Patreon is not connected') };
    }

    if (options.verify && !this.#isDead(tokens)) {
      try {
        await this.accessToken();
        tokens = (await this.#load()) ?? tokens;
      } catch (error) {
        if (!this.#isDead(tokens)) {
          const message = `Patreon refresh failed: ${messageOf(error)}`;
          return { ...base, state: 'error', message };
        }
      }
    }
    const details = {
      identity: tokens.identity, expiresAt: tokens.expiresAt, scope: tokens.scope,
    };
    if (this.#isDead(tokens)) {
      const message = notConnected(EXPIRED_MESSAGE, 'The Patreon login has expired');
      return { ...base, ...details, state: 'expired', message };
    }
    const who = tokens.identity ? ` as ${tokens.identity.name}` : '';
    return { ...base, ...details, state: 'connected', message: `Connected to Patreon${who}.` };
  }

  /** Cancels a pending login and deletes the tokens; true when tokens were deleted. */
  async logout(): Promise<boolean> {
    await this.#pending?.cancel();
    await this.#failures.clear();
    return this.#store.clear();
  }

  /** A valid access token, refreshed first when it expires within the skew. */
  async accessToken(): Promise<string> {
    const tokens = await this.#load();
    if (!tokens) throw notConnected(DISCONNECTED_MESSAGE);
    if (!this.#isStale(tokens)) return tokens.accessToken;
    return this.#refresh(tokens.accessToken);
  }

  /** Runs `fn` with a token; after an error with `status === 401`, refreshes and retries once. */
  async withAuth<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await fn(token);
    } catch (error) {
      if ((error as { status?: unknown } | null)?.status !== 401) throw error;
      this.#log.info({}, 'patreon answered 401; refreshing the access token once');
      return fn(await this.#refresh(token));
    }
  }

  /** Forces a refresh now (CLI, tests). */
  async refresh(): Promise<void> {
    const tokens = await this.#load();
    if (!tokens) throw notConnected(DISCONNECTED_MESSAGE);
    await this.#refresh(tokens.accessToken);
  }

  /** Records who the tokens belong to (e.g. from the API client's identity call). */
  async setIdentity(identity: PatreonIdentity): Promise<void> {
    const tokens = await this.#load();
    if (!tokens) return;
    await this.#store.write({ ...tokens, identity });
  }

  // Single flight: concurrent callers share one refresh, which matters when the server
  // rotates refresh tokens (a second refresh with the old one would be refused).
  #refresh(staleAccessToken: string): Promise<string> {
    this.#refreshing ??= (async () => {
      const tokens = await this.#load();
      if (!tokens) throw notConnected(DISCONNECTED_MESSAGE);
      // Someone refreshed since this caller read its token: use theirs.
      if (tokens.accessToken !== staleAccessToken && !this.#isStale(tokens)) {
        return tokens.accessToken;
      }
      if (!tokens.refreshToken || this.#isDead(tokens)) throw notConnected(EXPIRED_MESSAGE);
      try {
        const next = await this.#oauth().refresh(tokens.refreshToken);
        const saved = await this.#save(next, tokens.identity);
        this.#log.info({ rotated: next.refreshToken !== tokens.refreshToken },
          'patreon access token refreshed');
        return saved.accessToken;
      } catch (error) {
        if (error instanceof OAuthError && error.code === 'invalid_grant') {
          this.#refused = tokens.refreshToken;
          this.#log.warn({ code: error.code }, 'patreon refresh token refused');
          throw notConnected(EXPIRED_MESSAGE);
        }
        throw error;
      }
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  // A cancelled login (a newer one, logout, shutdown) is not a failure worth reporting.
  async #recordFailure(error: unknown): Promise<void> {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'login_cancelled') return;
    const secret = this.#config.ok ? this.#config.config.clientSecret : null;
    const failure: LoginFailure = {
      code: typeof code === 'string' ? code : 'login_failed',
      message: scrub(messageOf(error), [secret]),
      at: new Date(this.#now()).toISOString(),
    };
    try {
      await this.#failures.write(failure);
    } catch (writeError) {
      this.#log.warn({ err: messageOf(writeError) }, 'cannot record the patreon login failure');
    }
  }

  async #save(tokens: TokenSet, identity: PatreonIdentity | null): Promise<StoredTokens> {
    const stored: StoredTokens = {
      version: 1,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      tokenType: tokens.tokenType,
      scope: tokens.scope,
      expiresAt: tokens.expiresAt === null ? null : new Date(tokens.expiresAt).toISOString(),
      obtainedAt: new Date(this.#now()).toISOString(),
      identity,
    };
    await this.#store.write(stored);
    return stored;
  }

  // Always from disk: the CLI and the server are separate processes, and a login or logout
  // in one must show in the other. The file is small; a read per API call is cheap.
  #load(): Promise<StoredTokens | null> {
    return this.#store.read();
  }

  // Unusable until a new login: the refresh token was refused, or there is none and the
  // access token is past its expiry.
  #isDead(tokens: StoredTokens): boolean {
    if (tokens.refreshToken !== null && tokens.refreshToken === this.#refused) return true;
    return tokens.refreshToken === null && this.#isStale(tokens);
  }

  async #identify(): Promise<void> {
    if (!this.#opts.identify) return;
    try {
      const identity = await this.#opts.identify(this);
      if (identity) await this.setIdentity(identity);
    } catch (error) {
      this.#log.warn({ err: messageOf(error) }, 'patreon identity lookup failed');
    }
  }

  #isStale(tokens: StoredTokens): boolean {
    if (tokens.expiresAt === null) return false;
    const skew = this.#opts.refreshSkewMs ?? DEFAULT_REFRESH_SKEW_MS;
    return this.#now() >= Date.parse(tokens.expiresAt) - skew;
  }

  #configured(): PatreonConfig {
    if (!this.#config.ok) throw notConnected(this.#config.message);
    return this.#config.config;
  }

  #oauth(): PatreonOAuthClient {
    this.#client ??= new PatreonOAuthClient(this.#configured(), { now: this.#now });
    return this.#client;
  }

  #launch(url: string): string | null {
    const choice = this.#opts.openBrowser ?? true;
    if (choice === false) return null;
    if (typeof choice === 'function') return choice(url);
    return openBrowser(url, { env: this.#opts.env ?? process.env });
  }
}

function notConnected(message: string): SwiftPatternsError {
  return new SwiftPatternsError(ErrorCodes.PATREON_NOT_CONNECTED, message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
