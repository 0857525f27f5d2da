// What the main thread knows about each source: is it enabled, does it have a snapshot on
// disk (and which version), when did it last succeed or fail. Persisted to
// `<home>/state.json` so a restart keeps answering from the last good snapshots at once.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sweepTempFiles, writeFileAtomic } from '../../workers/store/atomic-write.js';
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

interface PersistedSource {
  enabled?: boolean;
  snapshot?: SnapshotInfo | null;
  lastSuccess?: string | null;
  lastError?: SourceError | null;
}

const STATE_VERSION = 1;

export class SourceRegistry {
  readonly home: string;
  readonly #states = new Map<string, SourceState>();
  readonly #logger: Logger;
  #persisting: Promise<void> = Promise.resolve();
  #persistQueued = false;
  #readOnly = false;
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
      this.#states.set(config.id, {
        config,
        enabled: persisted.enabled ?? config.enabled ?? true,
        snapshot: hasFile ? (persisted.snapshot ?? null) : null,
        lastSuccess: persisted.lastSuccess ?? null,
        lastError: persisted.lastError ?? null,
      });
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

  /** True when the data directory could not be written: the server runs from memory. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  setEnabled(id: string, enabled: boolean): void {
    const state = this.#mustGet(id);
    state.enabled = enabled;
    this.#persist();
  }

  recordSuccess(id: string, snapshot: SnapshotInfo): void {
    const state = this.#mustGet(id);
    state.snapshot = snapshot;
    state.lastSuccess = new Date().toISOString();
    state.lastError = null;
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
    this.#persist();
  }

  recordFailure(id: string, error: { code: string; message: string }): void {
    const state = this.#mustGet(id);
    state.lastError = { ...error, at: new Date().toISOString() };
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

  #readState(): Record<string, PersistedSource> {
    try {
      const json = JSON.parse(readFileSync(this.#stateFile(), 'utf8'));
      if (json?.version === STATE_VERSION && json.sources && typeof json.sources === 'object') {
        return json.sources as Record<string, PersistedSource>;
      }
      this.#logger.warn({ file: this.#stateFile() }, 'state file has an unknown shape; ignored');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        this.#logger.warn({ file: this.#stateFile(), err: String(error) }, 'state file unreadable');
      }
    }
    return {};
  }

  /** Coalesces bursts of changes into one atomic write at a time. */
  #persist(): void {
    if (this.#persistQueued) return;
    this.#persistQueued = true;
    this.#persisting = this.#persisting.then(async () => {
      this.#persistQueued = false;
      const sources: Record<string, PersistedSource> = {};
      for (const [id, s] of this.#states) {
        sources[id] = {
          enabled: s.enabled, snapshot: s.snapshot,
          lastSuccess: s.lastSuccess, lastError: s.lastError,
        };
      }
      try {
        mkdirSync(this.home, { recursive: true, mode: 0o700 });
        const body = JSON.stringify({ version: STATE_VERSION, sources }, null, 2);
        await writeFileAtomic(this.#stateFile(), body);
        this.#readOnly = false;
      } catch (error) {
        if (!this.#readOnly) {
          this.#logger.error({ err: String(error) }, 'cannot write state; serving from memory');
        }
        this.#readOnly = true;
      }
    });
  }

  /** Resolves once pending state writes are on disk. */
  flush(): Promise<void> {
    return this.#persisting;
  }
}
