// The searchable corpus of a set of snapshots: the records by key and a MiniSearch index
// over them. Building the index for ~800 articles takes seconds, so it is serialized to
// `<home>/index/<set>-<hash>.json`, where the hash covers the source ids, each snapshot's
// version and the tokenizer version; any worker (or a restarted server) loads it instead.
// The loaded Corpus is cached in the worker's FileCache under the snapshots' mtime+size,
// so a warm query stats each snapshot and touches nothing else on disk.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import MiniSearch from 'minisearch';
import { writeFileAtomic } from '../store/atomic-write.js';
import { dataPaths, snapshotFile } from '../store/paths.js';
import { readSnapshot } from '../store/snapshot-store.js';
import { StoreError, describeFsError, isFsError } from '../store/store-error.js';
import { TOKENIZER_VERSION, miniSearchProcessTerm, miniSearchTokenize } from './tokenize.js';
import type { Options } from 'minisearch';
import type { FileCache } from '../file-cache.js';
import type { PatternRecord, Snapshot } from '../protocol.js';

export type CorpusIndex = MiniSearch<PatternRecord>;

export interface Corpus {
  /** Hash of the sources and their versions; names the index file. */
  hash: string;
  sources: string[];
  /** Records by `source/id` key (see recordKey). */
  records: Map<string, PatternRecord>;
  index: CorpusIndex;
  /** Number of records indexed. */
  size: number;
  /** Bytes of the serialized index (an estimate of its memory). */
  indexBytes: number;
}

export const INDEX_FIELDS = ['title', 'tags', 'headings', 'text', 'code'] as const;

/** BM25 field boosts: a hit in the title says far more than one deep in the text. */
export const FIELD_BOOSTS: Readonly<Record<(typeof INDEX_FIELDS)[number], number>> = {
  title: 6,
  tags: 3,
  headings: 2,
  code: 1.3,
  text: 1,
};

/** Bumped when the index layout or field extraction changes. */
export const INDEX_FORMAT_VERSION = 1;
const INDEX_FORMAT = 'swiftpatterns-index';
/** Index files kept in `<home>/index`; older ones are deleted after a new one is written. */
export const MAX_INDEX_FILES = 4;

export function recordKey(record: Pick<PatternRecord, 'source' | 'id'>): string {
  return `${record.source}/${record.id}`;
}

export function indexOptions(): Options<PatternRecord> {
  return {
    idField: 'key',
    fields: [...INDEX_FIELDS],
    storeFields: [],
    tokenize: miniSearchTokenize,
    processTerm: miniSearchProcessTerm,
    extractField: (record, field) => {
      switch (field) {
        case 'key':
          return recordKey(record);
        case 'tags':
          return record.tags.join('\n');
        case 'headings':
          return record.headings.join('\n');
        case 'code':
          return record.code.map((block) => block.code).join('\n');
        default:
          return (record as unknown as Record<string, string>)[field] ?? '';
      }
    },
  };
}

/** Indexes records; a key seen twice keeps its first record. */
export function buildIndex(records: Iterable<PatternRecord>): CorpusIndex {
  const index = new MiniSearch<PatternRecord>(indexOptions());
  const seen = new Set<string>();
  for (const record of records) {
    const key = recordKey(record);
    if (seen.has(key)) continue;
    seen.add(key);
    index.add(record);
  }
  return index;
}

export function loadIndexJS(js: unknown): CorpusIndex {
  const plain = js as Parameters<typeof MiniSearch.loadJS>[0];
  return MiniSearch.loadJS<PatternRecord>(plain, indexOptions());
}

/** Hash naming the index of these snapshots (sources in the given order). */
export function corpusHash(
  snapshots: ReadonlyArray<{ meta: Pick<Snapshot['meta'], 'source' | 'version'> }>,
): string {
  const h = createHash('sha256');
  h.update(`${INDEX_FORMAT}/${INDEX_FORMAT_VERSION}/tokenizer-${TOKENIZER_VERSION}\n`);
  for (const { meta } of snapshots) h.update(`${meta.source}\0${meta.version}\n`);
  return h.digest('hex').slice(0, 32);
}

/** A Corpus over in-memory snapshots (builds the index; no disk access). */
export function corpusFromSnapshots(snapshots: readonly Snapshot[]): Corpus {
  const records = collectRecords(snapshots);
  return {
    hash: corpusHash(snapshots),
    sources: snapshots.map((s) => s.meta.source),
    records,
    index: buildIndex(records.values()),
    size: records.size,
    indexBytes: 0,
  };
}

