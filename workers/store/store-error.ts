// Errors raised by the on-disk store. Callers and tests match on `code`; messages name the
// file and what was wrong so a person can act on them.

export type StoreErrorCode =
  /** The snapshot file does not exist (the source was never fetched, or was removed). */
  | 'SNAPSHOT_MISSING'
  /** The file exists but is truncated, not JSON, of the wrong shape or fails its checksum. */
  | 'SNAPSHOT_CORRUPT'
  /** Reading it failed at the file system (a directory in its place, no permission, EIO). */
  | 'SNAPSHOT_UNREADABLE'
  /** A source id that could name a path outside the data directory. */
  | 'INVALID_SOURCE_ID';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** The file involved, when there is one. */
  readonly file: string | undefined;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; file?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.file = options?.file;
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'a directory stands where a file belongs',
  ENOTDIR: 'not a directory',
  EEXIST: 'a file stands where a directory belongs',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
};

/** True for a Node file-system error (it has an errno code and names its system call). */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | null;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/**
 * A file-system error in words a client may see: what failed and the errno code, never
 * the path (Node's own message names the full local path).
 */
export function describeFsError(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'EUNKNOWN';
  const what = FS_ERRORS[code] ?? 'system error';
  return `${error.syscall ?? 'file operation'} failed: ${what} (${code})`;
}
