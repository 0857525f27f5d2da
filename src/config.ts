// Where data lives and what the server is configured to do. Three pieces, as in the
// libraries we admire: a typed input (the JSON file and the environment), one filled
// `Settings` object, and defaults in one place. Validation happens once, here.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { SOURCE_ID_PATTERN } from '../workers/store/paths.js';
import { defaultCatalog } from './catalog.js';

export { SOURCE_ID_PATTERN };

const sourceSchema = z.object({
  id: z.string().regex(SOURCE_ID_PATTERN, 'letters, digits, ".", "_" or "-", at most 64'),
  name: z.string().min(1).max(200),
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
  enabled: z.boolean().optional(),
});

const configFileSchema = z
  .object({
    sources: z.array(sourceSchema).max(500).optional(),
    refreshIntervalMinutes: z.number().int().min(1).max(10_080).optional(),
    toolTimeoutMs: z.number().int().min(100).max(600_000).optional(),
    poolThreads: z.number().int().min(1).max(64).optional(),
    poolMaxQueue: z.number().int().min(1).max(100_000).optional(),
    intentCache: z
      .object({
        max: z.number().int().min(0).max(1_000_000).optional(),
        ttlSeconds: z.number().int().min(1).max(86_400).optional(),
      })
      .optional(),
    fileCacheMegabytes: z.number().int().min(1).max(16_384).optional(),
  })
  .strict();

export type SourceConfig = z.infer<typeof sourceSchema>;
export type ConfigFile = z.infer<typeof configFileSchema>;

/** Everything the server needs, filled and validated. */
export interface Settings {
  home: string;
  /** The config file read (or to be written by the CLI). */
  configFile: string;
  sources: SourceConfig[];
  /** Snapshots older than this are refreshed in the background. */
  refreshIntervalMs: number;
  /** Deadline of every tool call, including a wait on a first fetch. */
  toolTimeoutMs: number;
  poolThreads: number;
  /** Tasks allowed to wait for a worker; past this, calls get a BUSY error. */
  poolMaxQueue: number;
  /** 0 disables the intent cache (every call goes to a worker). */
  intentCacheMax: number;
  intentCacheTtlMs: number;
  fileCacheBytes: number;
  /** Run worker code on the main thread instead of the pool (benchmarks only). */
  inline: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The platform's usual per-user data directory. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (process.platform === 'darwin') {
    return path.join(home, 'Library', 'Application Support', 'swiftpatterns');
  }
  if (process.platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'swiftpatterns');
  }
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'swiftpatterns');
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.SWIFTPATTERNS_HOME || defaultHome(env));
}

export function resolveConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SWIFTPATTERNS_CONFIG) return path.resolve(env.SWIFTPATTERNS_CONFIG);
  return path.join(resolveHome(env), 'config.json');
}

/** Reads and validates the config file; a missing file is an empty config. */
export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`config file ${file} is invalid: ${issues}`);
  }
  const ids = new Set<string>();
  for (const source of parsed.data.sources ?? []) {
    if (ids.has(source.id)) {
      throw new ConfigError(`config file ${file} lists source id "${source.id}" twice`);
    }
    ids.add(source.id);
  }
  return parsed.data;
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * @param options.allowMissingConfig lets commands that create the file (sources add,
 *   import) start from a SWIFTPATTERNS_CONFIG path that does not exist yet.
 */
export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  options: { allowMissingConfig?: boolean } = {},
): Settings {
  const home = resolveHome(env);
  const configFile = resolveConfigFile(env);
  // A file named explicitly but absent is a typo far more often than a wish for the
  // default catalog: say so instead of silently fetching other sources.
  if (env.SWIFTPATTERNS_CONFIG && !options.allowMissingConfig && !existsSync(configFile)) {
    throw new ConfigError(`SWIFTPATTERNS_CONFIG names ${configFile}, which does not exist`);
  }
  const file = readConfigFile(configFile);
  const cacheOff = env.SWIFTPATTERNS_INTENT_CACHE === 'off';
  const threads = Math.max(1, Math.min(os.availableParallelism(), 4));

  return Object.freeze({
    home,
    configFile,
    sources: (file.sources ?? defaultCatalog).map((s) => ({ ...s })),
    refreshIntervalMs: (file.refreshIntervalMinutes ?? 360) * 60_000,
    toolTimeoutMs:
      envInt(env, 'SWIFTPATTERNS_TOOL_TIMEOUT_MS', 100, 600_000) ?? file.toolTimeoutMs ?? 20_000,
    poolThreads: envInt(env, 'SWIFTPATTERNS_POOL_THREADS', 1, 64) ?? file.poolThreads ?? threads,
    poolMaxQueue:
      envInt(env, 'SWIFTPATTERNS_POOL_MAX_QUEUE', 1, 100_000) ?? file.poolMaxQueue ?? 512,
    intentCacheMax: cacheOff ? 0 : (file.intentCache?.max ?? 2_000),
    intentCacheTtlMs: (file.intentCache?.ttlSeconds ?? 600) * 1000,
    // The fixture corpus costs ~25 MiB a worker; at 50k articles 256 MiB thrashed.
    fileCacheBytes: (file.fileCacheMegabytes ?? 512) * 1024 * 1024,
    inline: env.SWIFTPATTERNS_INLINE === '1',
  });
}
