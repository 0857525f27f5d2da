// The two measurements the baseline repeats for every query: cold (a new process, timed from
// the spawn to its first answered call) and warm (many sequential calls on a running one).
import { drive } from './driver.js';
import { elapsedMicros, LatencyRecorder } from './histogram.js';
import type { ToolCall } from './answers.js';
import type { LaunchedServer } from './launch.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Null when the answer is right, else why not. */
export type AnswerCheck = (result: CallToolResult) => string | null;

export interface ColdResult {
  /** Spawn to the first call answered. */
  firstCall: LatencyRecorder;
  /** Spawn to `initialize` + `tools/list` done. */
  connect: LatencyRecorder;
  failures: string[];
}

/** Starts `runs` processes one after another and times each one's first call. */
export async function measureCold(options: {
  runs: number;
  start: () => Promise<LaunchedServer>;
  call: ToolCall;
  check?: AnswerCheck;
}): Promise<ColdResult> {
  const result: ColdResult = {
    firstCall: new LatencyRecorder(),
    connect: new LatencyRecorder(),
    failures: [],
  };
  for (let run = 0; run < options.runs; run++) {
    const server = await options.start();
    try {
      result.connect.record(server.connectMicros);
      const answer = await server.call(options.call.tool, options.call.args);
      result.firstCall.record(elapsedMicros(server.spawnedAt));
      const problem = options.check?.(answer);
      if (problem) result.failures.push(problem);
    } catch (error) {
      // A call the client rejects (protocol error, invalid structured content) is a wrong
      // answer like any other: reported, not a crash of the whole baseline.
      result.failures.push(error instanceof Error ? error.message : String(error));
    } finally {
      await server.close();
    }
  }
  return result;
}

export interface WarmResult {
  recorder: LatencyRecorder;
  failures: string[];
}

/**
 * `warmup` untimed calls (checked), then `samples` timed sequential calls (also checked, so
 * a fast wrong answer is a failure, not a sample).
 */
export async function measureWarm(
  server: LaunchedServer,
  call: ToolCall,
  options: { samples: number; warmup: number; check?: AnswerCheck },
): Promise<WarmResult> {
  const failures: string[] = [];
  const once = async (): Promise<void> => {
    const answer = await server.call(call.tool, call.args);
    const problem = options.check?.(answer);
    if (problem) throw new Error(problem);
  };
  for (let i = 0; i < options.warmup; i++) {
    await once().catch((error: unknown) => failures.push(String(error)));
  }
  const recorder = new LatencyRecorder();
  const run = await drive({ concurrency: 1, count: options.samples, recorder }, once);
  failures.push(...run.failures.map((f) => f.message));
  return { recorder, failures };
}
