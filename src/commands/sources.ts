// `swiftpatterns sources ...`: list, add, remove and import (OPML) feeds. Changes go to
// the config file (SWIFTPATTERNS_CONFIG or <home>/config.json), written atomically.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, readConfigFile, SOURCE_ID_PATTERN } from '../config.js';
import { parseOpml } from '../opml.js';
import { writeFileAtomic } from '../../workers/store/atomic-write.js';
import type { Settings, SourceConfig } from '../config.js';

export const sourceCommands = new Set(['list', 'add', 'remove', 'import']);

/** A readable id from a URL: "https://www.avanderlee.com/feed/" → "avanderlee-com". */
export function idFromUrl(url: string, taken: Set<string>): string {
  const host = new URL(url).hostname.replace(/^www\./, '');
  const base = host.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 56) || 'feed';
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

/** The URL with its password (if any) shown as `***`, for listings on a terminal. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}

/** `add <url> [--id <id>] [--name <name>]`, parsed by Node's own argument parser. */
function addArguments(args: string[]): { url?: string; id?: string; name?: string } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { id: { type: 'string' }, name: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new Error(`one URL at a time, got ${positionals.length}`);
    return { url: positionals[0], id: values.id, name: values.name };
  } catch (error) {
    throw new ConfigError(`sources add: ${(error as Error).message}`);
  }
}

async function save(settings: Settings, sources: SourceConfig[]): Promise<void> {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(readFileSync(settings.configFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // A missing file starts empty; an invalid one was already rejected by loadSettings.
  }
  const next = { ...raw, sources };
  mkdirSync(path.dirname(settings.configFile), { recursive: true });
  await writeFileAtomic(settings.configFile, JSON.stringify(next, null, 2) + '\n');
  readConfigFile(settings.configFile); // proves what was written reads back valid
}

function validUrl(url: string | undefined): string {
  if (!url) throw new ConfigError('give the feed URL, e.g. sources add https://example.com/feed.xml');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`"${url}" is not an http(s) URL`);
  }
  return parsed.href;
}

export async function runSourceCommand(settings: Settings, args: string[]): Promise<number> {
  const [verb = 'list', ...rest] = args;
  const sources = settings.sources.map((s) => ({ ...s }));
  const ids = new Set(sources.map((s) => s.id));
  const out = (line: string) => process.stdout.write(line + '\n');

  if (verb === 'list') {
    for (const s of sources) {
      out(`${s.id}\t${s.enabled === false ? 'off' : 'on'}\t${s.name}\t${maskPassword(s.url)}`);
    }
    return 0;
  }
  if (verb === 'add') {
    const args = addArguments(rest);
    const url = validUrl(args.url);
    if (sources.some((s) => s.url === url)) {
      throw new ConfigError(`${maskPassword(url)} is already a source`);
    }
    const id = args.id ?? idFromUrl(url, ids);
    if (!SOURCE_ID_PATTERN.test(id)) throw new ConfigError(`"${id}" is not a valid source id`);
    if (ids.has(id)) throw new ConfigError(`source id "${id}" is taken`);
    const name = args.name ?? new URL(url).hostname;
    sources.push({ id, name, url });
    await save(settings, sources);
    out(`added ${id} (${maskPassword(url)}) to ${settings.configFile}`);
    return 0;
  }
  if (verb === 'remove') {
    const id = rest[0];
    if (!id || !ids.has(id)) throw new ConfigError(`no source "${id ?? ''}"; see: swiftpatterns sources`);
    await save(settings, sources.filter((s) => s.id !== id));
    out(`removed ${id}`);
    return 0;
  }
  if (verb === 'import') {
    const file = rest[0];
    if (!file) throw new ConfigError('give the OPML file, e.g. sources import subscriptions.opml');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const known = new Set(sources.map((s) => s.url));
    let added = 0;
    let entries: Array<{ title: string; url: string }>;
    try {
      entries = parseOpml(text);
    } catch (error) {
      throw new ConfigError(`${file} is not a readable OPML file (${(error as Error).message})`);
    }
    if (entries.length === 0) throw new ConfigError(`${file} lists no feeds (no outline with xmlUrl)`);
    for (const entry of entries) {
      let url: string;
      try {
        url = validUrl(entry.url);
      } catch {
        process.stderr.write(`skipped ${entry.url}: not an http(s) URL\n`);
        continue;
      }
      if (known.has(url)) continue;
      const id = idFromUrl(url, ids);
      ids.add(id);
      known.add(url);
      sources.push({ id, name: entry.title.slice(0, 200) || new URL(url).hostname, url });
      added += 1;
    }
    await save(settings, sources);
    out(`imported ${added} feed(s) from ${file}; ${sources.length} sources in ${settings.configFile}`);
    return 0;
  }
  throw new ConfigError(`unknown sources command "${verb}"`);
}
