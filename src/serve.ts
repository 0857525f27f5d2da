// `swiftpatterns` with no command: the MCP server on stdio. stdout carries JSON-RPC
// only; everything else goes to the stderr logger.
import { Transform } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApp } from './server/app.js';
import type { TransformCallback } from 'node:stream';
import type { Settings } from './config.js';
import type { Logger } from './logger.js';

/** How long shutdown may take before the process exits anyway (with code 1). */
const SHUTDOWN_BOUND_MS = 5_000;
/** How long calls in flight at shutdown may still run before they are cancelled. */
const SHUTDOWN_GRACE_MS = 2_000;
/**
 * Largest JSON-RPC message read from stdin. Tool arguments are capped far below this
 * (a 1 kB query); without a cap one endless line would grow memory until the SDK's own
 * 10 MB buffer limit closes the transport, and the server with it.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export async function serve(settings: Settings, logger: Logger): Promise<void> {
  const app = createApp(settings, logger);
  const reply = (message: object) => process.stdout.write(JSON.stringify(message) + '\n');
  const guard = new MessageGuard(MAX_MESSAGE_BYTES, (id, code, message) => {
    logger.warn({ id, code, err: message }, 'rejected a malformed message');
    reply({ jsonrpc: '2.0', id, error: { code, message } });
  });
  process.stdin.pipe(guard);
  const transport = new StdioServerTransport(guard, process.stdout);

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const forced = setTimeout(() => {
      logger.error({ boundMs: SHUTDOWN_BOUND_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_BOUND_MS);
    forced.unref();
    try {
      app.refresher.stop();
      // New tasks now fail with SHUTTING_DOWN; calls in flight get a grace period, then
      // are cancelled. Either way their answers go out before the transport closes.
      await app.pool.close(SHUTDOWN_GRACE_MS);
      await new Promise((resolve) => setImmediate(resolve));
      await app.mcp.close();
      await app.close();
    } catch (error) {
      logger.error({ err: String(error) }, 'error during shutdown');
    }
    clearTimeout(forced);
    logger.info({ reason }, 'stopped');
    logger.flush();
    process.exit(0);
  };

  process.stdin.on('end', () => void shutdown('stdin closed'));
  // A client that goes away mid-answer makes writes fail with EPIPE.
  process.stdout.on('error', () => void shutdown('stdout closed'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  transport.onclose = () => void shutdown('transport closed');
  process.on('unhandledRejection', (error) => {
    logger.error({ err: String(error) }, 'unhandled rejection');
  });

  await app.mcp.connect(transport);
  logger.info(
    { home: settings.home, sources: settings.sources.length, threads: settings.poolThreads },
    'swiftpatterns ready on stdio',
  );
  app.refresher.start();
  // Snapshots from an earlier run: have their index ready before the first query asks.
  app.warmer.schedule();
}

type Reject = (id: string | number | null, code: number, message: string) => void;

// JSON-RPC 2.0 error codes (https://www.jsonrpc.org/specification#error_object).
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;
/** Longest resource URI read; the SDK quotes an unknown URI back in its error. */
const MAX_URI_CHARS = 2048;

/**
 * Sits between stdin and the SDK's stdio transport and passes on only lines that are one
 * well-formed JSON-RPC message of bounded size. The SDK drops anything else without a
 * word, leaving the client to wait for a timeout; here each bad line gets a JSON-RPC error
 * (with the request's id when it can be found) and the server reads on.
 */
export class MessageGuard extends Transform {
  readonly #max: number;
  readonly #reject: Reject;
  #parts: Buffer[] = [];
  #bytes = 0;
  /** Set while skipping the rest of an oversized line: its first and last bytes. */
  #oversized: { head: Buffer; tail: Buffer } | null = null;

