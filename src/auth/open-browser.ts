// Opens the authorization URL in the user's browser when one can be found. The URL is passed
// as one argument to a program, never through a shell, so nothing in it is interpreted.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface OpenBrowserOptions {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

/**
 * Returns the launcher used, or null when none ran: disabled with
 * `SWIFTPATTERNS_NO_BROWSER=1`, no launcher on PATH, or a URL that is not http(s).
 * Never throws; the caller always prints the URL as well.
 */
export function openBrowser(url: string, options: OpenBrowserOptions = {}): string | null {
  const env = options.env ?? process.env;
  if (env.SWIFTPATTERNS_NO_BROWSER === '1') return null;
  if (!/^https?:\/\//i.test(url)) return null;

  const launcher = findLauncher(options.platform ?? process.platform, env);
  if (!launcher) return null;
  try {
    const child = spawn(launcher.command, [...launcher.args, url], {
      shell: false,
      env,
      detached: true,
      stdio: 'ignore',
      windowsHide: true,
    });
    child.on('error', () => {});
    child.unref();
    return path.basename(launcher.command);
  } catch {
    return null;
  }
}

interface Launcher {
  command: string;
  args: string[];
}

function findLauncher(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): Launcher | null {
  // On Windows `start` is a cmd built-in; rundll32's URL handler opens the default browser
  // without going through cmd's parsing.
  const candidates: Launcher[] = platform === 'darwin'
    ? [{ command: 'open', args: [] }]
    : platform === 'win32'
      ? [{ command: 'rundll32', args: ['url.dll,FileProtocolHandler'] }]
      : [{ command: 'xdg-open', args: [] }, { command: 'gio', args: ['open'] }];
  for (const candidate of candidates) {
    if (platform === 'win32') return candidate;
    // Spawn the absolute path found on the given PATH, so lookup and launch agree.
    const found = which(candidate.command, env);
    if (found) return { ...candidate, command: found };
  }
  return null;
}

function which(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return null;
}
