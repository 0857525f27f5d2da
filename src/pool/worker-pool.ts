// The piscina pool behind every tool call, or (for benchmarks) the same task code run
// inline on the main thread. Callers get one error vocabulary either way: BUSY when the
// bounded queue is full, DEADLINE_EXCEEDED, CANCELLED, WORKER_FAILED.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ErrorCodes, SwiftPatternsError } from '../errors.js';
import { FileCacheStats } from './file-cache-stats.js';
import type { Logger } from '../logger.js';
import type { FileCacheTotals } from './file-cache-stats.js';
import type { TaskEnvelope, WorkerBootData, WorkerTask } from '../../workers/protocol.js';

export interface PoolOptions {
  threads: number;
  maxQueue: number;
  fileCacheBytes: number;
  inline: boolean;
  /** Heap limit of each worker, so a runaway task kills its worker, not the server. */
  maxOldGenerationSizeMb?: number;
  logger: Logger;
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
  #closed = false;

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
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 2048 },
      closeTimeout: 5_000,
    });
    // piscina hands out a small worker interface whose `id` is the thread id.
    this.#piscina.on('workerDestroy', (worker: { id: number }) => {
      this.fileCacheStats.markExited(worker.id);
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

    let envelope: TaskEnvelope<R>;
    try {
      envelope = this.#piscina
        ? await this.#piscina.run(task, { signal })
        : ((await this.#runInline(task, signal)) as TaskEnvelope<R>);
    } catch (error) {
      throw this.#translate(error, task, deadline, options.signal);
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
    if (message === 'Task queue is at limit') {
      return new SwiftPatternsError(
        ErrorCodes.BUSY,
        `the server is busy (${this.#options.maxQueue} requests already waiting); retry shortly`,
      );
    }
    if (/Terminating worker thread|worker .*exit|ERR_WORKER_OUT_OF_MEMORY/i.test(message)) {
      return new SwiftPatternsError(
        ErrorCodes.WORKER_FAILED,
        `a worker failed while running this ${task.kind} request (${message}); ` +
          'it has been replaced, retry the request',
        { cause: error },
      );
    }
    // Errors raised by the task itself (a feed that cannot be parsed, a corrupt file)
    // keep their own message and code.
    return error;
  }

  stats(): PoolStats {
    const p = this.#piscina;
    if (!p) {
      const empty = { p50: 0, p99: 0, max: 0, mean: 0 };
      return {
        mode: 'inline', threads: 1, maxThreads: 1, idleThreads: this.#inlineActive ? 0 : 1,
        queueSize: 0, maxQueue: 0, completed: this.#inlineCompleted, utilization: 0,
        waitTime: empty, runTime: empty, workerRestarts: 0,
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
      queueSize: p.queueSize,
      maxQueue: this.#options.maxQueue,
      completed: p.completed,
      utilization: round(p.utilization),
      waitTime: pick(p.histogram.waitTime),
      runTime: pick(p.histogram.runTime),
      workerRestarts: this.#restarts,
    };
  }

  fileCache(): FileCacheTotals {
    return this.fileCacheStats.totals();
  }

  /** Aborts what runs, stops the threads. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina?.destroy();
    this.fileCacheStats.close();
  }
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0;
}
