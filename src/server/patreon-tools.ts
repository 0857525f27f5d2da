// The Patreon tools: setup_patreon (log in from the assistant) and get_patreon_patterns
// (search only the posts of supported creators), plus the Patreon details that
// list_content_sources and enable_source add. Nothing here ever returns a token: the
// session reports states, identities and expiry times only.
import { z } from 'zod';
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { describeCampaigns, PATREON_SOURCE_ID } from '../patreon/patreon-source.js';
import { renderSearch } from './render.js';
import { patternInput, searchOutput } from './schemas.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult, ServerNotification, ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { PatreonStatus } from '../auth/patreon-session.js';
import type { ProgressListener } from '../sources/refresher.js';
import type { App } from './app.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The wrapper `registerTools` puts around every handler (deadline, error results). */
export type Guard = <A>(
  name: string,
  handler: (args: A, extra: Extra, signal: AbortSignal) => Promise<CallToolResult>,
) => (args: A, extra: Extra) => Promise<CallToolResult>;

const setupInput = {
  action: z.enum(['start', 'status']).describe(
    'start: begin a login and get the URL to open; status: is Patreon connected?'),
};

const setupOutput = {
  state: z.enum(['connected', 'not_configured', 'disconnected', 'expired', 'error']),
  message: z.string(),
  identity: z.object({ id: z.string(), name: z.string() }).nullable(),
  expiresAt: z.string().nullable(),
  missing: z.array(z.string()),
  loginPending: z.boolean(),
  lastLoginError: z.object({ code: z.string(), message: z.string(), at: z.string() })
    .nullable()
    .describe('Why the last login failed (e.g. invalid_client, access_denied), or null'),
  authorizationUrl: z.string().optional(),
  redirectUri: z.string().optional(),
  browserOpened: z.boolean().optional(),
};

const patreonPatternInput = {
  topic: patternInput.topic,
  minQuality: z.number().min(0).max(100).optional()
    .describe('Lowest quality score (0-100) to return; default 0 (every matching post)'),
  requireCode: patternInput.requireCode,
};

/** The status fields a client may see (no scope, no token, ever). */
function publicStatus(status: PatreonStatus) {
  return {
    state: status.state, message: status.message, identity: status.identity,
    expiresAt: status.expiresAt, missing: status.missing, loginPending: status.loginPending,
    lastLoginError: status.lastLoginError,
    // While a login waits, its URL again: the user may have lost the first answer.
    ...(status.pendingLoginUrl === null ? {} : { authorizationUrl: status.pendingLoginUrl }),
  };
}

/** Refuses to enable the Patreon source until the connection works. */
export async function checkPatreonEnable(app: App, id: string, enabled: boolean): Promise<void> {
  if (!enabled || id !== PATREON_SOURCE_ID) return;
  if (app.patreon.handles(id) || !app.registry.get(id)) {
    await app.patreon.requireConnected({ verify: true });
  }
}

/** Extra fields and a text suffix for the Patreon row of list_content_sources. */
export async function patreonListDetails(app: App): Promise<{
  fields: Record<string, unknown>;
  suffix: string;
}> {
  const status = await app.patreon.session.status();
  const report = app.patreon.campaigns();
  return {
    fields: { connection: status.state, campaigns: report?.campaigns ?? null },
    suffix: ` — Patreon ${status.state}; ${describeCampaigns(report)}`,
  };
}

export function registerPatreonTools(
  app: App,
  guarded: Guard,
  progressFor: (extra: Extra) => ProgressListener | undefined,
): void {
  const { mcp, registry, queries, patreon, settings } = app;

  mcp.registerTool(
    'setup_patreon',
    {
      title: 'Connect Patreon',
      description:
        'Connects the user\'s Patreon account so posts of creators they support become ' +
        'searchable. action "start" returns a login URL for the user to open (a browser ' +
        'may open by itself); the login then completes in the background (when already ' +
        'connected, start does nothing). action "status" tells whether the connection works.',
      inputSchema: setupInput,
      outputSchema: setupOutput,
      annotations: {
        readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true,
      },
    },
    guarded('setup_patreon', async (args: { action: 'start' | 'status' }) => {
      if (args.action === 'status') {
        const status = publicStatus(await patreon.session.status({ verify: true }));
        return {
          content: [{ type: 'text', text: `Patreon: ${status.state}. ${status.message}` }],
          structuredContent: status,
        };
      }

      const { status, login } = await patreon.startLogin();
      if (!login) {
        return {
          content: [{ type: 'text', text: `Patreon is already connected. ${status.message}` }],
          structuredContent: publicStatus(status),
        };
      }
      const opened = login.browser !== null;
      const text = [
        opened
          ? 'A browser window should have opened; if not, open this URL to log in to Patreon:'
          : 'Ask the user to open this URL in a browser to log in to Patreon:',
        login.authorizationUrl,
        'The login completes in the background; check with setup_patreon {action: "status"}, ' +
          'then enable_source {source: "patreon"}.',
      ].join('\n');
      return {
        content: [{ type: 'text', text }],
        structuredContent: {
          ...publicStatus(status),
          authorizationUrl: login.authorizationUrl,
          redirectUri: login.redirectUri,
          browserOpened: opened,
        },
      };
    }),
  );

  mcp.registerTool(
    'get_patreon_patterns',
    {
      title: 'Get patterns from Patreon posts',
      description:
        'Searches only the Patreon posts of creators the user supports (needs setup_patreon ' +
        'and the "patreon" source enabled). Best matches first, with code examples.',
      inputSchema: patreonPatternInput,
      outputSchema: searchOutput,
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    guarded('get_patreon_patterns', async (
      args: { topic: string; minQuality?: number; requireCode?: boolean },
      extra,
      signal,
    ) => {
      await patreon.requireConnected();
      const state = registry.get(PATREON_SOURCE_ID);
      if (!state?.enabled) {
        throw new SwiftPatternsError(ErrorCodes.INVALID_ARGUMENT,
          'the patreon source is disabled: enable it with enable_source {source: "patreon"}');
      }
      if (state.snapshot && state.snapshot.itemCount === 0) {
        throw new SwiftPatternsError(ErrorCodes.NO_CONTENT,
          `no Patreon posts yet (${describeCampaigns(patreon.campaigns())})`);
      }
      const { value } = await queries.run(
        {
          tool: 'get_patreon_patterns', mode: 'pattern', query: args.topic,
          sources: [PATREON_SOURCE_ID], minQuality: args.minQuality ?? 0,
          requireCode: args.requireCode, limit: 5,
        },
        { signal, deadlineMs: settings.toolTimeoutMs, onProgress: progressFor(extra) },
        (result) => renderSearch('Patreon patterns', args.topic, result, registry),
      );
      return value;
    }),
  );
}
