// Composition root: settings in, a ready MCP server plus the parts behind it out.
// The same object backs `npm start` (stdio) and the in-process tests.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { IntentCache } from '../intent-cache.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { Refresher } from '../sources/refresher.js';
import { SourceRegistry } from '../sources/source-registry.js';
import { QueryService } from './query-service.js';
import { registerResources } from './resources.js';
import { registerTools } from './tools.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Settings } from '../config.js';
import type { Logger } from '../logger.js';

export const SERVER_NAME = 'swiftpatterns';
export const SERVER_VERSION = '0.1.0';

export const INSTRUCTIONS = `swiftpatterns answers Swift and SwiftUI questions from curated Swift sources
(Swift by Sundell, SwiftLee, Nil Coalescing, Point-Free, the swift.org blog, Swift Evolution
and any feed the user adds).
- search_swift_content: the default for any Swift/SwiftUI/concurrency question; returns ranked
  articles with a snippet and the best matching code example. Use requireCode for code.
- get_swift_pattern: when the user wants a well-explained pattern or best practice on one
  topic; favours high-quality articles (minQuality, default 50).
- Each result links to swiftpatterns://pattern/{source}/{id}: read that resource for the
  full article text and every code block.
- list_content_sources shows which sources exist, are enabled and are healthy;
  enable_source switches one on or off; refresh_sources fetches now.
- get_server_stats reports caches, the worker pool and source freshness.`;

export interface App {
  mcp: McpServer;
  settings: Settings;
  registry: SourceRegistry;
  refresher: Refresher;
  pool: WorkerPool;
  intentCache: IntentCache<CallToolResult>;
  queries: QueryService<CallToolResult>;
  startedAt: number;
  /** Stops background work and the pool. Safe to call twice. */
  close(): Promise<void>;
}

export function createApp(settings: Settings, logger: Logger): App {
  const registry = new SourceRegistry(settings.home, settings.sources, logger);
  const pool = new WorkerPool({
    threads: settings.poolThreads,
    maxQueue: settings.poolMaxQueue,
    fileCacheBytes: settings.fileCacheBytes,
    inline: settings.inline,
    logger,
  });
  const refresher = new Refresher(registry, pool, logger, {
    refreshIntervalMs: settings.refreshIntervalMs,
    concurrency: Math.max(1, settings.poolThreads),
  });
  const intentCache = new IntentCache<CallToolResult>({
    max: settings.intentCacheMax,
    ttlMs: settings.intentCacheTtlMs,
  });
  const queries = new QueryService(registry, refresher, pool, intentCache);
  const mcp = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {}, logging: {} },
    },
  );

  let closed = false;
  const app: App = {
    mcp, settings, registry, refresher, pool, intentCache, queries,
    startedAt: Date.now(),
    async close() {
      if (closed) return;
      closed = true;
      refresher.stop();
      await pool.destroy();
      await registry.flush();
    },
  };
  registerTools(app, logger);
  registerResources(app);
  return app;
}
