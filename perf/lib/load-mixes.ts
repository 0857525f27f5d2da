// The four load mixes of issue 4. Each starts its own server process (pool or inline),
// primes the answers it will check, drives its lanes and reads the server's resources.
import { checkKnownPair, knownPairs } from './answers.js';
import { ratioOf } from './histogram.js';
import { launch } from './launch.js';
import {
  callKey,
  markStats,
  poolWindow,
  primeAnswers,
  runLane,
  runRefreshLane,
} from './load-lanes.js';
import { snapshotResources, waitForIdle } from './stats.js';
import { questions } from '../questions.js';
import type { ToolCall } from './answers.js';
import type { PercentileKey } from './histogram.js';
import type { LaunchedServer } from './launch.js';
import type { LaneReport, PoolWindow, RefreshLaneReport } from './load-lanes.js';
import type { Sandbox } from './sandbox.js';
import type { ResourceSnapshot } from './stats.js';

export const mixNames = ['hits', 'misses', 'head-of-line', 'refresh'] as const;
export type MixName = (typeof mixNames)[number];
export type Mode = 'pool' | 'inline';

export interface MixSettings {
  concurrency: number;
  count?: number;
  durationMs?: number;
  /** Refreshes run back to back during the refresh mix. */
  refreshRounds: number;
  callTimeoutMs: number;
}

export interface MixContext {
  sandbox: Sandbox;
  home: string;
  settings: MixSettings;
  /** Answer keys shared by every mix and mode (same data, same answers). */
  expected: Map<string, string>;
  /** The fixture corpus has known right answers; generated corpora do not. */
  checkKnownPairs: boolean;
  log(line: string): void;
}

export interface MixReport {
  mix: MixName;
  mode: Mode;
  /** The lane the guardrails judge. */
  primary: string;
  lanes: LaneReport[];
  /** Problems found while priming (unloaded answers that were wrong or differed). */
  primeProblems: string[];
  pool: PoolWindow;
  resources: ResourceSnapshot;
  refresh?: {
    lane: RefreshLaneReport;
    /** Query latency during the refreshes as a multiple of before them. */
    moved: Record<PercentileKey, number>;
  };
}

const searchCall = (query: string): ToolCall => ({ tool: 'search_swift_content', args: { query } });
const missCalls: ToolCall[] = questions.map(searchCall);
const hitCalls: ToolCall[] = [
  ...questions.slice(0, 30).map(searchCall),
  ...knownPairs.map((pair) => searchCall(pair.query)),
  ...['swiftui', 'actors', 'testing', 'navigation', 'dependencies'].map((topic) => ({
    tool: 'get_swift_pattern',
    args: { topic },
  })),
];
const cheapCall: ToolCall = { tool: 'list_content_sources', args: {} };

export async function runMix(mix: MixName, mode: Mode, context: MixContext): Promise<MixReport> {
  const { sandbox, home, settings } = context;
  // Every mix but `hits` bypasses the intent cache, so each call is a worker-path miss.
  const extra: Record<string, string> = {};
  if (mix !== 'hits') extra['SWIFTPATTERNS_INTENT_CACHE'] = 'off';
  if (mode === 'inline') extra['SWIFTPATTERNS_INLINE'] = '1';
  if (mix === 'refresh') sandbox.disableConditionalGet();

  const server = await launch({
    entry: 'server',
    env: sandbox.env(home, extra),
    callTimeoutMs: settings.callTimeoutMs,
  });
  try {
    await waitForIdle(server, settings.callTimeoutMs);
    context.log(`${mix} (${mode}): priming answers`);
    const primeProblems = await prime(mix, server, context);
    context.log(`${mix} (${mode}): driving ${settings.concurrency} in flight`);
    const before = await markStats(server);
    const body = await drivers[mix](server, context);
    const after = await markStats(server);
    return {
      mix,
      mode,
      primary: body.primary,
      lanes: body.lanes,
      primeProblems,
      pool: poolWindow(before, after),
      resources: await snapshotResources(server),
      ...(body.refresh ? { refresh: body.refresh } : {}),
    };
  } finally {
    await server.close();
  }
}

