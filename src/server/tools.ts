// The MCP tools. Handlers stay thin: validate what the schema cannot, call the query
// service or the registry, render. Failures inside a tool become results flagged as
// errors with a stable code, so the assistant can read what went wrong.
import { z } from 'zod';
import { untilAborted } from '../abortable.js';
import { describeError, ErrorCodes, SwiftPatternsError } from '../errors.js';
import { redactUrl } from '../../workers/ingest/feed-error.js';
import { checkPatreonEnable, patreonListDetails, registerPatreonTools } from './patreon-tools.js';
import { renderSearch } from './render.js';
import {
  enableInput, patternInput, refreshInput, searchInput, searchOutput,
} from './schemas.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult, ServerNotification, ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../logger.js';
import type { QueryRequest } from './query-service.js';
import type { SearchResult } from '../../workers/protocol.js';
import type { ProgressListener } from '../sources/refresher.js';
import type { App } from './app.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false } as const;

export function toolError(error: unknown): CallToolResult {
  const code = (error as { code?: unknown })?.code;
  const prefix = typeof code === 'string' ? `${code}: ` : '';
  return { isError: true, content: [{ type: 'text', text: prefix + describeError(error) }] };
}

/** Sends MCP progress notifications when, and only when, the client asked for them. */
function progressFor(extra: Extra): ProgressListener | undefined {
  const token = extra._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress, total, message) => {
    extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total, message },
      })
      .catch(() => {});
  };
}

