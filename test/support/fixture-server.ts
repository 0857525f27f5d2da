// A static HTTP server on 127.0.0.1 for tests and benchmarks. It serves the shared fixture
// feeds (never copied into this repository) with ETag / Last-Modified and gzip, and lets a
// test replace any path with its own handler to inject faults.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixturesDir = path.resolve(projectRoot, '../shared/fixtures');
export const feedsDir = path.join(fixturesDir, 'feeds');

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FixtureServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  url(file: string): string;
  /** Replace (or add) the handler of one path, e.g. `/broken.rss`. */
  route(pathname: string, handler: RouteHandler): void;
  /** Requests seen, per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/feed+json; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
};

export async function startFixtureServer(root = feedsDir): Promise<FixtureServer> {
  if (!existsSync(root)) {
    throw new Error(
      `fixture feeds not found at ${root}: tests expect the shared fixtures at ` +
        '../shared/fixtures relative to the project root',
    );
  }
  const routes = new Map<string, RouteHandler>();
  const hits = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(pathname, (hits.get(pathname) ?? 0) + 1);
    const custom = routes.get(pathname);
    if (custom) return custom(req, res);
    serveFile(root, pathname, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    origin,
    url: (file) => `${origin}/${file}`,
    route: (pathname, handler) => void routes.set(pathname, handler),
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serveFile(
  root: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const file = path.resolve(root, '.' + pathname);
  if (!file.startsWith(root + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  const body = await readFile(file);
  const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
  const lastModified = info.mtime.toUTCString();
  const headers: Record<string, string> = {
    'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
    etag,
    'last-modified': lastModified,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    const zipped = gzipSync(body);
    res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': zipped.length });
    res.end(zipped);
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(body);
}
