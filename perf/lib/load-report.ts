// The load report: JSON shape, guardrails, targets and the markdown rendering.
import { resourceTable } from './baseline-report.js';
import { latencyCells, latencyHeaders, mdTable, ms, times } from './format.js';
import { ratioOf } from './histogram.js';
import type { TargetCheck } from './baseline-report.js';
import type { LaneReport } from './load-lanes.js';
import type { MixName, MixReport } from './load-mixes.js';
import type { MachineInfo } from './report-files.js';

export interface IndexBuild {
  /** Spawn to the first answered search with an empty data dir (fetch, parse, index). */
  firstSearchMs: number;
  /** Error answers the first search got before one succeeded (normally none). */
  firstSearchErrors: string[];
  /** One `refresh_sources {}` on the running server. */
  refreshMs: number | null;
  rssAfterBytes: number | null;
  heapUsedBytes: number | null;
  fileCacheBytes: number | null;
  sourcesReported: number | null;
  itemsReported: number | null;
}

export interface LoadReport {
  kind: 'load';
  machine: MachineInfo;
  settings: {
    mixes: MixName[];
    concurrency: number;
    count: number | null;
    durationMs: number | null;
    inline: boolean;
    refreshRounds: number;
    p90MaxMs: number | null;
    p99MaxMs: number | null;
  };
  corpus: {
    name: string;
    articles: number;
    feeds: number;
    bytes: number;
    indexBuild: IndexBuild | null;
  };
  /** The floor at the run's concurrency. */
  floor: LaneReport;
  /** The floor with one call in flight: the reference of single-call lanes. */
  floorSequential: LaneReport;
  mixes: MixReport[];
  /** Pool vs inline, per mix, when `--inline` was given. */
  poolBenefit: Array<{ mix: MixName; throughput: number; p50: number; p99: number }>;
  guardrails: Guardrail[];
  targets: TargetCheck[];
  passed: boolean;
}

export interface Guardrail {
  name: string;
  ok: boolean;
  detail: string;
}

export function primaryLane(mix: MixReport): LaneReport {
  return mix.lanes.find((lane) => lane.name === mix.primary)!;
}

/** Success everywhere; p90 / p99 of each pool-mode primary lane under the given limits. */
/** A load report before its verdicts are added. */
export type LoadMeasurements = Omit<LoadReport, 'guardrails' | 'passed' | 'targets'>;

export function checkGuardrails(report: LoadMeasurements): Guardrail[] {
  const out: Guardrail[] = [];
  for (const mix of report.mixes) {
    const name = `${mix.mix} (${mix.mode})`;
    const failed = mix.lanes.reduce((sum, lane) => sum + lane.run.failed, 0);
    const calls = mix.lanes.reduce((sum, lane) => sum + lane.run.started, 0);
    const firstFailure = mix.lanes.flatMap((lane) => lane.run.failures)[0]?.message;
    out.push({
      name: `${name}: every call succeeds with its expected answer`,
      ok: failed === 0,
      detail:
        failed === 0
          ? `${calls} of ${calls}`
          : `${failed} of ${calls} failed; first: ${firstFailure}`,
    });
    out.push({
      name: `${name}: unloaded answers right and identical across processes`,
      ok: mix.primeProblems.length === 0,
      detail: mix.primeProblems.length === 0 ? 'ok' : mix.primeProblems.slice(0, 3).join('; '),
    });
    if (mix.mode !== 'pool') continue;
    const primary = primaryLane(mix).latency;
    const limits: Array<['p90' | 'p99', number | null]> = [
      ['p90', report.settings.p90MaxMs],
      ['p99', report.settings.p99MaxMs],
    ];
    for (const [key, limitMs] of limits) {
      if (limitMs === null) continue;
      out.push({
        name: `${name}: ${mix.primary} ${key} <= ${limitMs} ms`,
        ok: primary[key] <= limitMs * 1000,
        detail: `${ms(primary[key])} ms`,
      });
    }
  }
  return out;
}

/** Issue 4's load targets that this run's settings can judge. */
export function loadTargets(report: LoadMeasurements): TargetCheck[] {
  const { concurrency } = report.settings;
  const pool = (mix: MixName): MixReport | undefined =>
    report.mixes.find((m) => m.mix === mix && m.mode === 'pool');
  const checks: TargetCheck[] = [];
  const misses = pool('misses');
  if (misses) {
    const lane = primaryLane(misses);
    checks.push({
      target: `distinct misses >= 400 requests/s (at ${concurrency} concurrent)`,
      measured: `${lane.run.throughput} requests/s`,
      met: lane.run.throughput >= 400,
    });
    if (report.corpus.name === '10k' && concurrency === 10) {
      checks.push({
        target: '10k articles, 10 concurrent: p99 < 100 ms',
        measured: `${ms(lane.latency.p99)} ms`,
        met: lane.latency.p99 < 100_000,
      });
    }
  }
  const hol = pool('head-of-line');
  if (hol) {
    const cheap = primaryLane(hol).latency;
    const floorP99 = report.floorSequential.latency.p99;
    checks.push({
      target: 'head-of-line cheap calls p99 < 5 ms while the pool is saturated',
      measured:
        `${ms(cheap.p99)} ms (p50 ${ms(cheap.p50)} ms; ` +
        `floor one at a time: p99 ${ms(floorP99)} ms)`,
      met: cheap.p99 < 5_000,
    });
  }
  if (concurrency >= 256) {
    const lanes = report.mixes.flatMap((m) => m.lanes);
    const calls = lanes.reduce((n, lane) => n + lane.run.started, 0);
    const failed = lanes.reduce((n, lane) => n + lane.run.failed, 0);
    checks.push({
      target: `100% success at ${concurrency} concurrent`,
      measured: `${calls - failed} of ${calls}`,
      met: failed === 0,
    });
  }
  return checks;
}

