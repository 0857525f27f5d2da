// `swiftpatterns` with no command: the MCP server on stdio. stdout carries JSON-RPC
// only; everything else goes to the stderr logger.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApp } from './server/app.js';
import type { Settings } from './config.js';
import type { Logger } from './logger.js';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_BOUND_MS = 5_000;

export async function serve(settings: Settings, logger: Logger): Promise<void> {
  const app = createApp(settings, logger);
  const transport = new StdioServerTransport();

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
      await app.mcp.close();
      await app.close();
    } catch (error) {
      logger.error({ err: String(error) }, 'error during shutdown');
    }
    clearTimeout(forced);
    process.exit(0);
  };

  process.stdin.on('end', () => void shutdown('stdin closed'));
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
}