/** Records by key, in snapshot order; a key seen twice keeps its first record. */
function collectRecords(snapshots: readonly Snapshot[]): Map<string, PatternRecord> {
  const records = new Map<string, PatternRecord>();
  for (const snapshot of snapshots) {
    for (const record of snapshot.records) {
      const key = recordKey(record);
      if (!records.has(key)) records.set(key, record);
    }
  }
  return records;
}

export interface LoadCorpusOptions {
  /**
   * Snapshot versions the main thread holds for `sourceIds`. With them a worker can tell,
   * without reading any snapshot, whether the index of exactly those versions is on disk.
   */
  expectedVersions?: Readonly<Record<string, string>>;
  /**
   * Stale-while-revalidate for indexes: when the index of the current snapshots is neither
   * cached here nor on disk yet (another task is building it), answer from the last
   * corpus this worker loaded instead of building one on the query path. The result is
   * marked `stale`; callers should filter it to the sources they want and not cache it.
   */
  allowStale?: boolean;
  /**
   * False: an index built now stays in memory only. Used for one-off subsets (a source
   * left out because its snapshot is being repaired) that no later query will ask for.
   */
  persist?: boolean;
}

/** The last corpus each worker's cache served, kept for stale answers. */
const latestCorpus = new WeakMap<FileCache, Corpus>();
/** Why the last index write of each worker failed; absent once a write succeeds. */
const indexWriteFailures = new WeakMap<FileCache, string>();

/**
 * Why this worker could not write its last search index (it then keeps the index in
 * memory only), or undefined when the last write worked or none was needed.
 */
export function indexWriteFailure(cache: FileCache): string | undefined {
  return indexWriteFailures.get(cache);
}

/** Records per source in `corpus`, counted once per corpus. */
const sourceCounts = new WeakMap<Corpus, Map<string, number>>();

/** How many of the corpus's records come from `sources` (what a filtered search covers). */
export function recordsIn(corpus: Corpus, sources: readonly string[]): number {
  let counts = sourceCounts.get(corpus);
  if (!counts) {
    counts = new Map();
    for (const record of corpus.records.values()) {
      counts.set(record.source, (counts.get(record.source) ?? 0) + 1);
    }
    sourceCounts.set(corpus, counts);
  }
  let total = 0;
  for (const source of new Set(sources)) total += counts.get(source) ?? 0;
  return total;
}

/**
 * The corpus of `sourceIds` (in that order), through the worker's FileCache: warm, it costs
 * one stat per snapshot. Cold, snapshots are read through the cache and the index is loaded
 * from `<home>/index/<set>-<hash>.json`, or built and written there when missing or unreadable
 * (unless `options.allowStale` lets a previous corpus answer meanwhile).
 * Throws StoreError SNAPSHOT_MISSING / SNAPSHOT_CORRUPT for a bad snapshot.
 */
export async function loadCorpus(
  home: string,
  sourceIds: readonly string[],
  cache: FileCache,
  options: LoadCorpusOptions = {},
): Promise<Corpus & { stale?: boolean }> {
  const files = sourceIds.map((id) => snapshotFile(home, id));
  if (files.length === 0) return corpusFromSnapshots([]);
  const name = `corpus:${path.resolve(home)}:${sourceIds.join(',')}`;

  try {
    const previous = latestCorpus.get(cache);
    if (options.allowStale && options.expectedVersions && previous) {
      const exact = await cache.peekDerived<Corpus>(name, files);
      if (exact) return remember(cache, exact);
      const metas = sourceIds.map((id) => ({
        meta: { source: id, version: options.expectedVersions?.[id] ?? '' },
      }));
      const ready = existsSync(indexFileOf(home, sourceIds, corpusHash(metas)));
      // Where indexes cannot be written, the file never appears: build on this query.
      if (!ready && !indexWriteFailures.has(cache)) return { ...previous, stale: true };
    }
    const corpus = await cache.getDerived(
      name,
      files,
      () => buildCorpus(home, files, cache, options.persist ?? true),
      (built) => built.indexBytes + recordsBytes(built),
    );
    return remember(cache, corpus);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(error instanceof StoreError)) {
      const file = (error as NodeJS.ErrnoException).path ?? files.join(', ');
      throw new StoreError('SNAPSHOT_MISSING', `snapshot ${file} does not exist`, {
        cause: error,
        file,
      });
    }
    throw error;
  }
}

function remember(cache: FileCache, corpus: Corpus): Corpus {
  latestCorpus.set(cache, corpus);
  return corpus;
}

