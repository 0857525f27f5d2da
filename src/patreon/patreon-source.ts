// The Patreon source: searched like any feed, refreshed differently. The main thread owns
// the tokens, so it calls the Patreon API itself and hands the posts to a worker as data
// (an `ingest` task); the worker normalizes and stores them exactly like a feed refresh.
// The source exists only when Patreon is configured, and starts disabled: enabling it
// needs a working connection.
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { silentAuthLogger } from '../auth/log.js';
import { readPatreonConfig } from '../auth/patreon-config.js';
import { PatreonSession } from '../auth/patreon-session.js';
import { PatreonApiClient, PatreonApiError } from './api-client.js';
import { patreonPostsToFeed } from './post-feed.js';
import type { AuthLogger } from '../auth/log.js';
import type { PatreonConfigResult } from '../auth/patreon-config.js';
import type { LoginHandle, PatreonStatus } from '../auth/patreon-session.js';
import type { SourceConfig } from '../config.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { PatreonCampaign } from './api-client.js';
import type { RefreshResult, SourceRef } from '../../workers/protocol.js';

export const PATREON_SOURCE_ID = 'patreon';
export const PATREON_SOURCE_NAME = 'Patreon (creators you support)';
export const NOT_CONNECTED_HINT =
  'Patreon is not connected: run setup_patreon or `swiftpatterns patreon login`';

export interface CampaignReport {
  /** When the campaigns were last read (ISO 8601). */
  checkedAt: string;
  campaigns: PatreonCampaign[];
}

export interface PatreonSourceOptions {
  home: string;
  /** Where the Patreon config comes from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Runs the `ingest` task; absent in the CLI, which never refreshes. */
  pool?: WorkerPool;
  logger?: AuthLogger;
  /** A session to use instead of `createPatreonSession` (tests: clock, browser). */
  session?: PatreonSession;
}

/** A session that records who logged in, looked up through the API after each login. */
export function createPatreonSession(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
  logger: AuthLogger = silentAuthLogger,
): PatreonSession {
  const config = readPatreonConfig(env);
  return new PatreonSession({
    home, env, logger,
    identify: config.ok
      ? async (session) => {
        const api = new PatreonApiClient({ apiBase: config.config.apiBase, auth: session, logger });
        return (await api.identity()).identity;
      }
      : undefined,
  });
}

export class PatreonSource {
  readonly session: PatreonSession;
  readonly #config: PatreonConfigResult;
  readonly #home: string;
  readonly #pool: WorkerPool | undefined;
  readonly #log: AuthLogger;
  readonly #api: PatreonApiClient | null;
  #report: CampaignReport | null = null;
  #login: LoginHandle | undefined;
  #onLogin: (() => void) | undefined;

