#!/usr/bin/env node
// The `swiftpatterns` command. No argument: the MCP server on stdio. Other commands
// manage sources and data; they print to stdout because no JSON-RPC runs then.
import { ConfigError, loadSettings } from './config.js';
import { createLogger } from './logger.js';
import { runSourceCommand, sourceCommands } from './commands/sources.js';
import { runRefresh } from './commands/refresh.js';
import { serve } from './serve.js';

const USAGE = `usage: swiftpatterns [command]

  (no command)              run the MCP server on stdio
  refresh                   fetch every enabled source now
  sources                   list sources and their state
  sources add <url> [--id <id>] [--name <name>]
  sources remove <id>
  sources import <file.opml>
  help                      this text

Environment: SWIFTPATTERNS_HOME (data directory), SWIFTPATTERNS_CONFIG (config file),
SWIFTPATTERNS_LOG_LEVEL (info), SWIFTPATTERNS_TOOL_TIMEOUT_MS, SWIFTPATTERNS_POOL_THREADS.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const settings = loadSettings();
  const logger = createLogger();
  if (command === undefined || command === 'serve') {
    await serve(settings, logger);
    return -1; // keeps running
  }
  if (command === 'refresh') return runRefresh(settings);
  if (command === 'sources' && (rest.length === 0 || sourceCommands.has(rest[0] ?? ''))) {
    return runSourceCommand(settings, rest);
  }
  process.stderr.write(`swiftpatterns: unknown command "${command}"\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`swiftpatterns: ${message}\n`);
    process.exitCode = 1;
  },
);