async function buildCorpus(
  home: string,
  files: string[],
  cache: FileCache,
  persist: boolean,
): Promise<Corpus> {
  const snapshots = await Promise.all(files.map((file) => cache.get(file, readSnapshot)));
  const hash = corpusHash(snapshots);
  const indexFile = indexFileOf(home, snapshots.map((s) => s.meta.source), hash);
  const records = collectRecords(snapshots);
  const corpus = (index: CorpusIndex, indexBytes: number): Corpus => ({
    hash,
    sources: snapshots.map((s) => s.meta.source),
    records,
    index,
    size: records.size,
    indexBytes,
  });

  const loaded = await readIndexFile(indexFile, hash, records.size);
  if (loaded) {
    // Marks the file as recently used for pruning; failing to do so changes nothing else.
    const now = new Date();
    await utimes(indexFile, now, now).catch(() => {});
    return corpus(loaded.index, loaded.bytes);
  }

  const index = buildIndex(records.values());
  if (!persist) return corpus(index, 0);
  const body = serializeIndex(index, hash);
  try {
    await mkdir(path.dirname(indexFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(indexFile, body);
    indexWriteFailures.delete(cache);
  } catch (error) {
    // `index` is a regular file (EEXIST), the disk is full or read-only: the index is
    // only a cache of the snapshots, so searching goes on with it in memory.
    if (!isFsError(error)) throw error;
    indexWriteFailures.set(cache, `cannot write the search index: ${describeFsError(error)}`);
    return corpus(index, body.length);
  }
  await removeSuperseded(indexFile);
  await pruneIndexDir(path.dirname(indexFile), indexFile);
  return corpus(index, body.length);
}

/**
 * `<home>/index/<set>-<hash>.json`: `set` names the list of sources, `hash` their snapshot
 * versions. A newer index of the same sources supersedes the older ones, which go.
 */
function indexFileOf(home: string, sourceIds: readonly string[], hash: string): string {
  const set = createHash('sha256').update(sourceIds.join('\0')).digest('hex').slice(0, 12);
  return path.join(dataPaths(home).index, `${set}-${hash}.json`);
}

async function removeSuperseded(indexFile: string): Promise<void> {
  const dir = path.dirname(indexFile);
  const prefix = path.basename(indexFile).split('-')[0] + '-';
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.endsWith('.json') && n !== path.basename(indexFile))
      .map((n) => rm(path.join(dir, n), { force: true }).catch(() => {})),
  );
}

export function serializeIndex(index: CorpusIndex, hash: string): string {
  const header = JSON.stringify({
    format: INDEX_FORMAT,
    formatVersion: INDEX_FORMAT_VERSION,
    hash,
    documentCount: index.documentCount,
  });
  return `${header.slice(0, -1)},"index":${JSON.stringify(index)}}`;
}

/** The index in `file`, or null when it is missing, unreadable or not the expected one. */
async function readIndexFile(
  file: string,
  hash: string,
  documentCount: number,
): Promise<{ index: CorpusIndex; bytes: number } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    if (
      data.format !== INDEX_FORMAT ||
      data.formatVersion !== INDEX_FORMAT_VERSION ||
      data.hash !== hash ||
      data.documentCount !== documentCount
    ) {
      return null;
    }
    const index = loadIndexJS(data.index);
    if (index.documentCount !== documentCount) return null;
    return { index, bytes: text.length };
  } catch {
    // Truncated or hand-edited: rebuilding is always possible, so this is not an error.
    return null;
  }
}

/** Keeps the newest MAX_INDEX_FILES index files; best effort (another worker may race). */
async function pruneIndexDir(dir: string, keep: string): Promise<void> {
  try {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    if (names.length <= MAX_INDEX_FILES) return;
    const entries = await Promise.all(
      names.map(async (name) => {
        const file = path.join(dir, name);
        const info = await stat(file).catch(() => null);
        return { file, mtimeMs: info?.mtimeMs ?? 0 };
      }),
    );
    entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
    const stale = entries.filter((e) => e.file !== keep).slice(MAX_INDEX_FILES - 1);
    await Promise.all(stale.map((e) => rm(e.file, { force: true }).catch(() => {})));
  } catch {
    // best effort, see above
  }
}

function recordsBytes(corpus: Corpus): number {
  let bytes = 0;
  for (const record of corpus.records.values()) {
    bytes += record.text.length + record.title.length + record.summary.length + 200;
    for (const block of record.code) bytes += block.code.length;
  }
  return bytes;
}