async function prime(mix: MixName, server: LaunchedServer, context: MixContext): Promise<string[]> {
  // Calls whose answer is known from an earlier mix are only sampled (ten of them): enough
  // to warm the workers and to catch a process that answers differently, without paying
  // for every question again on large corpora.
  const all = mix === 'hits' ? hitCalls : [...missCalls, cheapCall];
  const known = all.filter((call) => context.expected.has(callKey(call)));
  const unknown = all.filter((call) => !known.includes(call));
  const calls = mix === 'hits' ? all : [...unknown, ...known.slice(0, 10)];
  const problems = await primeAnswers(server, calls, context.expected);
  if (mix === 'hits' && context.checkKnownPairs) {
    for (const pair of knownPairs) {
      const result = await server.call('search_swift_content', { query: pair.query });
      const problem = checkKnownPair(pair, result);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

interface MixBody {
  primary: string;
  lanes: LaneReport[];
  refresh?: MixReport['refresh'];
}

type MixDriver = (server: LaunchedServer, context: MixContext) => Promise<MixBody>;

const drivers: Record<MixName, MixDriver> = {
  hits: async (server, { expected, settings }) => {
    const lane = await runLane(server, hitCalls, expected, { name: 'hits', ...load(settings) });
    return { primary: lane.name, lanes: [lane] };
  },

  misses: async (server, { expected, settings }) => {
    const lane = await runLane(server, missCalls, expected, { name: 'misses', ...load(settings) });
    return { primary: lane.name, lanes: [lane] };
  },

  // Cheap calls one at a time while misses keep the pool saturated: if the main thread stays
  // free, their latency stays near the floor's.
  'head-of-line': async (server, { expected, settings }) => {
    const stop = new AbortController();
    const missesLane = runLane(server, missCalls, expected, { name: 'misses', ...load(settings) })
      .finally(() => stop.abort());
    const cheapLane = runLane(server, [cheapCall], expected, {
      name: 'cheap (list_content_sources)',
      concurrency: 1,
      durationMs: 24 * 3_600_000,
      signal: stop.signal,
    });
    const [misses, cheap] = await Promise.all([missesLane, cheapLane]);
    return { primary: cheap.name, lanes: [cheap, misses] };
  },

  // Queries alone, then the same queries while every source is fetched, parsed and
  // re-indexed `refreshRounds` times back to back.
  refresh: async (server, { expected, settings }) => {
    const half = load(settings, 0.5);
    const before = await runLane(server, missCalls, expected, {
      name: 'queries before refresh',
      ...half,
    });
    const stop = new AbortController();
    const refreshLane = runRefreshLane(server, settings.refreshRounds, settings.callTimeoutMs)
      .finally(() => stop.abort());
    const duringLane = runLane(server, missCalls, expected, {
      name: 'queries during refresh',
      concurrency: settings.concurrency,
      durationMs: 24 * 3_600_000,
      signal: stop.signal,
    });
    const [lane, during] = await Promise.all([refreshLane, duringLane]);
    return {
      primary: during.name,
      lanes: [during, before, lane],
      refresh: { lane, moved: ratioOf(during.latency, before.latency) },
    };
  },
};

/** Concurrency plus count or duration, optionally scaled (the refresh mix halves them). */
function load(
  settings: MixSettings,
  share = 1,
): { concurrency: number; count?: number; durationMs?: number } {
  const { concurrency, count, durationMs } = settings;
  return {
    concurrency,
    ...(count !== undefined ? { count: Math.max(1, Math.round(count * share)) } : {}),
    ...(durationMs !== undefined ? { durationMs: Math.round(durationMs * share) } : {}),
  };
}
