// What the Patreon session reports: its connection states and the handle of a login, kept
// apart from the session so the CLI and tool code can import the shapes alone.
import type { LoginFailure } from './login-failure.js';
import type { PatreonIdentity } from './token-store.js';

export type PatreonConnectionState =
  | 'connected' | 'not_configured' | 'disconnected' | 'expired' | 'error';

export interface PatreonStatus {
  state: PatreonConnectionState;
  /** One line for a human: what the state means and what to do. */
  message: string;
  identity: PatreonIdentity | null;
  /** Access token expiry (ISO 8601), when connected. */
  expiresAt: string | null;
  scope: string | null;
  /** Variables to set, when not configured. */
  missing: string[];
  /** A login is waiting for the browser. */
  loginPending: boolean;
  /** The URL of the login waiting for the browser, or null. */
  pendingLoginUrl: string | null;
  /** Why the last login failed (cleared by a successful login and by logout), or null. */
  lastLoginError: LoginFailure | null;
}

export interface LoginHandle {
  /** Open this in a browser (also print it: the browser may not open). */
  authorizationUrl: string;
  /** The redirect URI in use (its real port). */
  redirectUri: string;
  /** The launcher that was started, or null when no browser was opened. */
  browser: string | null;
  /** Resolves with the status once tokens are saved; rejects with an OAuthError. */
  completion: Promise<PatreonStatus>;
  cancel(): Promise<void>;
}

export const DISCONNECTED_MESSAGE =
  'Patreon is not connected: run `swiftpatterns patreon login` (or setup_patreon start).';
/** The status message while a login waits for the user's approval. */
export function waitingMessage(url: string): string {
  return `Patreon is not connected yet: waiting for you to approve in the browser: ${url}`;
}

export const EXPIRED_MESSAGE =
  'The Patreon login has expired or was revoked: log in again with `swiftpatterns patreon login`.';
