// Errors that reach MCP clients. Each has a stable code that tests assert on; the message
// is written for a human (and an assistant) to act on.

export const ErrorCodes = {
  /** Arguments failed validation beyond what the tool's schema checks. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** `source` names no configured source. */
  UNKNOWN_SOURCE: 'UNKNOWN_SOURCE',
  /** The request's deadline passed before the worker answered. */
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  /** The client cancelled the request. */
  CANCELLED: 'CANCELLED',
  /** The pool's queue is full: retry shortly. */
  BUSY: 'BUSY',
  /** A worker failed (threw, exited, ran out of memory) while running this request. */
  WORKER_FAILED: 'WORKER_FAILED',
  /** No enabled source has content yet (all first fetches failed or none is enabled). */
  NO_CONTENT: 'NO_CONTENT',
  /** The server is shutting down. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** A pattern resource does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** Patreon is not connected or not configured. */
  PATREON_NOT_CONNECTED: 'PATREON_NOT_CONNECTED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class SwiftPatternsError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SwiftPatternsError';
    this.code = code;
  }
}

/** A one-line message safe to show a client: never a stack, never a secret. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? 'unknown error';
  return String(error);
}

/** Longest client-supplied value quoted back in an error message. */
export const MAX_QUOTED_CHARS = 100;

/**
 * A value the client sent, quoted for an error message and cut to MAX_QUOTED_CHARS: a
 * megabyte id must not come back as a megabyte error.
 */
export function quoteForError(value: string, max = MAX_QUOTED_CHARS): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
