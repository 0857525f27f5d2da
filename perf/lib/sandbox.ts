// Everything one benchmark run needs outside the server: a loopback HTTP server serving the
// feeds, a config file whose `sources` point at it, and fresh data directories. All of it
// lives in a temp dir that `close()` removes; nothing is written into the repository.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { feedsDir, startFixtureServer } from '../../test/support/fixture-server.js';
import { onInterrupt } from './exit-cleanup.js';
import type { FixtureServer } from '../../test/support/fixture-server.js';

/** One feed, as the config file lists it; `file` is relative to the served directory. */
export interface FeedSource {
  id: string;
  name: string;
  file: string;
}

/** The Swift fixture feeds (about 800 articles), one source each. */
export const swiftFixtureSources: readonly FeedSource[] = [
  { id: 'swift-org', name: 'Swift.org blog', file: 'swift-org-archive.atom' },
  { id: 'swift-evolution', name: 'Swift Evolution', file: 'swift-evolution.rss' },
  { id: 'tca', name: 'The Composable Architecture', file: 'tca-articles.rss' },
  { id: 'natasha', name: 'Natasha The Robot', file: 'natasha.rss' },
];

export interface SandboxOptions {
  /** Directory served over HTTP. Default: the shared fixture feeds. */
  feedsRoot?: string;
  sources: readonly FeedSource[];
}

export interface Sandbox {
  readonly fixtures: FixtureServer;
  readonly sources: readonly FeedSource[];
  readonly configPath: string;
  /** A new empty data directory, removed by `close()`. */
  newHome(): Promise<string>;
  /** The environment a server process gets: data dir, config, plus `extra`. */
  env(home: string, extra?: Record<string, string>): Record<string, string>;
  /**
   * Serves every feed with a full 200 and no ETag / Last-Modified, so a refresh has to fetch,
   * parse and re-index everything instead of stopping at a 304.
   */
  disableConditionalGet(): void;
  close(): Promise<void>;
}

export async function openSandbox(options: SandboxOptions): Promise<Sandbox> {
  const root = options.feedsRoot ?? feedsDir;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'swiftpatterns-perf-'));
  const fixtures = await startFixtureServer(root);
  const configPath = path.join(dir, 'config.json');
  const sources = options.sources.map((s) => ({
    id: s.id,
    name: s.name,
    url: fixtures.url(s.file),
  }));
  await writeFile(configPath, JSON.stringify({ sources }, null, 2));
  let homes = 0;
  const removeDir = (): Promise<void> =>
    rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  const forget = onInterrupt(removeDir);

  return {
    fixtures,
    sources: options.sources,
    configPath,
    newHome: async () => {
      const home = path.join(dir, `home-${++homes}`);
      await mkdir(home);
      return home;
    },
    env: (home, extra = {}) => ({
      SWIFTPATTERNS_HOME: home,
      SWIFTPATTERNS_CONFIG: configPath,
      ...extra,
    }),
    disableConditionalGet: () => {
      for (const source of options.sources) {
        fixtures.route(`/${source.file}`, (_req, res) => {
          readFile(path.join(root, source.file)).then(
            (body) => {
              const type = { 'content-type': 'application/xml' };
              res.writeHead(200, { ...type, 'content-length': body.length });
              res.end(body);
            },
            () => res.writeHead(500).end(),
          );
        });
      }
    },
    close: async () => {
      forget();
      await fixtures.close();
      await removeDir();
    },
  };
}
