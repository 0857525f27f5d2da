// Patreon tokens on disk: `<home>/auth/patreon-tokens.json`, readable by the owner only
// (file 0600, directory 0700), replaced atomically so a crash never leaves half a token.
// Nothing here ever puts file content into an error: the content is the secret.
import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../workers/store/atomic-write.js';
import { silentAuthLogger } from './log.js';
import type { AuthLogger } from './log.js';

export const TOKEN_FILE_MODE = 0o600;
export const AUTH_DIR_MODE = 0o700;

/** Who the tokens belong to, shown by `status`. */
export interface PatreonIdentity {
  id: string;
  name: string;
}

export interface StoredTokens {
  version: 1;
  accessToken: string;
  refreshToken: string | null;
  tokenType: string;
  scope: string | null;
  /** Absolute expiry (ISO 8601) of the access token, or null when unknown. */
  expiresAt: string | null;
  /** When these tokens were obtained (ISO 8601). */
  obtainedAt: string;
  identity: PatreonIdentity | null;
}

export class TokenStoreError extends Error {
  readonly code: 'corrupt' | 'io';

  constructor(code: 'corrupt' | 'io', message: string) {
    super(message);
    this.name = 'TokenStoreError';
    this.code = code;
  }
}

export function tokenFilePath(home: string): string {
  return path.join(home, 'auth', 'patreon-tokens.json');
}

export class TokenStore {
  readonly path: string;
  readonly #log: AuthLogger;

  constructor(home: string, logger: AuthLogger = silentAuthLogger) {
    this.path = tokenFilePath(home);
    this.#log = logger;
  }

  /** The saved tokens, or null when there are none. */
  async read(): Promise<StoredTokens | null> {
    let text: string;
    try {
      await this.#tightenMode();
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return null;
      throw new TokenStoreError('io', `cannot read the Patreon token file (${errnoCode(error)})`);
    }

    // JSON.parse messages quote the input; never let one escape.
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new TokenStoreError('corrupt', `Patreon token file is not valid JSON: ${this.path}`);
    }
    if (!isStoredTokens(data)) {
      throw new TokenStoreError('corrupt', `Patreon token file has an unknown shape: ${this.path}`);
    }
    return data;
  }

  async write(tokens: StoredTokens): Promise<void> {
    const dir = path.dirname(this.path);
    try {
      await mkdir(dir, { recursive: true, mode: AUTH_DIR_MODE });
      // mkdir leaves an existing directory's mode alone; a wider one is tightened here.
      await chmod(dir, AUTH_DIR_MODE);
      await writeFileAtomic(this.path, `${JSON.stringify(tokens, null, 2)}\n`, TOKEN_FILE_MODE);
    } catch (error) {
      throw new TokenStoreError('io', `cannot write the Patreon token file (${errnoCode(error)})`);
    }
    this.#log.debug({ file: this.path }, 'patreon tokens saved');
  }

  /** Deletes the tokens; true when there was a file. */
  async clear(): Promise<boolean> {
    try {
      await stat(this.path);
    } catch {
      return false;
    }
    await rm(this.path, { force: true });
    this.#log.info({ file: this.path }, 'patreon tokens deleted');
    return true;
  }

  // A file someone copied in or restored with a wider mode is narrowed before use.
  async #tightenMode(): Promise<void> {
    const info = await stat(this.path);
    if ((info.mode & 0o077) !== 0 && process.platform !== 'win32') {
      this.#log.warn({ file: this.path, mode: (info.mode & 0o777).toString(8) },
        'patreon token file was readable by others; mode set to 600');
      await chmod(this.path, TOKEN_FILE_MODE);
    }
  }
}

function isStoredTokens(value: unknown): value is StoredTokens {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return v.version === 1
    && typeof v.accessToken === 'string'
    && (v.refreshToken === null || typeof v.refreshToken === 'string')
    && typeof v.tokenType === 'string'
    && (v.expiresAt === null || typeof v.expiresAt === 'string')
    && typeof v.obtainedAt === 'string';
}

function errnoCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
