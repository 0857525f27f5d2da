import test from 'ava';
import {
  DEFAULT_REDIRECT_URI, PATREON_API_BASE, PATREON_AUTHORIZE_URL, PATREON_SCOPES,
  PATREON_TOKEN_URL, describePatreonConfig, readPatreonConfig,
} from '../../../src/auth/patreon-config.js';

const creds = { PATREON_CLIENT_ID: 'id-1', PATREON_CLIENT_SECRET: 'secret-1' };

test('defaults to Patreon endpoints and the fixed loopback redirect', (t) => {
  const result = readPatreonConfig(creds);
  if (!result.ok) return t.fail(result.message);
  t.like(result.config, {
    clientId: 'id-1',
    authorizeUrl: PATREON_AUTHORIZE_URL,
    tokenUrl: PATREON_TOKEN_URL,
    apiBase: PATREON_API_BASE,
    redirectUri: DEFAULT_REDIRECT_URI,
  });
  t.is(DEFAULT_REDIRECT_URI, 'http://127.0.0.1:47823/oauth/callback');
  t.deepEqual([...result.config.scopes], PATREON_SCOPES);
  t.deepEqual([...PATREON_SCOPES],
    ['identity', 'identity.memberships', 'campaigns', 'campaigns.posts']);
});

test('environment overrides every endpoint', (t) => {
  const result = readPatreonConfig({
    ...creds,
    PATREON_AUTHORIZE_URL: 'http://127.0.0.1:1/a',
    PATREON_TOKEN_URL: 'http://127.0.0.1:1/t',
    PATREON_API_BASE: 'http://127.0.0.1:1/api/',
    PATREON_REDIRECT_URI: 'http://127.0.0.1:5555/cb',
  });
  t.like(result, { ok: true, config: {
    authorizeUrl: 'http://127.0.0.1:1/a', tokenUrl: 'http://127.0.0.1:1/t',
    apiBase: 'http://127.0.0.1:1/api', redirectUri: 'http://127.0.0.1:5555/cb',
  } });
});

test('lists what is missing', (t) => {
  const result = readPatreonConfig({});
  t.like(result, { ok: false, missing: ['PATREON_CLIENT_ID', 'PATREON_CLIENT_SECRET'] });
  if (!result.ok) t.regex(result.message, /not configured.*PATREON_CLIENT_ID/);
});

test('refuses unusable URLs and a redirect off 127.0.0.1', (t) => {
  const result = readPatreonConfig({
    ...creds,
    PATREON_TOKEN_URL: 'ftp://example.invalid/token',
    PATREON_REDIRECT_URI: 'http://localhost:47823/oauth/callback',
  });
  if (result.ok) return t.fail('accepted');
  t.deepEqual(result.invalid.map((i) => i.name), ['PATREON_TOKEN_URL', 'PATREON_REDIRECT_URI']);
  const noPath = readPatreonConfig({ ...creds, PATREON_REDIRECT_URI: 'http://127.0.0.1:1/' });
  t.like(noPath, { ok: false });
});

test('the description leaves the secret out', (t) => {
  const result = readPatreonConfig(creds);
  if (!result.ok) return t.fail(result.message);
  t.false(JSON.stringify(describePatreonConfig(result.config)).includes('secret-1'));
});
