// Composition root: settings in, a ready MCP server plus the parts behind it out.
// The same object backs `npm start` (stdio) and the in-process tests.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { IntentCache } from '../intent-cache.js';
import { PATREON_SOURCE_ID, PatreonSource } from '../patreon/patreon-source.js';
import { poolOptionsFrom, WorkerPool } from '../pool/worker-pool.js';
import { IndexWarmer } from '../sources/index-warmer.js';
import { Refresher } from '../sources/refresher.js';
import { SourceRegistry } from '../sources/source-registry.js';
import { QueryService } from './query-service.js';
import { registerResources } from './resources.js';
import { registerTools } from './tools.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Settings } from '../config.js';
import type { Logger } from '../logger.js';
import type { CustomRefresh } from '../sources/refresher.js';

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
- get_server_stats reports caches, the worker pool and source freshness.
- Patreon (posts of creators the user supports): setup_patreon start gives a login URL for
  the user to open, setup_patreon status tells whether it worked; then enable_source
  {source: "patreon"}. get_patreon_patterns searches only those posts; search_swift_content
  includes them while the source is enabled.`;

export interface App {
  mcp: McpServer;
  settings: Settings;
  registry: SourceRegistry;
  refresher: Refresher;
  pool: WorkerPool;
  /** Builds the index of changed snapshots off the query path. */
  warmer: IndexWarmer;
  intentCache: IntentCache<CallToolResult>;
  queries: QueryService<CallToolResult>;
  /** The Patreon connection and source (present even when Patreon is not configured). */
  patreon: PatreonSource;
  startedAt: number;
  /** Stops background work and the pool. Safe to call twice. */
  close(): Promise<void>;
}

export function createApp(
  settings: Settings,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): App {
  const pool = new WorkerPool(poolOptionsFrom(settings, logger));
  const patreon = new PatreonSource({
    home: settings.home, env, pool, logger: logger.child({ component: 'patreon' }),
  });
  const registry = new SourceRegistry(settings.home, patreon.withSource(settings.sources), logger);
  const customRefresh = new Map<string, CustomRefresh>();
  if (patreon.configured) {
    customRefresh.set(PATREON_SOURCE_ID, (signal) => patreon.refresh(signal));
  }
  const warmer: IndexWarmer = new IndexWarmer(registry, pool, logger, {
    settled: () => refresher.firstFetchesSettled(),
  });
  const refresher: Refresher = new Refresher(registry, pool, logger, {
    refreshIntervalMs: settings.refreshIntervalMs,
    // One thread stays free of refresh work, so queries never queue behind every refresh.
    concurrency: Math.max(1, settings.poolThreads - 1),
    customRefresh,
    onSnapshotChanged: () => warmer.schedule(),
  });
  // A new login (e.g. after the old one expired) refreshes the source if it is in use.
  patreon.onLogin(() => {
    if (registry.get(PATREON_SOURCE_ID)?.enabled) {
      void refresher.refresh(PATREON_SOURCE_ID, { force: true });
    }
  });
  const intentCache = new IntentCache<CallToolResult>({
    max: settings.intentCacheMax,
    ttlMs: settings.intentCacheTtlMs,
  });
  const queries = new QueryService(registry, refresher, warmer, pool, intentCache);
  const mcp = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: {}, resources: {}, logging: {} },
    },
  );

  let closed = false;
  const app: App = {
    mcp, settings, registry, refresher, warmer, pool, intentCache, queries, patreon,
    startedAt: Date.now(),
    async close() {
      if (closed) return;
      closed = true;
      refresher.stop();
      await patreon.close();
      await pool.destroy();
      await registry.flush();
    },
  };
  registerTools(app, logger);
  registerResources(app);
  return app;
}
