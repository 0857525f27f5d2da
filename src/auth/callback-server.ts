// The loopback listener the browser is redirected to at the end of a login (RFC 8252
// section 7.3). It serves one flow: it checks `state` before anything else, hands the code
// to `complete` (which does the token exchange), shows the outcome, and closes.
//
// Design: the exchange runs through the `complete` callback rather than after `result`
// settles, so the page the user sees says "connected" only once tokens are really saved.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthError, isRfcErrorCode } from './oauth-client.js';
import { silentAuthLogger } from './log.js';
import type { FlowStateStore, PendingFlow } from './flow-state.js';
import type { AuthLogger } from './log.js';

/** 5 minutes for the user to finish in the browser. */
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5 * 60 * 1000;

export interface CallbackServerOptions<T> {
  /** `http://127.0.0.1:<port>/<path>`; port 0 picks a free one (see `redirectUri`). */
  redirectUri: string;
  /** Where this flow's state was registered; a state is consumed on its first use. */
  flows: FlowStateStore;
  /** Exchanges the code; its value resolves `result`, its failure rejects it. */
  complete: (code: string, flow: PendingFlow) => Promise<T>;
  /** Default {@link DEFAULT_CALLBACK_TIMEOUT_MS}. */
  timeoutMs?: number;
  logger?: AuthLogger;
}

export interface CallbackServer<T> {
  /** The redirect URI with the real port; put this one in the authorization URL. */
  redirectUri: string;
  port: number;
  /**
   * Settles once, after the listener has closed: `complete`'s value, or an OAuthError
   * (access_denied, login_timeout, login_cancelled) or `complete`'s own error.
   */
  result: Promise<T>;
  /** Stops listening; a still pending `result` rejects with `login_cancelled`. */
  close(): Promise<void>;
}

export async function startCallbackServer<T>(
  options: CallbackServerOptions<T>,
): Promise<CallbackServer<T>> {
  const log = options.logger ?? silentAuthLogger;
  const configured = new URL(options.redirectUri);
  if (configured.hostname !== '127.0.0.1') {
    throw new TypeError('callback-server: the redirect URI must use host 127.0.0.1');
  }
  const callbackPath = configured.pathname;

  let settled = false;
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveResult!: (value: T) => void;
  let rejectResult!: (error: Error) => void;
  const result = new Promise<T>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // A caller that only awaits `close()` must not see an unhandled rejection.
  result.catch(() => {});

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: describe(error) }, 'oauth callback handler failed');
      if (!res.headersSent) page(res, 500, 'Something went wrong', 'Please try again.');
    });
  });

  const finish = (outcome: { value: T } | { error: Error }): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    // Settle only once the port is released, so a caller can start the next login at once.
    void shutdown().then(() => {
      if ('value' in outcome) resolveResult(outcome.value);
      else rejectResult(outcome.error);
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== callbackPath) return page(res, 404, 'Not found', '');
    if (req.method !== 'GET') return page(res, 405, 'Method not allowed', '');
    if (settled || busy) return page(res, 409, 'Login already handled', 'You can close this tab.');

    // State first: a request without this flow's state is not ours, whatever else it says,
    // and must neither exchange a code nor end the flow (RFC 6749 section 10.12).
    const check = options.flows.consume(url.searchParams.get('state'));
    if (!check.ok) {
      log.warn({ reason: check.reason }, 'oauth callback refused: bad state');
      return page(res, 400, 'Login link not valid',
        'This sign-in link is unknown, already used or expired. Start the login again.');
    }

    const error = url.searchParams.get('error');
    if (error !== null) {
      const code = isRfcErrorCode(error) ? error : 'server_error';
      const denied = code === 'access_denied';
      log.warn({ error: code }, 'oauth callback carried an error');
      page(res, denied ? 403 : 400, denied ? 'Access not granted' : 'Login failed', denied
        ? 'You declined access to Patreon. Nothing was saved; you can close this tab.'
        : `Patreon answered "${code}". Nothing was saved; start the login again.`);
      return finish({ error: new OAuthError(code, denied
        ? 'login refused: the user denied access (access_denied)'
        : `login failed: the authorization server answered ${code}`) });
    }

    const code = url.searchParams.get('code');
    if (!code) {
      page(res, 400, 'Login failed', 'The answer carried no authorization code.');
      return finish({ error: new OAuthError('invalid_request', 'callback without a code') });
    }

    busy = true;
    try {
      const value = await options.complete(code, check.flow);
      page(res, 200, 'Connected to Patreon', 'You can close this tab and return.');
      finish({ value });
    } catch (failure) {
      page(res, 502, 'Login failed', 'The token exchange failed; start the login again.');
      finish({ error: failure instanceof Error ? failure : new Error(String(failure)) });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(configured.port || 80), '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const actual = new URL(configured.href);
  actual.port = String(port);

  const timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
  timer = setTimeout(() => finish({
    error: new OAuthError('login_timeout',
      `login timed out after ${Math.round(timeoutMs / 1000)} s`),
  }), timeoutMs);

  let closing: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Every answer says `connection: close`, so sockets end once their page is sent;
      // idle keep-alive sockets (a browser's preconnect) go now, stragglers after 1 s.
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1000).unref();
    });
    return closing;
  }

  log.debug({ port }, 'oauth callback listening');
  return {
    redirectUri: actual.href,
    port,
    result,
    async close() {
      finish({ error: new OAuthError('login_cancelled', 'login cancelled') });
      await shutdown();
    },
  };
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  // Fixed texts only: nothing from the request is reflected into the page.
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title>`
    + `<h1>${title}</h1><p>${body}</p>`;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'",
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  res.end(html);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown';
}
