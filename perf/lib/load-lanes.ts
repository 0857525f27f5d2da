// Building blocks of the load mixes: the expected answer of every call (from an unloaded
// pass), a lane of checked calls driven at some concurrency, a lane of back-to-back
// refreshes, and the pool's work over a lane computed from two stats readings.
import { answerKey, expectAnswer } from './answers.js';
import { drive } from './driver.js';
import { elapsedMicros, LatencyRecorder, now } from './histogram.js';
import { readServerStats } from './stats.js';
import type { ToolCall } from './answers.js';
import type { DriveResult } from './driver.js';
import type { CurvePoint, LatencySummary } from './histogram.js';
import type { LaunchedServer } from './launch.js';
import type { ServerStats } from './stats.js';

export function callKey(call: ToolCall): string {
  return `${call.tool} ${JSON.stringify(call.args)}`;
}

/**
 * Calls each of `calls` once, one at a time on an otherwise idle server: records its answer
 * key in `expected`, or, when a key is already there (taken on another server process over
 * the same data), compares with it. Returns the mismatches and errors.
 */
export async function primeAnswers(
  server: LaunchedServer,
  calls: readonly ToolCall[],
  expected: Map<string, string>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const call of calls) {
    const key = callKey(call);
    let result;
    try {
      result = await server.call(call.tool, call.args);
    } catch (error) {
      problems.push(`${key} was rejected unloaded: ${String(error)}`);
      continue;
    }
    const got = answerKey(result);
    if (result.isError) problems.push(`${key} failed unloaded: ${JSON.stringify(result.content)}`);
    else if (!expected.has(key)) expected.set(key, got);
    else if (expected.get(key) !== got) problems.push(`${key}: ${expected.get(key)} vs ${got}`);
  }
  return problems;
}

export interface LaneReport {
  name: string;
  concurrency: number;
  run: DriveResult;
  latency: LatencySummary;
  curve: CurvePoint[];
  /**
   * CPU per started call over the lane, ms: the server process (main thread and workers) and
   * this harness (the client shares the machine's cores). Lanes running side by side each
   * count the whole process, so only a lane that ran alone has a clean figure.
   */
  cpu: { serverMsPerCall: number | null; clientMsPerCall: number | null };
}

export interface LaneOptions {
  name: string;
  concurrency: number;
  count?: number;
  durationMs?: number;
  signal?: AbortSignal;
}

/** Drives `calls` round robin; each answer must match its expected key. */
export async function runLane(
  server: LaunchedServer,
  calls: readonly ToolCall[],
  expected: ReadonlyMap<string, string>,
  options: LaneOptions,
): Promise<LaneReport> {
  const recorder = new LatencyRecorder();
  const cpu = await cpuMark(server);
  const run = await drive({ ...options, recorder }, async (index) => {
    const call = calls[index % calls.length]!;
    const want = expected.get(callKey(call));
    if (want === undefined) throw new Error(`no expected answer for ${callKey(call)}`);
    const result = await server.call(call.tool, call.args);
    expectAnswer(call, want, result);
  });
  return laneReport(options.name, options.concurrency, run, recorder, await cpu.per(run.started));
}

/** CPU readings of both processes now; `per(calls)` gives the usage since, per call. */
async function cpuMark(server: LaunchedServer): Promise<{
  per(calls: number): Promise<LaneReport['cpu']>;
}> {
  const serverBefore = await server.cpuMs();
  const clientBefore = process.cpuUsage();
  return {
    per: async (calls) => {
      const serverAfter = await server.cpuMs();
      const client = process.cpuUsage(clientBefore);
      const perCall = (total: number): number => Math.round((total / calls) * 1000) / 1000;
      return {
        serverMsPerCall:
          serverBefore !== null && serverAfter !== null && calls > 0
            ? perCall(serverAfter - serverBefore)
            : null,
        clientMsPerCall: calls > 0 ? perCall((client.user + client.system) / 1000) : null,
      };
    },
  };
}

export interface RefreshLaneReport extends LaneReport {
  /** What each refresh returned (structured content), for the report. */
  results: unknown[];
}

/** `rounds` calls of `refresh_sources {}` one after another, each timed. */
export async function runRefreshLane(
  server: LaunchedServer,
  rounds: number,
  timeoutMs: number,
): Promise<RefreshLaneReport> {
  const recorder = new LatencyRecorder();
  const results: unknown[] = [];
  const cpu = await cpuMark(server);
  const run = await drive({ concurrency: 1, count: rounds, recorder }, async () => {
    const result = await server.call('refresh_sources', {}, timeoutMs);
    if (result.isError) {
      throw new Error(`refresh_sources failed: ${JSON.stringify(result.content)}`);
    }
    results.push(result.structuredContent ?? null);
  });
  const lane = laneReport('refresh_sources', 1, run, recorder, await cpu.per(run.started));
  return { ...lane, results };
}

function laneReport(
  name: string,
  concurrency: number,
  run: DriveResult,
  recorder: LatencyRecorder,
  cpu: LaneReport['cpu'],
): LaneReport {
  return { name, concurrency, run, latency: recorder.summary(), curve: recorder.curve(10), cpu };
}

/** The pool's work between two stats readings. */
export interface PoolWindow {
  tasks: number;
  /** Busy share of the threads over the window, 0..1, from run time totals. */
  utilization: number | null;
  /** Mean queue wait per task over the window, ms. */
  meanWaitMs: number | null;
  meanRunMs: number | null;
}

export interface StatsMark {
  at: bigint;
  stats: ServerStats | null;
}

export async function markStats(server: LaunchedServer): Promise<StatsMark> {
  return { at: now(), stats: await readServerStats(server) };
}

/**
 * piscina reports cumulative means since the pool started; the totals (mean × count) differ
 * between two readings by exactly the work done in between.
 */
export function poolWindow(before: StatsMark, after: StatsMark): PoolWindow {
  const a = before.stats?.pool;
  const b = after.stats?.pool;
  if (!a || !b || a.completed === undefined || b.completed === undefined) {
    return { tasks: 0, utilization: null, meanWaitMs: null, meanRunMs: null };
  }
  const tasks = b.completed - a.completed;
  // Inline mode has no pool to time: its wait and run figures are zeros, not measurements.
  if (b.mode === 'inline') return { tasks, utilization: null, meanWaitMs: null, meanRunMs: null };
  const total = (p: typeof a, key: 'waitTime' | 'runTime'): number =>
    (p[key]?.mean ?? 0) * (p.completed ?? 0);
  const runMs = total(b, 'runTime') - total(a, 'runTime');
  const waitMs = total(b, 'waitTime') - total(a, 'waitTime');
  const elapsedMs = Number(after.at - before.at) / 1e6;
  const threads = b.threads ?? 1;
  return {
    tasks,
    utilization: elapsedMs > 0 && b.threads ? round3(runMs / (elapsedMs * threads)) : null,
    meanWaitMs: tasks > 0 ? round3(waitMs / tasks) : null,
    meanRunMs: tasks > 0 ? round3(runMs / tasks) : null,
  };
}

/** Microseconds since a mark, for timing whole phases. */
export function sinceMark(mark: StatsMark): number {
  return elapsedMicros(mark.at);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
