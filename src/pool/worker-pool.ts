// The piscina pool behind every tool call, or (for benchmarks) the same task code run
// inline on the main thread. Callers get one error vocabulary either way: BUSY when the
// bounded queue is full, DEADLINE_EXCEEDED, CANCELLED, WORKER_FAILED.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { FileCacheStats } from './file-cache-stats.js';
import type { Settings } from '../config.js';
import type { Logger } from '../logger.js';
import type { FileCacheTotals } from './file-cache-stats.js';
import type { TaskEnvelope, WorkerBootData, WorkerTask } from '../../workers/protocol.js';

export interface PoolOptions {
  threads: number;
  maxQueue: number;
  fileCacheBytes: number;
  inline: boolean;
  /**
   * Heap limit of each worker, so a runaway task kills its worker, not the server.
   * Default: SWIFTPATTERNS_WORKER_HEAP_MB, else 2048.
   */
  maxOldGenerationSizeMb?: number;
  logger: Logger;
}

/** The pool the settings ask for (the server and the `refresh` command share it). */
export function poolOptionsFrom(
  settings: Pick<Settings, 'poolThreads' | 'poolMaxQueue' | 'fileCacheBytes' | 'inline'>,
  logger: Logger,
): PoolOptions {
  return {
    threads: settings.poolThreads,
    maxQueue: settings.poolMaxQueue,
    fileCacheBytes: settings.fileCacheBytes,
    inline: settings.inline,
    logger,
  };
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Milliseconds from now; past it the task is aborted with DEADLINE_EXCEEDED. */
  deadlineMs?: number;
}

export interface PoolStats {
  mode: 'pool' | 'inline';
  threads: number;
  maxThreads: number;
  idleThreads: number;
  queueSize: number;
  maxQueue: number;
  completed: number;
  utilization: number;
  /** Milliseconds tasks waited for a worker and ran, summarised by piscina. */
  waitTime: { p50: number; p99: number; max: number; mean: number };
  runTime: { p50: number; p99: number; max: number; mean: number };
  workerRestarts: number;
  /** Tasks started and not yet settled (running or queued), as the pool counts them. */
  active: number;
}

type TaskRunner = (task: WorkerTask) => Promise<TaskEnvelope>;

