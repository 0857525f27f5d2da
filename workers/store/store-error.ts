// Errors raised by the on-disk store. Callers and tests match on `code`; messages name the
// file and what was wrong so a person can act on them.

export type StoreErrorCode =
  /** The snapshot file does not exist (the source was never fetched, or was removed). */
  | 'SNAPSHOT_MISSING'
  /** The file exists but is truncated, not JSON, of the wrong shape or fails its checksum. */
  | 'SNAPSHOT_CORRUPT'
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
