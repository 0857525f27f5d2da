// The baseline report: its JSON shape and its markdown rendering.
import { latencyCells, latencyHeaders, mdTable, mib, ms } from './format.js';
import { ratioOf } from './histogram.js';
import type { P90Change, ScenarioP90 } from './compare.js';
import type { LatencySummary } from './histogram.js';
import type { MachineInfo } from './report-files.js';
import type { ResourceSnapshot } from './stats.js';

export type Scenario = 'cold' | 'coldFresh' | 'warmMiss' | 'warmHit';

export const scenarioLabels: Record<Scenario, string> = {
  cold: 'cold (new process, data on disk)',
  coldFresh: 'cold, empty data dir (first fetch)',
  warmMiss: 'warm miss (worker path)',
  warmHit: 'warm hit (intent cache)',
};

export interface QueryReport {
  id: string;
  label: string;
  tool: string;
  args: Record<string, unknown>;
  scenarios: Partial<Record<Scenario, LatencySummary>>;
  /** Answers that failed their check, per scenario. */
  failures: string[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
  note?: string;
}

export interface BaselineReport {
  kind: 'baseline';
  machine: MachineInfo;
  settings: {
    samples: number;
    warmup: number;
    coldRuns: number;
    corpus: string;
    sources: string[];
  };
  floor: { cold: LatencySummary; connect: LatencySummary; warm: LatencySummary };
  queries: QueryReport[];
  /** Spawn to tools/list done, for the real server. */
  connect: LatencySummary;
  resources: { warmHit: ResourceSnapshot | null; warmMiss: ResourceSnapshot | null };
  targets: TargetCheck[];
  comparison: { against: string | null; threshold: number; changes: P90Change[] };
}

/** Every scenario's p90 with the floor p90 it is judged against, for comparisons. */
export function p90Entries(report: BaselineReport): ScenarioP90[] {
  return report.queries.flatMap((query) =>
    (Object.keys(query.scenarios) as Scenario[]).map((scenario) => ({
      key: `${query.id}/${scenario}`,
      p90: query.scenarios[scenario]!.p90,
      floorP90: scenario.startsWith('cold') ? report.floor.cold.p90 : report.floor.warm.p90,
    })),
  );
}

export function renderBaselineMarkdown(report: BaselineReport, svgName: string): string {
  const { machine, settings, floor } = report;
  const out: string[] = [
    `# Baseline ${machine.date}`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemMiB} MiB, ` +
      `${machine.platform}, Node ${machine.node}; load average at start ` +
      `${machine.loadAverage1m}. Corpus: ${settings.corpus} (${settings.sources.join(', ')}).`,
    `Samples: ${settings.samples} warm per scenario after ${settings.warmup} untimed; ` +
      `${settings.coldRuns} cold starts per query. Latencies in ms end to end over stdio; ` +
      '(N×) is the multiple of the floor server measured in the same run.',
    '',
    `![latency by percentile](${svgName})`,
    '',
    '## Floor',
    '',
    mdTable(['floor', ...latencyHeaders], [
      ['cold: spawn to first answer', ...latencyCells(floor.cold)],
      ['spawn to tools/list', ...latencyCells(floor.connect)],
      ['warm call', ...latencyCells(floor.warm)],
    ]),
    '',
    '## Queries',
    '',
  ];

  const rows: string[][] = [];
  for (const query of report.queries) {
    for (const scenario of Object.keys(scenarioLabels) as Scenario[]) {
      const summary = query.scenarios[scenario];
      if (!summary) continue;
      const base = scenario.startsWith('cold') ? floor.cold : floor.warm;
      const label = `${query.label}: ${scenarioLabels[scenario]}`;
      rows.push([label, ...latencyCells(summary, ratioOf(summary, base))]);
    }
  }
  out.push(mdTable(['query / scenario', ...latencyHeaders], rows), '');

  const failures = report.queries.flatMap((q) => q.failures.map((f) => `- ${q.label}: ${f}`));
  out.push('## Answer checks', '');
  out.push(failures.length === 0 ? 'Every answer passed its check.' : failures.join('\n'), '');

  out.push('## Server resources', '', resourceTable(report.resources), '');

  out.push('## Targets (issue 4)', '');
  out.push(
    mdTable(
      ['target', 'measured', 'met'],
      report.targets.map((t) => [
        t.target,
        t.measured + (t.note ? ` (${t.note})` : ''),
        t.met ? 'yes' : '**no**',
      ]),
    ),
    '',
  );

  out.push('## Against the previous baseline', '');
  const { comparison } = report;
  if (!comparison.against) {
    out.push('No earlier baseline to compare with.', '');
  } else {
    const flagged = comparison.changes.filter((c) => c.flagged);
    out.push(
      `Compared with \`${comparison.against}\`; p90 growth above ` +
        `${Math.round(comparison.threshold * 100)}% is flagged ` +
        `(${flagged.length} of ${comparison.changes.length}).`,
      '',
      mdTable(
        ['scenario', 'p90 before', 'p90 now', 'growth', 'growth vs floor', 'flag'],
        comparison.changes.map((c) => [
          c.key,
          ms(c.previous),
          ms(c.current),
          percent(c.growth),
          c.floorNormalizedGrowth === null ? 'n/a' : percent(c.floorNormalizedGrowth),
          c.flagged ? '**p90 +' + percent(c.growth) + '**' : '',
        ]),
      ),
      '',
    );
  }
  return out.join('\n');
}

export function resourceTable(resources: Record<string, ResourceSnapshot | null>): string {
  const rows = Object.entries(resources).map(([name, r]) => [
    name,
    mib(r?.rss),
    mib(r?.memory?.heapUsed),
    String(r?.pool?.threads ?? 'n/a'),
    r?.pool?.utilization === undefined ? 'n/a' : r.pool.utilization.toFixed(3),
    String(r?.pool?.completed ?? 'n/a'),
    ms(microsFromMs(r?.pool?.waitTime?.p50)),
    ms(microsFromMs(r?.pool?.waitTime?.p99)),
    ms(microsFromMs(r?.pool?.runTime?.p50)),
    r?.intentCache ? `${r.intentCache.hits}/${r.intentCache.misses}` : 'n/a',
    r?.fileCache
      ? `${r.fileCache.hits}/${r.fileCache.misses}, ${mib(r.fileCache.bytes)} MiB`
      : 'n/a',
  ]);
  return mdTable(
    [
      'server',
      'RSS MiB',
      'heap MiB',
      'threads',
      'utilization',
      'tasks',
      'queue wait p50',
      'queue wait p99',
      'run p50',
      'intent hits/misses',
      'file cache hits/misses',
    ],
    rows,
  );
}

/** Pool timings from the server are in milliseconds (piscina's unit). */
function microsFromMs(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * 1000;
}

function percent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(fraction * 100).toFixed(0)}%`;
}