  constructor(options: PatreonSourceOptions) {
    const env = options.env ?? process.env;
    this.#config = readPatreonConfig(env);
    this.#home = options.home;
    this.#pool = options.pool;
    this.#log = options.logger ?? silentAuthLogger;
    this.session = options.session ?? createPatreonSession(options.home, env, this.#log);
    this.#api = this.#config.ok
      ? new PatreonApiClient({
        apiBase: this.#config.config.apiBase, auth: this.session, logger: this.#log,
      })
      : null;
  }

  /** PATREON_CLIENT_ID and PATREON_CLIENT_SECRET are set (and the URLs usable). */
  get configured(): boolean {
    return this.#config.ok;
  }

  /** The source to register, or null when Patreon is not configured. */
  sourceConfig(): SourceConfig | null {
    if (!this.#config.ok) return null;
    return {
      id: PATREON_SOURCE_ID, name: PATREON_SOURCE_NAME, url: this.#config.config.apiBase,
      enabled: false,
    };
  }

  /**
   * `sources` plus the Patreon source when configured. A configured feed with the same id
   * gives way: the id is reserved for Patreon while Patreon is configured.
   */
  withSource(sources: readonly SourceConfig[]): SourceConfig[] {
    const own = this.sourceConfig();
    if (!own) return [...sources];
    if (sources.some((s) => s.id === PATREON_SOURCE_ID)) {
      this.#log.warn({ source: PATREON_SOURCE_ID },
        'a configured feed uses the id reserved for Patreon; that feed is left out');
    }
    return [...sources.filter((s) => s.id !== PATREON_SOURCE_ID), own];
  }

  /** True when `id` names this source (and not a user's feed that happens to share it). */
  handles(id: string): boolean {
    return id === PATREON_SOURCE_ID && this.#config.ok;
  }

  /** Called after a login started here completes (the server refreshes the source). */
  onLogin(listener: () => void): void {
    this.#onLogin = listener;
  }

  /** The campaigns of the last refresh, or null before the first one. */
  campaigns(): CampaignReport | null {
    return this.#report;
  }

  /** The status, or a PATREON_NOT_CONNECTED error saying what to do. */
  async requireConnected(options: { verify?: boolean } = {}): Promise<PatreonStatus> {
    const status = await this.session.status(options);
    if (status.state === 'connected') return status;
    // A waiting or failed login explains itself; "run setup_patreon" would not help.
    const message = status.state === 'not_configured'
      ? `${status.message} Then log in with setup_patreon or \`swiftpatterns patreon login\`.`
      : status.state !== 'error' && (status.loginPending || status.lastLoginError)
        ? status.message
        : status.state === 'disconnected'
          ? `${NOT_CONNECTED_HINT}.`
          : `${NOT_CONNECTED_HINT} (${status.message})`;
    throw new SwiftPatternsError(ErrorCodes.PATREON_NOT_CONNECTED, message);
  }

  /**
   * Starts a login unless one is waiting (its URL is returned again) or the connection
   * already works (no login). The login completes in the background via the callback.
   */
  async startLogin(): Promise<{ status: PatreonStatus; login: LoginHandle | null }> {
    if (this.#login) return { status: await this.session.status(), login: this.#login };
    const current = await this.session.status({ verify: true });
    if (current.state === 'connected') return { status: current, login: null };

    const handle = await this.session.login();
    this.#login = handle;
    handle.completion.then(() => this.#onLogin?.(), () => {}).finally(() => {
      if (this.#login === handle) this.#login = undefined;
    });
    return { status: await this.session.status(), login: handle };
  }

  /** The refresh of the source (the refresher's custom hook): API on this thread, then ingest. */
  async refresh(signal: AbortSignal): Promise<RefreshResult> {
    if (!this.#api || !this.#config.ok) {
      throw new SwiftPatternsError(ErrorCodes.PATREON_NOT_CONNECTED,
        this.#config.ok ? NOT_CONNECTED_HINT : this.#config.message);
    }
    if (!this.#pool) throw new Error('PatreonSource.refresh needs a worker pool');
    const status = await this.requireConnected();

    let content;
    try {
      content = await this.#api.fetchAll();
    } catch (error) {
      if (error instanceof PatreonApiError && error.status === 401) {
        throw new SwiftPatternsError(ErrorCodes.PATREON_NOT_CONNECTED,
          `Patreon refused the login (HTTP 401): ${NOT_CONNECTED_HINT}`);
      }
      throw error;
    }
    signal.throwIfAborted();
    this.#report = { checkedAt: new Date().toISOString(), campaigns: content.campaigns };
    // Rewriting the token file only when needed: a write races with a token refresh.
    if (content.identity && content.identity.id !== status.identity?.id) {
      await this.session.setIdentity(content.identity);
    }

    const source: SourceRef = {
      id: PATREON_SOURCE_ID, name: PATREON_SOURCE_NAME, url: this.#config.config.apiBase,
    };
    return this.#pool.run<RefreshResult>(
      { kind: 'ingest', home: this.#home, source, items: patreonPostsToFeed(content.posts) },
      { signal },
    );
  }

  /** Cancels a waiting login (frees the callback port). */
  async close(): Promise<void> {
    await this.#login?.cancel();
  }
}

/** One line per campaign status, e.g. "swiftcraft: ok, 4 posts; lockedstudio: no access". */
export function describeCampaigns(report: CampaignReport | null): string {
  if (!report) return 'campaigns not read yet';
  if (report.campaigns.length === 0) return 'no campaigns (no memberships found)';
  return report.campaigns.map((c) => {
    if (c.status === 'ok') {
      const more = c.truncated ? ' (more not read)' : '';
      return `${c.name}: ok, ${c.postCount} posts${more}`;
    }
    return `${c.name}: ${c.status === 'no_access' ? 'no access' : 'error'} — ${c.error ?? ''}`;
  }).join('; ');
}
