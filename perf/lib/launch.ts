// Starts a server process and connects the MCP SDK client to it over stdio, exactly as an MCP
// client would: spawn, initialize, tools/list. Start-up is timed from the spawn.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { onInterrupt } from './exit-cleanup.js';
import { elapsedMicros, now } from './histogram.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Entry files, relative to the project root. */
export const entries = {
  server: 'src/cli.ts',
  floor: 'perf/floor-server.ts',
} as const;
export type EntryName = keyof typeof entries;

/** The floor server's only tool (see perf/floor-server.ts). */
export const floorTool = 'floor';

export interface LaunchOptions {
  entry: EntryName;
  /** Added to the SDK's default inherited environment. */
  env?: Record<string, string>;
  /** Per-call timeout in ms (the SDK's default is 60 s). Default 120 000. */
  callTimeoutMs?: number;
}

export interface LaunchedServer {
  readonly entry: EntryName;
  readonly pid: number;
  readonly client: Client;
  /** Spawn to a finished `initialize` + `tools/list`, in microseconds. */
  readonly connectMicros: number;
  /** `now()` reading taken just before the spawn, to time the first call from it. */
  readonly spawnedAt: bigint;
  /** Names from `tools/list`. */
  readonly tools: string[];
  call(name: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<CallToolResult>;
  /** The process's resident set size from /proc (Linux), or null. */
  rssBytes(): Promise<number | null>;
  /** CPU time (user + system, all threads) the process used so far, in ms, or null. */
  cpuMs(): Promise<number | null>;
  /** The last 16 KB the process wrote to stderr, for error messages. */
  stderrTail(): string;
  close(): Promise<void>;
}

const stderrKeep = 16 * 1024;

export async function launch(options: LaunchOptions): Promise<LaunchedServer> {
  const callTimeoutMs = options.callTimeoutMs ?? 120_000;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', entries[options.entry]],
    cwd: projectRoot,
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-stderrKeep);
  });

  const client = new Client({ name: 'swiftpatterns-perf', version: '0.1.0' });
  const spawnedAt = now();
  try {
    await client.connect(transport, { timeout: callTimeoutMs });
  } catch (error) {
    await transport.close().catch(() => {});
    throw new Error(`could not start ${options.entry}: ${String(error)}\n${stderr}`);
  }
  const { tools } = await client.listTools(undefined, { timeout: callTimeoutMs });
  const connectMicros = elapsedMicros(spawnedAt);
  const pid = transport.pid ?? -1;
  const forget = onInterrupt(() => client.close().catch(() => {}));

  return {
    entry: options.entry,
    pid,
    client,
    connectMicros,
    spawnedAt,
    tools: tools.map((tool) => tool.name),
    call: async (name, args = {}, timeoutMs = callTimeoutMs) =>
      (await client.callTool({ name, arguments: args }, undefined, {
        timeout: timeoutMs,
      })) as CallToolResult,
    rssBytes: () => readRss(pid),
    cpuMs: () => readCpuMs(pid),
    stderrTail: () => stderr,
    close: async () => {
      forget();
      await client.close().catch(() => {});
    },
  };
}

/** VmRSS of a process in bytes, from /proc; null where /proc is missing. */
export async function readRss(pid: number): Promise<number | null> {
  if (pid <= 0) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const match = status?.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  return match ? Number(match[1]) * 1024 : null;
}

// /proc/<pid>/stat counts in clock ticks; 100 per second on every Linux this runs on.
const ticksPerSecond = 100;

/** utime + stime of a process in ms, from /proc; null where /proc is missing. */
export async function readCpuMs(pid: number): Promise<number | null> {
  if (pid <= 0) return null;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // The command name may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : null;
}
