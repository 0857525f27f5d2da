// npm run perf:load: N calls in flight against the real server, in four mixes, each answer
// checked against the one the server gave unloaded. Writes docs/benchmarks/load-<date>.*
// and exits 1 when a guardrail fails, 2 on bad flags.
//
//   npm run perf:load -- [--concurrency 10] [--count 1000 | --duration 30s]
//     [--mix hits|misses|head-of-line|refresh|all] [--corpus fixtures|1k|10k|50k]
//     [--inline] [--p90-max-ms N] [--p99-max-ms N] [--refresh-rounds 1] [--name SUFFIX]
import { parseArgs } from 'node:util';
import { choiceFlag, durationFlag, intFlag, msFlag, UsageError } from './lib/cli-args.js';
import { corpusNames, openCorpusSandbox } from './lib/corpus-sandbox.js';
import { ms, times } from './lib/format.js';
import { measureIndexBuild } from './lib/index-build.js';
import { floorTool, launch } from './lib/launch.js';
import { primeAnswers, runLane } from './lib/load-lanes.js';
import { mixNames, runMix } from './lib/load-mixes.js';
import {
  checkGuardrails,
  loadTargets,
  primaryLane,
  renderLoadMarkdown,
} from './lib/load-report.js';
import { localDate, machineInfo, reportName, writeReport } from './lib/report-files.js';
import { renderPercentilePlot } from './lib/svg-plot.js';
import type { LaneReport } from './lib/load-lanes.js';
import type { MixName, MixReport, MixSettings } from './lib/load-mixes.js';
import type { LoadReport } from './lib/load-report.js';
import type { PlotSeries } from './lib/svg-plot.js';

const log = (line: string): void => void process.stderr.write(line + '\n');

let flags;
try {
  flags = readFlags();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  log(error.message);
  process.exit(2);
}

const date = localDate();
const machine = machineInfo(date);
log(`corpus ${flags.corpus}: preparing`);
const corpus = await openCorpusSandbox(flags.corpus);

try {
  const settings: MixSettings = {
    concurrency: flags.concurrency,
    ...(flags.count !== undefined ? { count: flags.count } : {}),
    ...(flags.durationMs !== undefined ? { durationMs: flags.durationMs } : {}),
    refreshRounds: flags.refreshRounds,
    // Large corpora take minutes to index; nothing here should give up before that.
    callTimeoutMs: 15 * 60_000,
  };

  log('floor: same client, same concurrency and amount (and one at a time)');
  const { floor, floorSequential } = await runFloor(settings);

  log('index build: first search on an empty data dir');
  const home = await corpus.sandbox.newHome();
  const indexBuild = await measureIndexBuild(corpus.sandbox, home, {
    callTimeoutMs: settings.callTimeoutMs,
    refresh: false,
  });

  const expected = new Map<string, string>();
  const mixes: MixReport[] = [];
  for (const mix of flags.mixes) {
    for (const mode of flags.inline ? (['pool', 'inline'] as const) : (['pool'] as const)) {
      mixes.push(
        await runMix(mix, mode, {
          sandbox: corpus.sandbox,
          home,
          settings,
          expected,
          checkKnownPairs: flags.corpus === 'fixtures',
          log,
        }),
      );
    }
  }

  const refreshMix = mixes.find((m) => m.mix === 'refresh' && m.mode === 'pool');
  const partial = {
    kind: 'load' as const,
    machine,
    settings: {
      mixes: flags.mixes,
      concurrency: flags.concurrency,
      count: flags.count ?? null,
      durationMs: flags.durationMs ?? null,
      inline: flags.inline,
      refreshRounds: flags.refreshRounds,
      p90MaxMs: flags.p90MaxMs ?? null,
      p99MaxMs: flags.p99MaxMs ?? null,
    },
    corpus: {
      name: corpus.name,
      articles: indexBuild.itemsReported ?? corpus.articles,
      feeds: corpus.feeds,
      bytes: corpus.bytes,
      indexBuild: {
        ...indexBuild,
        refreshMs: refreshMix?.refresh
          ? Math.round(refreshMix.refresh.lane.latency.p50 / 1000)
          : null,
      },
    },
    floor,
    floorSequential,
    mixes,
    poolBenefit: poolBenefit(mixes),
  };
  const guardrails = checkGuardrails(partial);
  const report: LoadReport = {
    ...partial,
    guardrails,
    targets: loadTargets(partial),
    passed: guardrails.every((g) => g.ok),
  };

  const name = reportName('load', date, flags.name);
  const written = await writeReport(name, {
    json: report,
    md: renderLoadMarkdown(report),
    svg: renderPercentilePlot({
      title: `swiftpatterns load ${date}: ${flags.concurrency} in flight, corpus ${corpus.name}`,
      subtitle: 'latency by percentile of each mix\'s judged lane; dashed: floor',
      series: plotSeries(floor, floorSequential, mixes),
    }),
  });
  printSummary(report);
  log(`wrote ${written.join(', ')}`);
  process.exitCode = report.passed ? 0 : 1;
} finally {
  await corpus.close();
}

