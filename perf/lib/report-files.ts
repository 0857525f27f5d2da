// Where reports go and how they are named: docs/benchmarks/<kind>-<YYYY-MM-DD>.<ext>.
// A rerun on the same day replaces that day's files; earlier days stay for comparison.
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './launch.js';

export const benchmarksDir = path.join(projectRoot, 'docs', 'benchmarks');

export type ReportKind = 'baseline' | 'load' | 'scale';

/** Today's local date as YYYY-MM-DD. */
export function localDate(date = new Date()): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `<kind>-<date>[-<suffix>]`, the name every file of one report shares. */
export function reportName(kind: ReportKind, date: string, suffix = ''): string {
  return `${kind}-${date}${suffix ? `-${suffix}` : ''}`;
}

/** Writes the files given and returns their paths relative to the project root. */
export async function writeReport(
  name: string,
  files: { json?: unknown; md?: string; svg?: string },
): Promise<string[]> {
  await mkdir(benchmarksDir, { recursive: true });
  const written: string[] = [];
  const put = async (ext: string, body: string): Promise<void> => {
    const file = path.join(benchmarksDir, `${name}.${ext}`);
    await writeFile(file, body);
    written.push(path.relative(projectRoot, file));
  };
  if (files.json !== undefined) await put('json', JSON.stringify(files.json, null, 2) + '\n');
  if (files.md !== undefined) await put('md', files.md);
  if (files.svg !== undefined) await put('svg', files.svg);
  return written;
}

/**
 * The newest earlier JSON report of `kind` (by the date in its name, then by mtime), read
 * before this run overwrites anything, or null when there is none.
 */
export async function readNewestReport<T>(
  kind: ReportKind,
): Promise<{ file: string; data: T } | null> {
  const names = await readdir(benchmarksDir).catch(() => [] as string[]);
  const pattern = new RegExp(`^${kind}-(\\d{4}-\\d{2}-\\d{2})\\.json$`);
  const candidates = await Promise.all(
    names
      .filter((name) => pattern.test(name))
      .map(async (name) => ({ name, mtime: (await stat(path.join(benchmarksDir, name))).mtimeMs })),
  );
  candidates.sort((a, b) => b.name.localeCompare(a.name) || b.mtime - a.mtime);
  const newest = candidates[0];
  if (!newest) return null;
  const file = path.join(benchmarksDir, newest.name);
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as T;
    return { file: path.relative(projectRoot, file), data };
  } catch {
    return null;
  }
}

/** What the reader needs to judge the numbers: the machine and when. */
export interface MachineInfo {
  date: string;
  startedAt: string;
  node: string;
  platform: string;
  cpuModel: string;
  cpus: number;
  totalMemMiB: number;
  /** 1-minute load average when the run started (the machine is shared). */
  loadAverage1m: number;
}

export function machineInfo(date: string): MachineInfo {
  const cpus = os.cpus();
  return {
    date,
    startedAt: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    totalMemMiB: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