/** A task that ran and failed on its own terms (a feed error, a corrupt file). */
export class TaskError extends Error {
  override name = 'TaskError';
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

// The worker entry sits beside this tree as .ts under tsx and as .js in the build.
const workerExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const workerFile = fileURLToPath(new URL(`../../workers/worker${workerExt}`, import.meta.url));

export class WorkerPool {
  readonly fileCacheStats: FileCacheStats;
  readonly #options: PoolOptions;
  readonly #piscina: Piscina | null;
  #inlineRunner: Promise<TaskRunner> | null = null;
  #inlineActive = 0;
  #inlineCompleted = 0;
  #restarts = 0;
  readonly #startedAt = performance.now();
  #closed = false;
  #destroyed = false;
  #active = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(options: PoolOptions) {
    this.#options = options;
    if (options.inline) {
      this.#piscina = null;
      this.fileCacheStats = new FileCacheStats(null);
      return;
    }
    const boot: WorkerBootData = {
      statsChannel: `swiftpatterns-stats-${randomUUID()}`,
      fileCacheBytes: options.fileCacheBytes,
    };
    this.fileCacheStats = new FileCacheStats(boot.statsChannel);
    this.#piscina = new Piscina({
      filename: workerFile,
      minThreads: options.threads,
      maxThreads: options.threads,
      maxQueue: options.maxQueue,
      idleTimeout: 60_000,
      workerData: boot,
      resourceLimits: {
        maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? heapLimitFromEnv() ?? 2048,
      },
      closeTimeout: 5_000,
    });
    // piscina hands out a small worker interface whose `id` is the thread id.
    const piscina = this.#piscina;
    this.#piscina.on('workerDestroy', (worker: { id: number }) => {
      if (worker.id >= 0) {
        this.fileCacheStats.markExited(worker.id);
      } else {
        // A thread that already exited (process.exit, out of memory) reports threadId -1:
        // mark every thread we heard from that is no longer among the pool's threads.
        const live = new Set(piscina.threads.map((thread) => thread.threadId));
        for (const known of this.fileCacheStats.totals().perWorker) {
          if (known.alive && !live.has(known.threadId)) this.fileCacheStats.markExited(known.threadId);
        }
      }
      if (!this.#closed) this.#restarts += 1;
    });
    // piscina re-emits worker errors here; the failing task is rejected on its own.
    this.#piscina.on('error', (error: Error) => {
      options.logger.error({ err: error.message }, 'worker pool error');
    });
  }

  async run<R>(task: WorkerTask, options: RunOptions = {}): Promise<R> {
    if (this.#closed) {
      throw new SwiftPatternsError(ErrorCodes.SHUTTING_DOWN, 'the server is shutting down');
    }
    const deadline =
      options.deadlineMs === undefined ? null : AbortSignal.timeout(options.deadlineMs);
    const signals = [options.signal, deadline].filter((s): s is AbortSignal => s != null);
    const signal = signals.length === 0 ? undefined : AbortSignal.any(signals);

    // piscina's maxQueue does not count tasks that carry an AbortSignal (it parks them in
    // a separate, unbounded queue), and every task here has one, so the bound is kept
    // here: at most `threads` running plus `maxQueue` waiting.
    if (this.#piscina && this.#active >= this.#options.threads + this.#options.maxQueue) {
      throw this.#busy();
    }
    let envelope: TaskEnvelope<R>;
    this.#active += 1;
    try {
      envelope = this.#piscina
        ? await this.#piscina.run(task, { signal })
        : ((await this.#runInline(task, signal)) as TaskEnvelope<R>);
    } catch (error) {
      throw this.#translate(error, task, deadline, options.signal);
    } finally {
      this.#active -= 1;
      if (this.#active === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    }
    if (!envelope.ok) throw new TaskError(envelope.error.code, envelope.error.message);
    return envelope.value;
  }

  async #runInline(task: WorkerTask, signal?: AbortSignal): Promise<unknown> {
    signal?.throwIfAborted();
    this.#inlineRunner ??= import('../../workers/task-runner.js').then((m) =>
      m.createTaskRunner({
        fileCacheBytes: this.#options.fileCacheBytes,
        publish: (message) => this.fileCacheStats.record(message),
      }),
    );
    const runner = await this.#inlineRunner;
    this.#inlineActive += 1;
    try {
      return await runner(task);
    } finally {
      this.#inlineActive -= 1;
      this.#inlineCompleted += 1;
    }
  }

  #translate(
    error: unknown,
    task: WorkerTask,
    deadline: AbortSignal | null,
    caller?: AbortSignal,
  ): unknown {
    if (error instanceof SwiftPatternsError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (deadline?.aborted) {
      return new SwiftPatternsError(
        ErrorCodes.DEADLINE_EXCEEDED,
        `the ${task.kind} task did not finish within its deadline; try again or raise ` +
          'SWIFTPATTERNS_TOOL_TIMEOUT_MS',
      );
    }
    if (caller?.aborted) {
      return new SwiftPatternsError(ErrorCodes.CANCELLED, 'the request was cancelled');
    }
    if (message === 'Task queue is at limit') return this.#busy();
    if (this.#closed) {
      return new SwiftPatternsError(
        ErrorCodes.SHUTTING_DOWN,
        `the server shut down while this ${task.kind} request was running`,
      );
    }
    // The task runner turns every error a task raises into an envelope, so a rejection
    // that reaches here means the worker itself went away: it threw outside a task, called
    // process.exit, or hit its heap limit (ERR_WORKER_OUT_OF_MEMORY). piscina has already
    // started a replacement.
    return new SwiftPatternsError(
      ErrorCodes.WORKER_FAILED,
      `a worker failed while running this ${task.kind} request (${message}); ` +
        'it has been replaced, retry the request',
      { cause: error },
    );
  }

  #busy(): SwiftPatternsError {
    return new SwiftPatternsError(
      ErrorCodes.BUSY,
      `the server is busy (${this.#options.maxQueue} requests already waiting); retry shortly`,
    );
  }

  stats(): PoolStats {
    const p = this.#piscina;
    if (!p) {
      const empty = { p50: 0, p99: 0, max: 0, mean: 0 };
      return {
        mode: 'inline', threads: 1, maxThreads: 1, idleThreads: this.#inlineActive ? 0 : 1,
        queueSize: 0, maxQueue: 0, completed: this.#inlineCompleted, utilization: 0,
        waitTime: empty, runTime: empty, workerRestarts: 0, active: this.#active,
      };
    }
    const pick = (h: { p50: number; p99: number; max: number; mean: number }) => ({
      p50: round(h.p50), p99: round(h.p99), max: round(h.max), mean: round(h.mean),
    });
    return {
      mode: 'pool',
      threads: p.threads.length,
      maxThreads: p.maxThreads,
      idleThreads: p.idleThreads,
      queueSize: Math.max(p.queueSize, this.#active - p.threads.length),
      maxQueue: this.#options.maxQueue,
      completed: p.completed,
      utilization: this.#utilization(p),
      waitTime: pick(p.histogram.waitTime),
      runTime: pick(p.histogram.runTime),
      workerRestarts: this.#restarts,
      active: this.#active,
    };
  }

  /**
   * Share of the threads' time spent running tasks since the pool started, from piscina's
   * run-time histogram (mean × tasks). piscina's own `utilization` reads near 0 here
   * because it divides by a capacity estimate that idle periods inflate.
   */
  #utilization(p: Piscina): number {
    const busyMs = p.histogram.runTime.mean * p.completed;
    const capacityMs = (performance.now() - this.#startedAt) * Math.max(1, p.threads.length);
    if (!Number.isFinite(busyMs) || capacityMs <= 0) return 0;
    return round(Math.min(1, busyMs / capacityMs));
  }

  fileCache(): FileCacheTotals {
    return this.fileCacheStats.totals();
  }

  /**
   * Stops taking tasks (new runs fail with SHUTTING_DOWN), lets the running and queued
   * ones finish for up to `graceMs`, then aborts what is left and stops the threads.
   * Safe to call twice.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#destroyed) return;
    this.#closed = true;
    if (this.#active > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    await this.destroy();
  }

  /** Aborts what runs, stops the threads. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#closed = true;
    this.#destroyed = true;
    await this.#piscina?.destroy();
    this.fileCacheStats.close();
  }
}

/** SWIFTPATTERNS_WORKER_HEAP_MB: a test (or a small machine) lowers each worker's heap. */
function heapLimitFromEnv(): number | undefined {
  const raw = process.env.SWIFTPATTERNS_WORKER_HEAP_MB;
  const value = raw ? Number(raw) : NaN;
  return Number.isInteger(value) && value >= 16 ? value : undefined;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0;
}