function readFlags() {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '10' },
      count: { type: 'string' },
      duration: { type: 'string' },
      mix: { type: 'string', default: 'all' },
      corpus: { type: 'string', default: 'fixtures' },
      inline: { type: 'boolean', default: false },
      'p90-max-ms': { type: 'string' },
      'p99-max-ms': { type: 'string' },
      'refresh-rounds': { type: 'string', default: '1' },
      name: { type: 'string' },
    },
  });
  const mix = choiceFlag('mix', values.mix, [...mixNames, 'all'] as const);
  const durationMs = durationFlag('duration', values.duration);
  let count = intFlag('count', values.count);
  if (count !== undefined && durationMs !== undefined) {
    throw new UsageError('give --count or --duration, not both');
  }
  if (count === undefined && durationMs === undefined) count = 1000;
  if (values.name !== undefined && !/^[a-z0-9-]+$/.test(values.name)) {
    throw new UsageError(
      `--name must be lowercase letters, digits and dashes, got "${values.name}"`,
    );
  }
  return {
    concurrency: intFlag('concurrency', values.concurrency)!,
    count,
    durationMs,
    mixes: mix === 'all' ? [...mixNames] : [mix],
    corpus: choiceFlag('corpus', values.corpus, corpusNames),
    inline: values.inline,
    p90MaxMs: msFlag('p90-max-ms', values['p90-max-ms']),
    p99MaxMs: msFlag('p99-max-ms', values['p99-max-ms']),
    refreshRounds: intFlag('refresh-rounds', values['refresh-rounds'])!,
    name: values.name,
  };
}

/**
 * The floor at the run's concurrency, and one call at a time: the reference for lanes that
 * keep a single call in flight (head-of-line's cheap calls).
 */
async function runFloor(
  settings: MixSettings,
): Promise<{ floor: LaneReport; floorSequential: LaneReport }> {
  const server = await launch({ entry: 'floor' });
  try {
    const calls = [{ tool: floorTool, args: {} }];
    const expected = new Map<string, string>();
    await primeAnswers(server, calls, expected);
    const floor = await runLane(server, calls, expected, {
      name: 'floor',
      concurrency: settings.concurrency,
      ...(settings.count !== undefined ? { count: settings.count } : {}),
      ...(settings.durationMs !== undefined ? { durationMs: settings.durationMs } : {}),
    });
    const floorSequential = await runLane(server, calls, expected, {
      name: 'floor, one at a time',
      concurrency: 1,
      count: 1000,
    });
    return { floor, floorSequential };
  } finally {
    await server.close();
  }
}

function poolBenefit(mixes: MixReport[]): LoadReport['poolBenefit'] {
  const out: LoadReport['poolBenefit'] = [];
  for (const pool of mixes.filter((m) => m.mode === 'pool')) {
    const inline = mixes.find((m) => m.mix === pool.mix && m.mode === 'inline');
    if (!inline) continue;
    const p = primaryLane(pool);
    const i = primaryLane(inline);
    const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
    out.push({
      mix: pool.mix,
      throughput: ratio(p.run.throughput, i.run.throughput),
      p50: ratio(i.latency.p50, p.latency.p50),
      p99: ratio(i.latency.p99, p.latency.p99),
    });
  }
  return out;
}

function plotSeries(floor: LaneReport, sequential: LaneReport, mixes: MixReport[]): PlotSeries[] {
  return [
    { label: `floor, ${floor.concurrency} in flight`, points: floor.curve, dashed: true },
    { label: 'floor, one at a time', points: sequential.curve, dashed: true },
    ...mixes.map((m) => ({ label: `${m.mix} ${m.mode}`, points: primaryLane(m).curve })),
  ];
}

function printSummary(report: LoadReport): void {
  const out: string[] = [];
  const row = (label: string, lane: LaneReport): string =>
    `${label.padEnd(52)} ${String(lane.run.started).padStart(6)} calls ` +
    `${String(lane.run.failed).padStart(4)} failed ${String(lane.run.throughput).padStart(8)}/s  ` +
    `p50 ${ms(lane.latency.p50).padStart(7)}  p90 ${ms(lane.latency.p90).padStart(7)}  ` +
    `p99 ${ms(lane.latency.p99).padStart(7)}  max ${ms(lane.latency.max).padStart(7)} ms`;
  out.push(row('floor', report.floor));
  out.push(row('floor, one at a time', report.floorSequential));
  for (const mix of report.mixes) {
    for (const lane of mix.lanes) out.push(row(`${mix.mix} (${mix.mode}): ${lane.name}`, lane));
    if (mix.refresh) {
      out.push(
        `  refresh moved query latency: p50 ${times(mix.refresh.moved.p50)}, ` +
          `p90 ${times(mix.refresh.moved.p90)}, p99 ${times(mix.refresh.moved.p99)}`,
      );
    }
  }
  for (const b of report.poolBenefit) {
    out.push(
      `pool vs inline, ${b.mix}: throughput ${times(b.throughput)}, ` +
        `p50 inline/pool ${times(b.p50)}, p99 inline/pool ${times(b.p99)}`,
    );
  }
  for (const g of report.guardrails.filter((g) => !g.ok)) out.push(`FAIL ${g.name}: ${g.detail}`);
  for (const t of report.targets) out.push(`${t.met ? 'met ' : 'MISS'} ${t.target}: ${t.measured}`);
  out.push(report.passed ? 'guardrails: pass' : 'guardrails: FAIL');
  process.stdout.write(out.join('\n') + '\n');
}
