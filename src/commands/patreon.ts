// `swiftpatterns patreon login|status|logout`. Login prints the authorization URL on a
// line of its own (the browser may not open), opens a browser where one exists and waits
// for the loopback callback, at most as long as the callback listener lives. No command
// here ever prints a token.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describeLoginFailure } from '../auth/login-failure.js';
import { createPatreonSession, PATREON_SOURCE_ID } from '../patreon/patreon-source.js';
import { dataPaths, snapshotFile } from '../../workers/store/paths.js';
import type { AuthLogger } from '../auth/log.js';
import type { PatreonStatus } from '../auth/patreon-session.js';
import type { Settings } from '../config.js';

export interface PatreonCommandOptions {
  env?: NodeJS.ProcessEnv;
  logger?: AuthLogger;
  out?: (line: string) => void;
}

export async function runPatreonCommand(
  settings: Settings,
  args: string[],
  options: PatreonCommandOptions = {},
): Promise<number> {
  const [verb = 'status'] = args;
  const out = options.out ?? ((line: string) => void process.stdout.write(line + '\n'));
  const session = createPatreonSession(settings.home, options.env, options.logger);

  if (verb === 'status') {
    const status = await session.status({ verify: true });
    for (const line of describeStatus(status, session.tokenFile)) out(line);
    return status.state === 'connected' ? 0 : 1;
  }

  if (verb === 'logout') {
    const deleted = await session.logout();
    // The downloaded posts are the user's premium content: they go with the login, and so
    // do the search indexes, which hold their text (a server rebuilds them as needed).
    await rm(snapshotFile(settings.home, PATREON_SOURCE_ID), { force: true });
    const indexes = await removeIndexFiles(settings.home);
    const what = `the downloaded posts and ${indexes} search index file(s)`;
    out(deleted
      ? `Logged out of Patreon: deleted ${session.tokenFile}, ${what}.`
      : `Not logged in to Patreon; no tokens to delete (deleted ${what}).`);
    return 0;
  }

  if (verb === 'login') {
    const current = await session.status();
    if (current.state === 'not_configured') {
      out(current.message);
      return 1;
    }
    const login = await session.login();
    out(login.browser
      ? 'Log in to Patreon in the browser window that opened, or open this URL:'
      : 'Open this URL in a browser to log in to Patreon:');
    out(login.authorizationUrl);
    out(`Waiting for Patreon to redirect to ${login.redirectUri} ...`);

    const stop = () => void login.cancel();
    process.once('SIGINT', stop);
    try {
      const status = await login.completion;
      out(status.message);
      return 0;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      out(`Login failed${typeof code === 'string' ? ` (${code})` : ''}: ${message}`);
      if (typeof code === 'string') out(describeLoginFailure({ code, message }));
      return 1;
    } finally {
      process.removeListener('SIGINT', stop);
    }
  }

  out(`unknown patreon command "${verb}"; use login, status or logout`);
  return 2;
}

function describeStatus(status: PatreonStatus, tokenFile: string): string[] {
  const lines = [`Patreon: ${status.state}`, status.message];
  if (status.identity) lines.push(`Account: ${status.identity.name} (id ${status.identity.id})`);
  if (status.expiresAt) lines.push(`Access token expires: ${status.expiresAt}`);
  if (status.state !== 'not_configured') lines.push(`Token file: ${tokenFile}`);
  return lines.filter((line) => line !== '');
}

// Every entry under `<home>/index/`, the directory itself kept; returns how many went.
async function removeIndexFiles(home: string): Promise<number> {
  const dir = dataPaths(home).index;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return 0;
    throw error;
  }
  for (const name of names) await rm(path.join(dir, name), { recursive: true, force: true });
  return names.length;
}
