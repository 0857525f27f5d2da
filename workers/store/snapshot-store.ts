// Snapshots on disk: one JSON file per source holding its records and fetch metadata.
// The file carries a format version and a SHA-256 of the records' JSON, so a truncated,
// hand-edited or half-copied file is reported as corrupt instead of serving bad data.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write.js';
import { dataPaths, snapshotFile } from './paths.js';
import { StoreError } from './store-error.js';
import type { PatternRecord, Snapshot, SnapshotMeta } from '../protocol.js';

export { StoreError, describeFsError, isFsError, isStoreError } from './store-error.js';
export type { StoreErrorCode } from './store-error.js';

/** Marks the file as ours; a reader refuses any other value. */
export const SNAPSHOT_FORMAT = 'swiftpatterns-snapshot';
/** Bumped when the file layout changes incompatibly; older files read as corrupt. */
export const SNAPSHOT_FORMAT_VERSION = 1;

interface SnapshotFile {
  format: typeof SNAPSHOT_FORMAT;
  formatVersion: number;
  recordCount: number;
  /** `sha256:<hex>` of `JSON.stringify(records)`. */
  checksum: string;
  meta: SnapshotMeta;
  records: PatternRecord[];
}

export interface WriteSnapshotResult {
  file: string;
  checksum: string;
  bytes: number;
  /** The version written: the given one, or the one filled from the checksum. */
  version: string;
}

export function recordsChecksum(records: readonly PatternRecord[]): string {
  return checksumOf(JSON.stringify(records));
}

/** A short version string that changes whenever the records change. */
export function recordsVersion(records: readonly PatternRecord[]): string {
  return versionOf(recordsChecksum(records));
}

function versionOf(checksum: string): string {
  return checksum.slice('sha256:'.length, 'sha256:'.length + 16);
}

/**
 * Writes `<home>/snapshots/<source>.json` atomically. When `meta.version` is empty it is
 * filled from the records' checksum, so the corpus version always follows the content.
 */
export async function writeSnapshot(
  home: string,
  snapshot: Snapshot,
): Promise<WriteSnapshotResult> {
  const file = snapshotFile(home, snapshot.meta.source);
  const recordsJson = JSON.stringify(snapshot.records);
  const checksum = checksumOf(recordsJson);
  const meta: SnapshotMeta = snapshot.meta.version
    ? snapshot.meta
    : { ...snapshot.meta, version: versionOf(checksum) };

  // Assembled by hand so the records are serialized once, not twice.
  const header = JSON.stringify({
    format: SNAPSHOT_FORMAT,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    recordCount: snapshot.records.length,
    checksum,
    meta,
  });
  const body = `${header.slice(0, -1)},"records":${recordsJson}}\n`;

  await mkdir(dataPaths(home).snapshots, { recursive: true, mode: 0o700 });
  try {
    await writeFileAtomic(file, body);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    // A directory where the snapshot belongs (a stray mkdir, a bad copy) would fail every
    // refresh. An empty one is removed; one with content is left for a person to look at
    // (rmdir fails with ENOTEMPTY), and the source keeps reporting the error.
    await rmdir(file);
    await writeFileAtomic(file, body);
  }
  return { file, checksum, bytes: Buffer.byteLength(body), version: meta.version };
}

export async function readSnapshot(file: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StoreError('SNAPSHOT_MISSING', `snapshot ${file} does not exist`, {
        cause: error,
        file,
      });
    }
    throw error;
  }
  return parseSnapshot(text, file);
}

/** Parses and verifies snapshot text; `file` only labels errors. */
export function parseSnapshot(text: string, file = '<snapshot>'): Snapshot {
  const corrupt = (why: string, cause?: unknown): StoreError =>
    new StoreError('SNAPSHOT_CORRUPT', `snapshot ${file} is corrupt: ${why}`, { cause, file });

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw corrupt(`not valid JSON (truncated?) - ${(error as Error).message}`, error);
  }
  if (!isObject(data) || data.format !== SNAPSHOT_FORMAT) {
    throw corrupt(`not a ${SNAPSHOT_FORMAT} file`);
  }
  if (data.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    throw corrupt(
      `format version ${String(data.formatVersion)}, expected ${SNAPSHOT_FORMAT_VERSION}`,
    );
  }
  const file_ = data as unknown as SnapshotFile;
  if (!Array.isArray(file_.records) || file_.records.length !== file_.recordCount) {
    throw corrupt(`record count does not match the header (${String(file_.recordCount)})`);
  }
  // JSON.stringify of parsed JSON reproduces what the writer hashed: key order survives.
  const actual = recordsChecksum(file_.records);
  if (actual !== file_.checksum) {
    throw corrupt(`checksum mismatch (header ${String(file_.checksum)}, content ${actual})`);
  }

  const metaProblem = checkMeta(file_.meta);
  if (metaProblem) throw corrupt(`meta.${metaProblem}`);
  for (let i = 0; i < file_.records.length; i++) {
    const problem = checkRecord(file_.records[i]);
    if (problem) throw corrupt(`records[${i}].${problem}`);
  }
  return { meta: file_.meta, records: file_.records };
}

function checksumOf(json: string): string {
  return 'sha256:' + createHash('sha256').update(json).digest('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (v: unknown): boolean => typeof v === 'string';
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every(isString);

const metaChecks: Record<keyof SnapshotMeta, (v: unknown) => boolean> = {
  source: isString,
  url: isString,
  fetchedAt: isString,
  etag: isStringOrNull,
  lastModified: isStringOrNull,
  format: (v) => ['rss2', 'rss1', 'atom', 'json', 'patreon'].includes(v as string),
  skipped: Array.isArray,
  version: (v) => typeof v === 'string' && v.length > 0,
};

const recordChecks: Record<keyof PatternRecord, (v: unknown) => boolean> = {
  id: (v) => typeof v === 'string' && v.length > 0,
  source: isString,
  title: isString,
  url: isString,
  date: isStringOrNull,
  authors: isStringArray,
  tags: isStringArray,
  summary: isString,
  text: isString,
  headings: isStringArray,
  code: (v) =>
    Array.isArray(v) &&
    v.every((b) => isObject(b) && isString(b.code) && isString(b.language)),
  hasCode: (v) => typeof v === 'boolean',
  quality: (v) => typeof v === 'number' && Number.isFinite(v),
};

/** Returns the first offending field name, or null when the shape is right. */
function checkMeta(meta: unknown): string | null {
  if (!isObject(meta)) return '(not an object)';
  for (const [key, ok] of Object.entries(metaChecks)) if (!ok(meta[key])) return key;
  return null;
}

function checkRecord(record: unknown): string | null {
  if (!isObject(record)) return '(not an object)';
  for (const [key, ok] of Object.entries(recordChecks)) if (!ok(record[key])) return key;
  return null;
}
