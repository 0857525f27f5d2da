// Starts the real server process (src/cli.ts through tsx) with its own data directory
// and config, and connects the MCP SDK client over stdio, as an MCP client does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { projectRoot } from './fixture-server.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface SourceSpec {
  id: string;
  name?: string;
  url: string;
  enabled?: boolean;
}

export interface ServerHandle {
  client: Client;
  home: string;
  /** Everything the server wrote to stderr so far. */
  stderr: () => string;
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult>;
  close: () => Promise<void>;
}

export const cliEntry = path.join(projectRoot, 'src', 'cli.ts');

export async function makeHome(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'swiftpatterns-test-'));
}

export async function writeConfig(home: string, sources: SourceSpec[], extra = {}): Promise<string> {
  const file = path.join(home, 'test-config.json');
  const body = { sources: sources.map((s) => ({ name: s.id, ...s })), ...extra };
  await writeFile(file, JSON.stringify(body, null, 2));
  return file;
}

export async function startServer(
  sources: SourceSpec[],
  options: { env?: Record<string, string>; home?: string; keepHome?: boolean } = {},
): Promise<ServerHandle> {
  const home = options.home ?? (await makeHome());
  const config = await writeConfig(home, sources);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    SWIFTPATTERNS_HOME: home,
    SWIFTPATTERNS_CONFIG: config,
    SWIFTPATTERNS_LOG_LEVEL: 'info',
    SWIFTPATTERNS_POOL_THREADS: '2',
    // Test files run side by side on 2 cores: a cold first query (fetch, parse and index
    // 11 MB of Swift Evolution) can take far longer than on an idle machine.
    SWIFTPATTERNS_TOOL_TIMEOUT_MS: '90000',
    ...options.env,
  };
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', cliEntry],
    env,
    cwd: projectRoot,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'swiftpatterns-test', version: '1.0.0' });
  await client.connect(transport);

  return {
    client,
    home,
    stderr: () => stderr,
    call: async (name, args = {}) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult,
    close: async () => {
      await client.close();
      if (!options.keepHome) await rm(home, { recursive: true, force: true });
    },
  };
}

export function textOf(result: CallToolResult): string {
  return result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

export interface ResultRow {
  title: string;
  url: string;
  source: string;
  score: number;
  hasCode: boolean;
  resourceUri: string;
}

export function resultsOf(result: CallToolResult): ResultRow[] {
  const structured = result.structuredContent as { results?: ResultRow[] } | undefined;
  if (!structured?.results) throw new Error(`no structured results: ${textOf(result)}`);
  return structured.results;
}

/** The Swift fixture feeds, as sources served by `origin`. */
export function swiftSources(origin: string): SourceSpec[] {
  return [
    { id: 'swift-org', name: 'Swift.org blog', url: `${origin}/swift-org-archive.atom` },
    { id: 'swift-evolution', name: 'Swift Evolution', url: `${origin}/swift-evolution.rss` },
    { id: 'tca', name: 'TCA articles', url: `${origin}/tca-articles.rss` },
    { id: 'natasha', name: 'Natasha The Robot', url: `${origin}/natasha.rss` },
  ];
}
