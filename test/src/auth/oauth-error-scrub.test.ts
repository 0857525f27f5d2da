// A careless token endpoint that echoes the request back in error_description: no secret
// of the request may reach the error, in any encoding the echo could use.
import test from 'ava';
import { createServer } from 'node:http';
import { PatreonOAuthClient, scrub } from '../../../src/auth/oauth-client.js';
import { readPatreonConfig } from '../../../src/auth/patreon-config.js';
import { patreonEnv, rejectionOf } from '../../support/auth-fakes.js';
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';

// Every character that changes under percent, form or JSON encoding.
const SECRET = 'cs+a/b=c%d&e f"g\\h-0123456789';
const REFRESH = 'rt+1/2=3%4&5 6"7\\8-refresh';
const CODE = 'co+de/x=y%z&w v"u\\t-code';

type Echo = 'body' | 'values' | 'json';

/** The encodings a server could echo a value in (computed here, not by the code under test). */
function encodings(value: string): string[] {
  const percent = encodeURIComponent(value);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  const json = JSON.stringify(value).slice(1, -1);
  return [value, percent, percent.toLowerCase(), form, json, json.replace(/\//g, '\\/'),
    JSON.stringify(form).slice(1, -1)];
}

function describeEcho(echo: Echo, raw: string): string {
  const form = new URLSearchParams(raw);
  const secretFields = ['client_secret', 'refresh_token', 'code', 'code_verifier'];
  const values = secretFields.flatMap((field) => form.getAll(field));
  if (echo === 'body') return `bad request: ${raw}`;
  if (echo === 'json') return `bad request ${JSON.stringify(Object.fromEntries(form))}`;
  // Values only, no field names, in every encoding: these must be redacted, not dropped.
  return `bad values ${values.flatMap((v) => encodings(v)).join(' ')}`;
}

async function echoingEndpoint(t: ExecutionContext, echo: Echo) {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { raw += chunk; });
    req.on('end', () => {
      bodies.push(raw);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({
        error: 'invalid_grant', error_description: describeEcho(echo, raw),
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  const port = (server.address() as AddressInfo).port;
  const config = readPatreonConfig(patreonEnv({
    PATREON_TOKEN_URL: `http://127.0.0.1:${port}/api/oauth2/token`,
    PATREON_CLIENT_SECRET: SECRET,
  }));
  if (!config.ok) throw new Error(config.message);
  return { client: new PatreonOAuthClient(config.config), bodies };
}

function assertNoSecret(t: ExecutionContext, message: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of encodings(secret)) t.false(message.includes(form), `${form} in ${message}`);
  }
}

for (const echo of ['body', 'values', 'json'] as const) {
  test(`refresh: an echoed ${echo} leaks neither the client secret nor the refresh token`,
    async (t) => {
      const { client, bodies } = await echoingEndpoint(t, echo);
      const error = await rejectionOf(client.refresh(REFRESH));
      t.like(error, { name: 'OAuthError', code: 'invalid_grant', status: 400 });
      t.is(bodies.length, 1);
      t.true(bodies[0]!.includes('client_secret='), 'the fake saw the secret in the form');
      assertNoSecret(t, error.message, [SECRET, REFRESH]);
      if (echo === 'body') t.regex(error.message, /withheld/);
      else t.regex(error.message, /\[redacted\][^…]*$/, 'redacted, and not cut short');
    });

  test(`code exchange: an echoed ${echo} leaks neither the secret, the code nor the verifier`,
    async (t) => {
      const { client, bodies } = await echoingEndpoint(t, echo);
      const verifier = 'v'.repeat(20) + '-._~'.repeat(6);
      const error = await rejectionOf(client.exchangeCode({
        code: CODE, verifier, redirectUri: 'http://127.0.0.1:1/oauth/callback',
      }));
      t.like(error, { code: 'invalid_grant' });
      t.true(bodies[0]!.includes('code_verifier='));
      assertNoSecret(t, error.message, [SECRET, CODE, verifier]);
      if (echo === 'values') t.false(error.message.endsWith('…'), 'every echo was checked');
    });
}

test('scrub redacts percent-encoded forms in either hex case, and nothing else', (t) => {
  t.is(scrub('plain text', ['secret-value']), 'plain text');
  t.is(scrub('a cs%2Ba%2Fb b', ['cs+a/b']), 'a [redacted] b');
  t.is(scrub('a cs%2ba%2fb b', ['cs+a/b']), 'a [redacted] b');
  t.is(scrub('x "a\\"b" y', ['a"b-c']), 'x "a\\"b" y', 'a different value stays');
});