export function registerTools(app: App, logger: Logger): void {
  const { mcp, registry, refresher, queries, settings } = app;
  const deadlineMs = settings.toolTimeoutMs;

  /** Wraps a handler with the call's deadline and uniform error handling. */
  type Handler<A> = (args: A, extra: Extra, signal: AbortSignal) => Promise<CallToolResult>;
  const guarded =
    <A>(name: string, handler: Handler<A>) =>
    async (args: A, extra: Extra): Promise<CallToolResult> => {
      const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(deadlineMs)]);
      try {
        return await handler(args, extra, signal);
      } catch (error) {
        const failure = extra.signal.aborted
          ? new SwiftPatternsError(ErrorCodes.CANCELLED, 'the request was cancelled')
          : signal.aborted && !(error instanceof SwiftPatternsError)
            ? new SwiftPatternsError(
                ErrorCodes.DEADLINE_EXCEEDED,
                `${name} did not finish within ${deadlineMs} ms ` +
                  '(SWIFTPATTERNS_TOOL_TIMEOUT_MS); try again shortly',
              )
            : error;
        logger.warn({ tool: name, err: describeError(failure) }, 'tool call failed');
        return toolError(failure);
      }
    };

  /** Runs a search through the query service and renders its answer. */
  const search = async (
    heading: string,
    extra: Extra,
    signal: AbortSignal,
    request: QueryRequest,
  ): Promise<CallToolResult> => {
    const context = { signal, deadlineMs, onProgress: progressFor(extra) };
    const render = (result: SearchResult) => renderSearch(heading, request.query, result, registry);
    return (await queries.run(request, context, render)).value;
  };

  mcp.registerTool(
    'search_swift_content',
    {
      title: 'Search Swift content',
      description:
        'Full-text search over Swift and SwiftUI articles from the enabled sources. Returns ' +
        'ranked results with a snippet, the best matching code example and a link to the ' +
        'full text.',
      inputSchema: searchInput,
      outputSchema: searchOutput,
      annotations: readOnly,
    },
    guarded('search_swift_content', (args, extra, signal) =>
      search('Swift content', extra, signal, {
        tool: 'search_swift_content', mode: 'search', query: args.query,
        sources: args.sources, requireCode: args.requireCode, limit: args.limit ?? 8,
      }),
    ),
  );

  mcp.registerTool(
    'get_swift_pattern',
    {
      title: 'Get a Swift pattern',
      description:
        'Best-practice articles on one Swift or SwiftUI topic, favouring high-quality, ' +
        'well-explained articles with code. Use minQuality (0-100) to be stricter.',
      inputSchema: patternInput,
      outputSchema: searchOutput,
      annotations: readOnly,
    },
    guarded('get_swift_pattern', (args, extra, signal) =>
      search('Swift patterns', extra, signal, {
        tool: 'get_swift_pattern', mode: 'pattern', query: args.topic,
        sources: args.source ? [args.source] : undefined,
        minQuality: args.minQuality ?? 50, requireCode: args.requireCode, limit: 5,
      }),
    ),
  );

  mcp.registerTool(
    'list_content_sources',
    {
      title: 'List content sources',
      description: 'Every configured source: enabled or not, item count, freshness, last error.',
      inputSchema: {},
      outputSchema: { sources: z.array(z.record(z.string(), z.unknown())) },
      annotations: readOnly,
    },
    guarded('list_content_sources', async () => {
      const sources = registry.all().map((s) => ({
        id: s.config.id,
        name: s.config.name,
        url: redactUrl(s.config.url), // userinfo and query may hold a feed token
        enabled: s.enabled,
        status: s.lastError ? 'error' : s.snapshot ? 'ok' : 'pending',
        refreshing: refresher.isRefreshing(s.config.id),
        itemCount: s.snapshot?.itemCount ?? 0,
        fetchedAt: s.snapshot?.fetchedAt ?? null,
        lastSuccess: s.lastSuccess,
        lastError: s.lastError,
      }));
      const lines = sources.map((s) => {
        const state = s.enabled ? s.status : 'disabled';
        const error = s.lastError ? ` — last error: ${s.lastError.message}` : '';
        const fresh = s.lastSuccess ? `, last success ${s.lastSuccess.slice(0, 16)}Z` : '';
        return `- ${s.id} (${s.name}): ${state}, ${s.itemCount} articles${fresh}${error}`;
      });
      // The Patreon row also shows the connection and each campaign's status (no access...).
      const patreonRow = sources.findIndex((s) => app.patreon.handles(s.id));
      if (patreonRow >= 0) {
        const details = await patreonListDetails(app);
        Object.assign(sources[patreonRow]!, details.fields);
        lines[patreonRow] += details.suffix;
      }
      return {
        content: [{ type: 'text', text: `${sources.length} sources:\n${lines.join('\n')}` }],
        structuredContent: { sources },
      };
    }),
  );

  mcp.registerTool(
    'enable_source',
    {
      title: 'Enable or disable a source',
      description: 'Switches a source on (default) or off at run time; the choice is saved.',
      inputSchema: enableInput,
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded('enable_source', async (args) => {
      // Patreon needs a working connection first (PATREON_NOT_CONNECTED otherwise).
      await checkPatreonEnable(app, args.source, args.enabled ?? true);
      const state = registry.get(args.source);
      if (!state) {
        const known = registry.all().map((s) => s.config.id).join(', ');
        throw new SwiftPatternsError(
          ErrorCodes.UNKNOWN_SOURCE,
          `unknown source "${args.source}"; known sources: ${known}`,
        );
      }
      const enabled = args.enabled ?? true;
      registry.setEnabled(args.source, enabled);
      app.warmer.schedule();
      if (enabled && !state.snapshot) void refresher.refresh(args.source);
      const verb = enabled ? 'enabled' : 'disabled';
      let text = `${state.config.name} (${args.source}) is ${verb}.`;
      // The choice is meant to be saved; say so when it could not be.
      await registry.flush();
      if (!registry.stateSaved) {
        text += ' It could not be saved (the data directory is not writable), so the change ' +
          'holds only until the server restarts.';
      }
      return { content: [{ type: 'text', text }] };
    }),
  );

  mcp.registerTool(
    'refresh_sources',
    {
      title: 'Refresh sources now',
      description: 'Fetches, parses and re-indexes every enabled source (or one) now.',
      inputSchema: refreshInput,
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: true },
    },
    guarded('refresh_sources', async (args, extra, signal) => {
      const ids = args.source ? [args.source] : registry.enabled().map((s) => s.config.id);
      if (args.source && !registry.get(args.source)) {
        throw new SwiftPatternsError(ErrorCodes.UNKNOWN_SOURCE, `unknown source "${args.source}"`);
      }
      // The refreshes are shared (queries and the timer may wait on them), so the call's
      // deadline or cancellation ends only this wait; progress stops with the call.
      const progress = progressFor(extra);
      const outcomes = await untilAborted(
        refresher.refreshAll(ids, {
          onProgress: progress && ((...a) => void (signal.aborted || progress(...a))),
        }),
        signal,
      ).catch((error: unknown) => {
        if (extra.signal.aborted || !signal.aborted) throw error;
        throw new SwiftPatternsError(
          ErrorCodes.DEADLINE_EXCEEDED,
          `refresh_sources did not finish within ${deadlineMs} ms ` +
            '(SWIFTPATTERNS_TOOL_TIMEOUT_MS); the refresh goes on in the background: ' +
            'list_content_sources shows its outcome',
        );
      });
      const lines = outcomes.map((o) =>
        o.ok
          ? `- ${o.source}: ${o.result?.outcome}, ${o.result?.itemCount} articles`
          : `- ${o.source}: failed — ${o.error?.message}`,
      );
      const text = `Refreshed ${ids.length} source(s):\n${lines.join('\n')}`;
      return { content: [{ type: 'text', text }] };
    }),
  );

  mcp.registerTool(
    'get_server_stats',
    {
      title: 'Server statistics',
      description: 'Intent cache, per-worker file caches, worker pool, memory and source freshness.',
      inputSchema: {},
      outputSchema: {
        intentCache: z.record(z.string(), z.unknown()),
        fileCache: z.record(z.string(), z.unknown()),
        pool: z.record(z.string(), z.unknown()),
        memory: z.record(z.string(), z.unknown()),
        uptimeSeconds: z.number(),
        dataDirectoryWritable: z.boolean(),
        sources: z.array(z.record(z.string(), z.unknown())),
      },
      annotations: readOnly,
    },
    guarded('get_server_stats', async () => {
      const memory = process.memoryUsage();
      const stats = {
        intentCache: app.intentCache.stats(),
        fileCache: app.pool.fileCache(),
        pool: app.pool.stats(),
        memory: { rss: memory.rss, heapUsed: memory.heapUsed, external: memory.external },
        uptimeSeconds: Math.round((Date.now() - app.startedAt) / 1000),
        dataDirectoryWritable: !registry.readOnly,
        sources: registry.all().map((s) => ({
          id: s.config.id,
          enabled: s.enabled,
          itemCount: s.snapshot?.itemCount ?? 0,
          fetchedAt: s.snapshot?.fetchedAt ?? null,
          lastSuccess: s.lastSuccess,
          ageSeconds: s.lastSuccess
            ? Math.round((Date.now() - Date.parse(s.lastSuccess)) / 1000)
            : null,
          lastError: s.lastError?.message ?? null,
        })),
      };
      return {
        content: [{ type: 'text', text: JSON.stringify(stats, null, 2) }],
        structuredContent: stats,
      };
    }),
  );

  registerPatreonTools(app, guarded, progressFor);
}