export function renderLoadMarkdown(report: LoadReport): string {
  const { machine, settings, corpus, floor, floorSequential } = report;
  const amount = settings.count !== null ? `${settings.count} calls` : `${settings.durationMs} ms`;
  const out: string[] = [
    `# Load ${machine.date}`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; load average at ` +
      `start ${machine.loadAverage1m}. Corpus: ${corpus.name} (${corpus.articles} articles in ` +
      `${corpus.feeds} feeds, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB of XML). ` +
      `${settings.concurrency} in flight, ${amount} per lane. Latencies in ms end to end over ` +
      'stdio; (N×) is the multiple of the floor server driven the same way in this run (same ' +
      'calls in flight: the run\'s concurrency, or one at a time for single-call lanes).',
    '',
    `Result: **${report.passed ? 'all guardrails passed' : 'a guardrail failed'}**.`,
    '',
    '## Lanes',
    '',
  ];
  // Each lane is compared with the floor driven at the same number of calls in flight.
  const floorFor = (lane: LaneReport): LaneReport =>
    lane.concurrency === floor.concurrency ? floor : floorSequential;
  const rows: string[][] = [
    laneRow('floor', floor, floor),
    laneRow(floorSequential.name, floorSequential, floorSequential),
  ];
  for (const mix of report.mixes) {
    for (const lane of mix.lanes) {
      rows.push(laneRow(`${mix.mix} (${mix.mode}): ${lane.name}`, lane, floorFor(lane)));
    }
  }
  out.push(
    mdTable(
      [
        'lane',
        'in flight',
        'calls',
        'failed',
        'req/s (share of floor)',
        ...latencyHeaders,
        'server CPU ms/call',
        'client CPU ms/call',
      ],
      rows,
    ),
    '',
    'CPU per call counts the whole process (server: main thread and workers) over the lane; ' +
      'lanes that ran side by side (head-of-line, refresh) each count the other\'s work too.',
    '',
  );

  const refreshes = report.mixes.filter((m) => m.refresh);
  if (refreshes.length > 0) {
    out.push('## Refresh under load', '');
    out.push(
      mdTable(
        [
          'mode',
          'refreshes',
          'refresh p50',
          'refresh max',
          'query p50 moved',
          'p90 moved',
          'p99 moved',
        ],
        refreshes.map((m) => [
          m.mode,
          String(m.refresh!.lane.run.succeeded),
          ms(m.refresh!.lane.latency.p50),
          ms(m.refresh!.lane.latency.max),
          times(m.refresh!.moved.p50),
          times(m.refresh!.moved.p90),
          times(m.refresh!.moved.p99),
        ]),
      ),
      '',
    );
  }

  if (report.poolBenefit.length > 0) {
    out.push('## Pool vs inline (same code on the main thread)', '');
    out.push(
      mdTable(
        ['mix', 'throughput pool / inline', 'p50 inline / pool', 'p99 inline / pool'],
        report.poolBenefit.map((b) => [b.mix, times(b.throughput), times(b.p50), times(b.p99)]),
      ),
      '',
    );
  }

  out.push('## Pool and memory', '');
  out.push(
    mdTable(
      ['mix', 'pool tasks', 'utilization', 'mean queue wait', 'mean run'],
      report.mixes.map((m) => [
        `${m.mix} (${m.mode})`,
        String(m.pool.tasks),
        m.pool.utilization === null ? 'n/a' : m.pool.utilization.toFixed(2),
        m.pool.meanWaitMs === null ? 'n/a' : `${m.pool.meanWaitMs.toFixed(2)} ms`,
        m.pool.meanRunMs === null ? 'n/a' : `${m.pool.meanRunMs.toFixed(2)} ms`,
      ]),
    ),
    '',
    'Utilization and means cover the mix only (from the change in piscina\'s run and wait ' +
      'totals); the table below is the server\'s own view at the end of each mix ' +
      '(queue wait percentiles since the server started).',
    '',
    resourceTable(
      Object.fromEntries(report.mixes.map((m) => [`${m.mix} (${m.mode})`, m.resources])),
    ),
    '',
  );

  if (corpus.indexBuild) {
    const b = corpus.indexBuild;
    out.push(
      '## Index build',
      '',
      `First search with an empty data dir (fetch, parse, index ${corpus.articles} articles): ` +
        `${(b.firstSearchMs / 1000).toFixed(1)} s; one \`refresh_sources\`: ` +
        `${b.refreshMs === null ? 'n/a' : (b.refreshMs / 1000).toFixed(1) + ' s'}.`,
      '',
    );
  }

  out.push('## Guardrails', '');
  out.push(
    mdTable(
      ['guardrail', 'result', 'detail'],
      report.guardrails.map((g) => [g.name, g.ok ? 'pass' : '**FAIL**', g.detail]),
    ),
    '',
  );
  if (report.targets.length > 0) {
    out.push('## Targets (issue 4)', '');
    out.push(
      mdTable(
        ['target', 'measured', 'met'],
        report.targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
      ),
      '',
    );
  }
  return out.join('\n');
}

function laneRow(label: string, lane: LaneReport, floor: LaneReport): string[] {
  const ratio = ratioOf(lane.latency, floor.latency);
  const throughputShare = floor.run.throughput > 0 ? lane.run.throughput / floor.run.throughput : 0;
  return [
    label,
    String(lane.concurrency),
    String(lane.run.started),
    String(lane.run.failed),
    `${lane.run.throughput} (${throughputShare.toFixed(3)})`,
    ...latencyCells(lane.latency, ratio),
    cpuCell(lane.cpu.serverMsPerCall),
    cpuCell(lane.cpu.clientMsPerCall),
  ];
}

function cpuCell(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}
