// What the main thread knows about each source: is it enabled, does it have a snapshot on
// disk (and which version), when did it last succeed or fail. Persisted to
// `<home>/state.json` so a restart keeps answering from the last good snapshots at once.
// Two servers may share one data directory (two MCP clients open at once), so a write
// re-reads the file and replaces only the fields this process changed since the other
// process last did: neither loses the other's enable_source choices.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  sweepTempFiles, withFileLock, writeFileAtomic,
} from '../../workers/store/atomic-write.js';
import { dataPaths, snapshotFile } from '../../workers/store/paths.js';
import type { Logger } from '../logger.js';
import type { SourceConfig } from '../config.js';

export interface SnapshotInfo {
  version: string;
  fetchedAt: string;
  itemCount: number;
  skipped: number;
}

export interface SourceError {
  code: string;
  message: string;
  at: string;
}

export interface SourceState {
  config: SourceConfig;
  enabled: boolean;
  snapshot: SnapshotInfo | null;
  /** Last refresh that ended well (fetched, or 304 Not Modified). */
  lastSuccess: string | null;
  /** Set by the last failed refresh, cleared by the next success. */
  lastError: SourceError | null;
}

type Field = 'enabled' | 'snapshot' | 'lastSuccess' | 'lastError';
const FIELDS: readonly Field[] = ['enabled', 'snapshot', 'lastSuccess', 'lastError'];

interface PersistedSource {
  enabled?: boolean;
  snapshot?: SnapshotInfo | null;
  lastSuccess?: string | null;
  lastError?: SourceError | null;
  /** When each field was last changed (epoch ms), by whichever process wrote it. */
  changedAt?: Partial<Record<Field, number>>;
}

const STATE_VERSION = 1;

/**
 * Failures of the server rather than of the source (queue full, shutting down, the caller
 * gave up): never recorded as the source's error, never persisted; a later refresh retries.
 */
export const TRANSIENT_REFRESH_CODES: ReadonlySet<string> =
  new Set(['BUSY', 'SHUTTING_DOWN', 'CANCELLED']);

export class SourceRegistry {
  readonly home: string;
  readonly #states = new Map<string, SourceState>();
  readonly #logger: Logger;
  #persisting: Promise<void> = Promise.resolve();
  #persistQueued = false;
  #readOnly = false;
  #stateSaved = true;
  /** Why search indexes cannot be written to `<home>/index`, once a worker found out. */
  #indexUnwritable: string | null = null;
  /** Fields this process changed, per source, and when (see the merge in #persist). */
  readonly #changedAt = new Map<string, Partial<Record<Field, number>>>();
  /** Bumped when a snapshot is found bad, so answers cached over it are never reused. */
  readonly #generation = new Map<string, number>();

