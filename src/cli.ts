#!/usr/bin/env node
// The `swiftpatterns` command. No argument: the MCP server on stdio. Other commands
// manage sources and data; they print to stdout because no JSON-RPC runs then.
import { ConfigError, loadSettings } from './config.js';
import { createLogger } from './logger.js';
import { runSourceCommand, sourceCommands } from './commands/sources.js';
import { runPatreonCommand } from './commands/patreon.js';
import { runRefresh } from './commands/refresh.js';
import { serve } from './serve.js';

const USAGE = `usage: swiftpatterns [command]

  (no command)              run the MCP server on stdio
  refresh                   fetch every enabled source now
  sources                   list sources and their state
  sources add <url> [--id <id>] [--name <name>]
  sources remove <id>
  sources import <file.opml>
  patreon login             log in to Patreon (prints the URL, opens a browser)
  patreon status            is Patreon connected? (exit code 1 when not)
  patreon logout            delete the Patreon tokens and downloaded posts
  help                      this text

Environment: SWIFTPATTERNS_HOME (data directory), SWIFTPATTERNS_CONFIG (config file),
SWIFTPATTERNS_LOG_LEVEL (info), SWIFTPATTERNS_TOOL_TIMEOUT_MS, SWIFTPATTERNS_POOL_THREADS,
PATREON_CLIENT_ID and PATREON_CLIENT_SECRET (Patreon; see the README).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const settings = loadSettings(process.env, { allowMissingConfig: command === 'sources' });
  const logger = createLogger();
  if (command === undefined || command === 'serve') {
    await serve(settings, logger);
    return -1; // keeps running
  }
  if (command === 'refresh') return runRefresh(settings);
  if (command === 'sources' && (rest.length === 0 || sourceCommands.has(rest[0] ?? ''))) {
    return runSourceCommand(settings, rest);
  }
  if (command === 'patreon') {
    return runPatreonCommand(settings, rest, { logger });
  }
  process.stderr.write(`swiftpatterns: unknown command "${command}"\n${USAGE}\n`);
  return 2;
}

// `swiftpatterns sources | head` closes the pipe early: that is the reader's choice, not
// an error worth a stack trace. (The server never gets here: it has its own transport.)
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

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
