// Helpers shared by the fault tests: the real server with fault injection switched on, its
// stats, and a raw stdio client for what the SDK client would never send.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliEntry, makeHome, startServer, textOf, writeConfig } from '../support/server-process.js';
import { projectRoot } from '../support/fixture-server.js';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ServerHandle, SourceSpec } from '../support/server-process.js';

export const FAULT = 'swiftpatterns-fault:';

export interface Stats {
  intentCache: { hits: number; misses: number };
  fileCache: {
    hits: number; misses: number; evictions: number; bytes: number; entries: number;
    perWorker: Array<{ threadId: number; alive: boolean; hits: number; misses: number }>;
  };
  pool: {
    threads: number; idleThreads: number; queueSize: number; maxQueue: number;
    workerRestarts: number; active: number; completed: number;
  };
  memory: { rss: number; heapUsed: number };
  dataDirectoryWritable: boolean;
  sources: Array<{ id: string; itemCount: number; lastError: string | null }>;
}

export interface SourceRow {
  id: string;
  url: string;
  status: string;
  itemCount: number;
  fetchedAt: string | null;
  lastError: { code: string; message: string } | null;
}

/** The real server with SWIFTPATTERNS_TEST_FAULTS=1 and quiet logs. */
export function startFaultServer(
  sources: SourceSpec[],
  env: Record<string, string> = {},
  options: { home?: string; keepHome?: boolean } = {},
): Promise<ServerHandle> {
  return startServer(sources, {
    ...options,
    env: { SWIFTPATTERNS_TEST_FAULTS: '1', SWIFTPATTERNS_LOG_LEVEL: 'warn', ...env },
  });
}

export async function statsOf(server: ServerHandle): Promise<Stats> {
  return (await server.call('get_server_stats')).structuredContent as unknown as Stats;
}

export async function sourcesOf(server: ServerHandle): Promise<SourceRow[]> {
  const result = await server.call('list_content_sources');
  return (result.structuredContent as { sources: SourceRow[] }).sources;
}

/** `CODE` of an error result (`CODE: message`), or 'ok'. */
export function outcome(result: CallToolResult): string {
  if (!result.isError) return 'ok';
  return /^([A-Z_]+):/.exec(textOf(result))?.[1] ?? textOf(result);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value (ava's timeout bounds the wait). */
export async function eventually<T>(check: () => Promise<T> | T, everyMs = 100): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await sleep(everyMs);
  }
}

export interface RawServer {
  child: ChildProcessWithoutNullStreams;
  home: string;
  /** Writes one line (an object is JSON-encoded) to the server's stdin. */
  send(message: object | string): void;
  /** Resolves with the first message whose id is `id` (null: an error without id). */
  response(id: string | number | null): Promise<Record<string, any>>;
  /** Every line the server wrote to stdout, parsed. */
  messages: Array<Record<string, any>>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends initialize + initialized and waits for the answer. */
  initialize(): Promise<void>;
}

/** The server process driven over raw stdio lines, without the SDK client. */
export async function startRawServer(
  sources: SourceSpec[],
  env: Record<string, string> = {},
): Promise<RawServer> {
  const home = await makeHome();
  const config = await writeConfig(home, sources);
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      SWIFTPATTERNS_HOME: home,
      SWIFTPATTERNS_CONFIG: config,
      SWIFTPATTERNS_LOG_LEVEL: 'info',
      SWIFTPATTERNS_POOL_THREADS: '1',
      SWIFTPATTERNS_TEST_FAULTS: '1',
      ...env,
    },
  });
  const messages: Array<Record<string, any>> = [];
  const waiters: Array<() => void> = [];
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    let newline: number;
    while ((newline = stdout.indexOf('\n')) !== -1) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      // A line that is not JSON fails the test that reads `messages` (stdout purity).
      messages.push(line.trim() ? JSON.parse(line) : {});
      for (const wake of waiters.splice(0)) wake();
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal })) as RawServer['exited'];
  // Keeps a write to a dead child from throwing EPIPE into the test.
  child.stdin.on('error', () => {});

  const raw: RawServer = {
    child,
    home,
    send: (message) =>
      void child.stdin.write((typeof message === 'string' ? message : JSON.stringify(message)) + '\n'),
    messages,
    stderr: () => stderr,
    exited,
    response: async (id) => {
      for (;;) {
        const found = messages.find((m) => m.id === id && ('result' in m || 'error' in m));
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`server exited; stderr:\n${stderr}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    initialize: async () => {
      raw.send({
        jsonrpc: '2.0', id: 'init', method: 'initialize',
        params: {
          protocolVersion: '2025-06-18', capabilities: {},
          clientInfo: { name: 'raw-test', version: '1' },
        },
      });
      await raw.response('init');
      raw.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    },
  };
  return raw;
}

/** A tools/call request line. */
export function toolCall(id: string | number, name: string, args: Record<string, unknown>) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}