  constructor(home: string, sources: SourceConfig[], logger: Logger) {
    this.home = home;
    this.#logger = logger;
    this.#readOnly = !this.#probeWritable();
    if (!this.#readOnly) {
      // Temp files of writers that died mid-write (a killed worker, a crashed process).
      const { snapshots, index } = dataPaths(home);
      const removed = [...sweepTempFiles(snapshots), ...sweepTempFiles(index)];
      if (removed.length > 0) logger.warn({ removed }, 'removed temp files left by a dead writer');
    }
    const saved = this.#readState();
    for (const config of sources) {
      const persisted = saved[config.id] ?? {};
      const hasFile = existsSync(snapshotFile(home, config.id));
      // Written by an older version: a full queue or a shutdown is no fault of the source.
      const transient = TRANSIENT_REFRESH_CODES.has(persisted.lastError?.code ?? '');
      this.#states.set(config.id, {
        config,
        enabled: persisted.enabled ?? config.enabled ?? true,
        snapshot: hasFile ? (persisted.snapshot ?? null) : null,
        lastSuccess: persisted.lastSuccess ?? null,
        lastError: transient ? null : (persisted.lastError ?? null),
      });
      if (!hasFile && persisted.snapshot) this.#touch(config.id, 'snapshot');
      if (transient) this.#touch(config.id, 'lastError');
    }
  }

  get(id: string): SourceState | undefined {
    return this.#states.get(id);
  }

  all(): SourceState[] {
    return [...this.#states.values()];
  }

  enabled(): SourceState[] {
    return this.all().filter((s) => s.enabled);
  }

  /**
   * True when the data directory could not be written (state, snapshots or search
   * indexes): the server runs from memory as far as it must.
   */
  get readOnly(): boolean {
    return this.#readOnly || this.#indexUnwritable !== null;
  }

  /** False when the last write of `state.json` failed (changes hold until restart). */
  get stateSaved(): boolean {
    return this.#stateSaved;
  }

  /**
   * A worker could not write a search index (e.g. `<home>/index` is not a directory) and
   * keeps it in memory instead. Logged once; `readOnly` reports it from then on.
   */
  reportIndexUnwritable(reason: string): void {
    if (this.#indexUnwritable !== null) return;
    this.#indexUnwritable = reason;
    this.#logger.error(
      { err: reason },
      'cannot write search indexes; building them in memory (slower first queries)',
    );
  }

  setEnabled(id: string, enabled: boolean): void {
    const state = this.#mustGet(id);
    state.enabled = enabled;
    this.#touch(id, 'enabled');
    this.#persist();
  }

  recordSuccess(id: string, snapshot: SnapshotInfo): void {
    const state = this.#mustGet(id);
    state.snapshot = snapshot;
    state.lastSuccess = new Date().toISOString();
    state.lastError = null;
    this.#touch(id, 'snapshot', 'lastSuccess', 'lastError');
    this.#persist();
  }

  /**
   * Forgets the snapshot of `id` because its file is missing or corrupt: queries over it
   * wait for the refetch, and intent-cache keys computed over the bad file go stale.
   */
  markUnavailable(id: string): void {
    const state = this.#mustGet(id);
    state.snapshot = null;
    this.#generation.set(id, (this.#generation.get(id) ?? 0) + 1);
    this.#touch(id, 'snapshot');
    this.#persist();
  }

  recordFailure(id: string, error: { code: string; message: string }): void {
    const state = this.#mustGet(id);
    state.lastError = { ...error, at: new Date().toISOString() };
    this.#touch(id, 'lastError');
    this.#persist();
  }

  /**
   * Identifies what a query runs over: the enabled sources and the version of each one's
   * snapshot. Any refresh that changes content changes it, so cached answers never outlive
   * the corpus they were computed from.
   */
  corpusFingerprint(ids: string[]): string {
    const parts = ids
      .map((id) => {
        const version = this.#states.get(id)?.snapshot?.version ?? '-';
        return `${id}@${version}#${this.#generation.get(id) ?? 0}`;
      })
      .sort();
    return createHash('sha1').update(parts.join('|')).digest('base64url').slice(0, 16);
  }

  #touch(id: string, ...fields: Field[]): void {
    const times = this.#changedAt.get(id) ?? {};
    const now = Date.now();
    for (const field of fields) times[field] = now;
    this.#changedAt.set(id, times);
  }

  #mustGet(id: string): SourceState {
    const state = this.#states.get(id);
    if (!state) throw new Error(`unknown source ${id}`);
    return state;
  }

  /** Can we create a file in the data directory? False for read-only or missing ones. */
  #probeWritable(): boolean {
    const probe = path.join(this.home, `.probe-${process.pid}.tmp`);
    try {
      mkdirSync(this.home, { recursive: true, mode: 0o700 });
      writeFileSync(probe, '');
      rmSync(probe, { force: true });
      return true;
    } catch (error) {
      this.#logger.error(
        { home: this.home, err: String(error) },
        'data directory is not writable; serving from memory and existing snapshots',
      );
      return false;
    }
  }

  #stateFile(): string {
    return path.join(this.home, 'state.json');
  }

  /** The sources in `state.json`; `quiet` skips the warnings (re-reads before a write). */
  #readState(quiet = false): Record<string, PersistedSource> {
    try {
      const json = JSON.parse(readFileSync(this.#stateFile(), 'utf8'));
      if (json?.version === STATE_VERSION && isObject(json.sources)) {
        return json.sources as Record<string, PersistedSource>;
      }
      if (!quiet) {
        this.#logger.warn({ file: this.#stateFile() }, 'state file has an unknown shape; ignored');
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && !quiet) {
        this.#logger.warn({ file: this.#stateFile(), err: String(error) }, 'state file unreadable');
      }
    }
    return {};
  }

  /**
   * What to write: the file as it is now, with each field this process changed replaced
   * by ours unless the file holds a later change of that field (another server's). Sources
   * this process does not know (another config) are kept as they are.
   */
  #merged(): Record<string, PersistedSource> {
    const disk = this.#readState(true);
    const sources: Record<string, PersistedSource> = { ...disk };
    for (const [id, state] of this.#states) {
      const theirs: PersistedSource = isObject(disk[id]) ? disk[id] : {};
      const theirTimes: Partial<Record<Field, unknown>> =
        isObject(theirs.changedAt) ? theirs.changedAt : {};
      const ourTimes = this.#changedAt.get(id) ?? {};
      const merged: PersistedSource = {};
      const times: Partial<Record<Field, number>> = {};
      for (const field of FIELDS) {
        const ours = ourTimes[field];
        const their = typeof theirTimes[field] === 'number' ? theirTimes[field] : undefined;
        const keepTheirs = field in theirs && (ours === undefined || (their ?? 0) > ours);
        (merged as Record<Field, unknown>)[field] = keepTheirs ? theirs[field] : state[field];
        const at = keepTheirs ? their : ours;
        if (at !== undefined) times[field] = at;
      }
      merged.changedAt = times;
      sources[id] = merged;
    }
    return sources;
  }

  /** Coalesces bursts of changes into one atomic write at a time. */
  #persist(): void {
    if (this.#persistQueued) return;
    this.#persistQueued = true;
    this.#persisting = this.#persisting.then(async () => {
      this.#persistQueued = false;
      try {
        mkdirSync(this.home, { recursive: true, mode: 0o700 });
        // Another server's write between our read and our rename would be lost: the
        // read-merge-write runs under a lock file shared by every server on this directory.
        await withFileLock(`${this.#stateFile()}.lock`, async () => {
          const sources = this.#merged();
          const body = JSON.stringify({ version: STATE_VERSION, sources }, null, 2);
          await writeFileAtomic(this.#stateFile(), body);
        });
        this.#readOnly = false;
        this.#stateSaved = true;
      } catch (error) {
        if (!this.#readOnly) {
          this.#logger.error({ err: String(error) }, 'cannot write state; serving from memory');
        }
        this.#readOnly = true;
        this.#stateSaved = false;
      }
    });
  }

  /** Resolves once pending state writes are on disk. */
  flush(): Promise<void> {
    return this.#persisting;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
