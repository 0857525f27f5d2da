// Closed-loop load: keep exactly N calls in flight until a count is reached or a duration has
// passed. Each lane starts its next call the moment its previous one settles, so the pool sees
// a steady queue of N, which is how parallel tool use of an assistant looks to the server.
import { elapsedMicros, now } from './histogram.js';
import type { LatencyRecorder } from './histogram.js';

export interface DriveOptions {
  /** Calls in flight at once (>= 1). */
  concurrency: number;
  /** Stop after this many calls have been started. */
  count?: number;
  /** Stop starting calls after this many milliseconds. */
  durationMs?: number;
  /** Successful calls' latencies go here (microseconds). */
  recorder?: LatencyRecorder;
  /** Stops starting new calls; calls in flight still settle. */
  signal?: AbortSignal;
}

export interface DriveFailure {
  index: number;
  message: string;
}

export interface DriveResult {
  started: number;
  succeeded: number;
  failed: number;
  /** Up to 20 failures, first ones first. */
  failures: DriveFailure[];
  elapsedMs: number;
  /** Successful calls per second over the whole run. */
  throughput: number;
  /** Highest number of calls seen in flight at once. */
  maxInFlight: number;
}

const keptFailures = 20;

/**
 * Runs `task(index)` with `concurrency` calls in flight. A task fails by throwing or
 * rejecting (a wrong answer counts as a failure, so the task checks what it got).
 */
export async function drive(
  options: DriveOptions,
  task: (index: number) => Promise<void>,
): Promise<DriveResult> {
  const { concurrency, count, durationMs, recorder, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  if (count === undefined && durationMs === undefined) {
    throw new TypeError('drive needs a count or a durationMs');
  }

  const start = now();
  const deadline = durationMs === undefined ? Infinity : Date.now() + durationMs;
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let succeeded = 0;
  const failures: DriveFailure[] = [];
  let failed = 0;

  const more = (): boolean =>
    !signal?.aborted && (count === undefined || next < count) && Date.now() < deadline;

  const lane = async (): Promise<void> => {
    while (more()) {
      const index = next++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const started = now();
      try {
        await task(index);
        recorder?.record(elapsedMicros(started));
        succeeded++;
      } catch (error) {
        failed++;
        if (failures.length < keptFailures) {
          failures.push({ index, message: error instanceof Error ? error.message : String(error) });
        }
      } finally {
        inFlight--;
      }
    }
  };

  const lanes = Math.min(concurrency, count ?? concurrency);
  await Promise.all(Array.from({ length: lanes }, lane));

  const elapsedMs = elapsedMicros(start) / 1000;
  return {
    started: next,
    succeeded,
    failed,
    failures,
    elapsedMs: Math.round(elapsedMs),
    throughput: elapsedMs > 0 ? Math.round((succeeded / elapsedMs) * 1000 * 10) / 10 : 0,
    maxInFlight,
  };
}
