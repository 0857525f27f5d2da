// Builds the search index of the current snapshots in a worker as soon as they change,
// outside any request's deadline. Queries meanwhile are answered from the previous index
// (workers keep it), so a refresh or an enabled source never puts a multi-second index
// build on the query path; only the very first build, with nothing older to answer
// from, makes queries wait.
import { describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { WarmResult } from '../../workers/protocol.js';
import type { SourceRegistry } from './source-registry.js';

export class IndexWarmer {
  readonly #registry: SourceRegistry;
  readonly #pool: WorkerPool;
  readonly #logger: Logger;
  readonly #deadlineMs: number;
  readonly #settled: () => Promise<void>;
  #running: Promise<void> | null = null;
  #again = false;
  #warmedOnce = false;

  /**
   * @param settled resolves when the first fetches under way are done: at start-up one
   *   build over every source beats one build per source as each arrives.
   */
  constructor(
    registry: SourceRegistry,
    pool: WorkerPool,
    logger: Logger,
    options: { settled?: () => Promise<void>; deadlineMs?: number } = {},
  ) {
    this.#registry = registry;
    this.#pool = pool;
    this.#logger = logger;
    this.#settled = options.settled ?? (() => Promise.resolve());
    this.#deadlineMs = options.deadlineMs ?? 600_000;
  }

  /** The sources a query runs over: enabled ones with a snapshot, in a stable order. */
  corpusSources(): string[] {
    return this.#registry
      .enabled()
      .filter((s) => s.snapshot)
      .map((s) => s.config.id)
      .sort();
  }

  /** Asks for a build of the current corpus; bursts of changes collapse into one more. */
  schedule(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => (this.#running = null));
  }

  /**
   * What a query must wait for: the first build, while no index was ever built in this
   * process. Afterwards null: workers answer from the previous index while a new one builds.
   */
  coldStart(): Promise<void> | null {
    return this.#warmedOnce ? null : this.#running;
  }

  async #loop(): Promise<void> {
    await this.#settled();
    do {
      this.#again = false;
      const sources = this.corpusSources();
      if (sources.length === 0) return;
      try {
        const result = await this.#pool.run<WarmResult>(
          { kind: 'warm', home: this.#registry.home, sources },
          { deadlineMs: this.#deadlineMs },
        );
        this.#warmedOnce = true;
        if (result.indexNotSaved) this.#registry.reportIndexUnwritable(result.indexNotSaved);
        this.#logger.info({ sources: sources.length, ...result }, 'search index ready');
      } catch (error) {
        this.#logger.warn({ err: describeError(error) }, 'search index build failed');
        return;
      }
    } while (this.#again);
  }
}