  constructor(maxBytes: number, reject: Reject) {
    super();
    this.#max = maxBytes;
    this.#reject = reject;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      this.#take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      this.#endLine();
      start = newline + 1;
    }
    done();
  }

  #take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#oversized) {
      this.#oversized.tail = Buffer.concat([this.#oversized.tail, piece]).subarray(-256);
      return;
    }
    if (this.#bytes + piece.length <= this.#max) {
      this.#parts.push(piece);
      this.#bytes += piece.length;
      return;
    }
    const all = Buffer.concat([...this.#parts, piece]);
    this.#oversized = { head: all.subarray(0, 256), tail: all.subarray(-256) };
    this.#parts = [];
    this.#bytes = 0;
  }

  #endLine(): void {
    if (this.#oversized) {
      const { head, tail } = this.#oversized;
      this.#oversized = null;
      this.#reject(
        sniffId(head.toString('utf8'), tail.toString('utf8')),
        INVALID_REQUEST,
        `message too large: JSON-RPC messages are limited to ${this.#max} bytes`,
      );
      return;
    }
    const line = Buffer.concat(this.#parts, this.#bytes).toString('utf8').replace(/\r$/, '');
    this.#parts = [];
    this.#bytes = 0;
    if (line.trim() === '') return;
    const problem = checkMessage(line);
    if (problem) this.#reject(problem.id, problem.code, problem.message);
    else this.push(line + '\n');
  }
}

interface Problem {
  id: string | number | null;
  code: number;
  message: string;
}

/** Why `line` is not one JSON-RPC 2.0 message the SDK can take, or null when it is. */
function checkMessage(line: string): Problem | null {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { id: null, code: PARSE_ERROR, message: `parse error: not valid JSON (${detail})` };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return {
      id: null, code: INVALID_REQUEST,
      message: 'invalid request: expected one JSON-RPC object (batches are not supported)',
    };
  }
  const message = data as Record<string, unknown>;
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
  const invalid = (why: string): Problem => ({
    id, code: INVALID_REQUEST, message: `invalid request: ${why}`,
  });
  if (message.jsonrpc !== '2.0') return invalid('"jsonrpc" must be "2.0"');
  if ('id' in message && id === null) return invalid('"id" must be a string or a number');
  if ('method' in message) {
    if (typeof message.method !== 'string') return invalid('"method" must be a string');
    const params = message.params;
    if (params !== undefined && !isObject(params)) return invalid('"params" must be an object');
    // A request the SDK's schemas refuse is dropped without an answer; a notification
    // never gets one anyway, so only requests are checked further.
    if (id === null || params === undefined) return null;
    const why = checkParams(message.method, params);
    return why ? { id, code: INVALID_PARAMS, message: `invalid params: ${why}` } : null;
  }
  if (id !== null && ('result' in message || 'error' in message)) return null;
  return invalid('a message needs a "method", or an "id" with a "result" or an "error"');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with a request's params that the SDK would not answer, or null. */
function checkParams(method: string, params: Record<string, unknown>): string | null {
  if ('_meta' in params) {
    const meta = params._meta;
    if (!isObject(meta)) return '"params._meta" must be an object';
    const token = meta.progressToken;
    if (token !== undefined && typeof token !== 'string' && !Number.isInteger(token)) {
      return '"params._meta.progressToken" must be a string or an integer';
    }
  }
  if (method === 'tools/call') {
    if (typeof params.name !== 'string') return '"params.name" must be the tool name, a string';
    if (params.arguments !== undefined && !isObject(params.arguments)) {
      return '"params.arguments" must be an object of named arguments';
    }
  }
  if (method === 'resources/read') {
    if (typeof params.uri !== 'string') return '"params.uri" must be a string';
    if (params.uri.length > MAX_URI_CHARS) {
      return `"params.uri" must be at most ${MAX_URI_CHARS} characters`;
    }
  }
  return null;
}

/** The id of a request cut off for size: the last key (SDK clients) or the first. */
function sniffId(head: string, tail: string): string | number | null {
  const last = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,100}")\s*}\s*$/.exec(tail);
  const first = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.){0,100}")/
    .exec(head);
  const raw = last?.[1] ?? first?.[1];
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as string | number;
  } catch {
    return null;
  }
}
