// Why the last Patreon login failed, kept on disk next to the tokens so the other process
// sees it too (a login started from the assistant fails in the server; `patreon status`
// runs in the CLI). Only an error code and a message that never held a secret are kept.
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../workers/store/atomic-write.js';
import { AUTH_DIR_MODE, TOKEN_FILE_MODE } from './token-store.js';

export interface LoginFailure {
  /** An OAuthError code (invalid_client, access_denied, login_timeout, ...). */
  code: string;
  /** The failure's own message, secret-free (OAuthError messages are scrubbed). */
  message: string;
  /** When the login failed (ISO 8601). */
  at: string;
}

export function loginFailureFilePath(home: string): string {
  return path.join(home, 'auth', 'patreon-login-failure.json');
}

// What to do about each failure, for someone who cannot see the server's log.
const HINTS: Record<string, string> = {
  invalid_client: 'check PATREON_CLIENT_SECRET (and PATREON_CLIENT_ID)',
  unauthorized_client: 'check the client registration at Patreon and PATREON_CLIENT_ID',
  invalid_grant: 'the code was refused; check that PATREON_REDIRECT_URI is the one '
    + 'registered with Patreon',
  invalid_scope: 'check the scopes allowed for the client at Patreon',
  access_denied: 'access was declined in the browser',
  login_timeout: 'the browser did not come back in time',
  network_error: 'the token endpoint did not answer; check the network or PATREON_TOKEN_URL',
  server_error: 'the authorization server failed',
  temporarily_unavailable: 'the authorization server was unavailable',
};

/** One line, e.g. "last login failed: invalid_client — check PATREON_CLIENT_SECRET (...)". */
export function describeLoginFailure(failure: Pick<LoginFailure, 'code' | 'message'>): string {
  return `last login failed: ${failure.code} — ${HINTS[failure.code] ?? failure.message}`;
}

export class LoginFailureStore {
  readonly path: string;

  constructor(home: string) {
    this.path = loginFailureFilePath(home);
  }

  /** The recorded failure, or null when there is none or the file is unreadable. */
  async read(): Promise<LoginFailure | null> {
    try {
      const data = JSON.parse(await readFile(this.path, 'utf8')) as Partial<LoginFailure>;
      if (typeof data.code !== 'string' || typeof data.message !== 'string') return null;
      return { code: data.code, message: data.message, at: String(data.at ?? '') };
    } catch {
      return null;
    }
  }

  async write(failure: LoginFailure): Promise<void> {
    const dir = path.dirname(this.path);
    await mkdir(dir, { recursive: true, mode: AUTH_DIR_MODE });
    await chmod(dir, AUTH_DIR_MODE);
    await writeFileAtomic(this.path, `${JSON.stringify(failure)}\n`, TOKEN_FILE_MODE);
  }

  async clear(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
