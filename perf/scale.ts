// How latency, index build time and memory grow with the corpus: the fixture feeds (~800
// articles), then generated corpora of 1k and 10k articles (50k with --with-50k, which takes
// several minutes). Writes docs/benchmarks/scale-<date>.{json,md}.
//
//   tsx perf/scale.ts [--with-50k | --only 50k] [--samples 100] [--count 300]
//     [--concurrency 10] [--timeout-minutes 20]
import { parseArgs } from 'node:util';
import { choiceFlag, intFlag } from './lib/cli-args.js';
import { corpusNames, openCorpusSandbox } from './lib/corpus-sandbox.js';
import { latencyCells, latencyHeaders, mdTable, mib } from './lib/format.js';
import { measureIndexBuild } from './lib/index-build.js';
import { launch } from './lib/launch.js';
import { callKey, primeAnswers, runLane } from './lib/load-lanes.js';
import { localDate, machineInfo, reportName, writeReport } from './lib/report-files.js';
import { snapshotResources, waitForIdle } from './lib/stats.js';
import { questions } from './questions.js';
import type { CorpusName } from './lib/corpus-sandbox.js';
import type { IndexBuild } from './lib/load-report.js';
import type { LaneReport } from './lib/load-lanes.js';
import type { MachineInfo } from './lib/report-files.js';
import type { ResourceSnapshot } from './lib/stats.js';

interface ScaleRow {
  corpus: CorpusName;
  articles: number;
  feeds: number;
  xmlBytes: number;
  indexBuild: IndexBuild;
  /** Null until measured (a row is written as soon as its index is built). */
  sequential: LaneReport | null;
  concurrent: LaneReport | null;
  resources: ResourceSnapshot | null;
  /** Unloaded answers that were errors (their calls are left out of the lanes). */
  problems: string[];
}

interface ScaleReport {
  kind: 'scale';
  machine: MachineInfo;
  settings: { samples: number; count: number; concurrency: number };
  rows: ScaleRow[];
  /** Sizes that could not be measured, with the reason. */
  failures: Array<{ corpus: CorpusName; error: string }>;
}

const { values } = parseArgs({
  options: {
    'with-50k': { type: 'boolean', default: false },
    only: { type: 'string' },
    samples: { type: 'string', default: '100' },
    count: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '10' },
    'timeout-minutes': { type: 'string', default: '20' },
  },
});
const samples = intFlag('samples', values.samples)!;
const count = intFlag('count', values.count)!;
const concurrency = intFlag('concurrency', values.concurrency)!;
// No single call (the first search of a large corpus included) may take longer than this.
const callTimeoutMs = intFlag('timeout-minutes', values['timeout-minutes'])! * 60_000;
const sizes: CorpusName[] = values.only
  ? [choiceFlag('only', values.only, corpusNames)]
  : ['fixtures', '1k', '10k', ...(values['with-50k'] ? (['50k'] as const) : [])];
const log = (line: string): void => void process.stderr.write(line + '\n');

const date = localDate();
const report: ScaleReport = {
  kind: 'scale',
  machine: machineInfo(date),
  settings: { samples, count, concurrency },
  rows: [],
  failures: [],
};
const name = reportName('scale', date, values.only ? values.only : '');

// One size failing (a timeout on 50k, say) is recorded and the others still run; the report
// is rewritten after every size so a long run leaves its results behind.
for (const size of sizes) {
  try {
    await measureSize(size);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${size}: failed: ${message}`);
    report.failures.push({ corpus: size, error: message.slice(0, 2000) });
  }
  await writeReport(name, { json: report, md: renderScaleMarkdown(report) });
}
process.stdout.write(renderScaleMarkdown(report));
log(`wrote docs/benchmarks/${name}.json and .md`);
process.exitCode = report.failures.length > 0 ? 1 : 0;

async function measureSize(size: CorpusName): Promise<void> {
  log(`${size}: generating and serving`);
  const corpus = await openCorpusSandbox(size);
  try {
    const home = await corpus.sandbox.newHome();
    log(`${size}: index build (first search on an empty data dir, then one refresh_sources)`);
    const indexBuild = await measureIndexBuild(corpus.sandbox, home, {
      callTimeoutMs,
      refresh: true,
    });
    const row: ScaleRow = {
      corpus: size,
      articles: indexBuild.itemsReported ?? corpus.articles,
      feeds: corpus.feeds,
      xmlBytes: corpus.bytes,
      indexBuild,
      sequential: null,
      concurrent: null,
      resources: null,
      problems: [],
    };
    report.rows.push(row);
    await writeReport(name, { json: report, md: renderScaleMarkdown(report) });

    // Warm misses (intent cache off) on the built index: one at a time, then N in flight.
    const server = await launch({
      entry: 'server',
      env: corpus.sandbox.env(home, { SWIFTPATTERNS_INTENT_CACHE: 'off' }),
      callTimeoutMs,
    });
    try {
      await waitForIdle(server, callTimeoutMs);
      // As many distinct questions as samples (10 to 100): each is primed once, unloaded.
      const distinct = Math.min(100, Math.max(10, samples));
      const all = questions.slice(0, distinct).map((query) => ({
        tool: 'search_swift_content',
        args: { query },
      }));
      const expected = new Map<string, string>();
      row.problems = await primeAnswers(server, all, expected);
      if (row.problems.length > 0) log(`${size}: ${row.problems.length} unloaded answers failed`);
      // A call whose unloaded answer was an error has nothing to be checked against.
      const calls = all.filter((call) => expected.has(callKey(call)));
      log(`${size}: ${samples} sequential misses, then ${count} at ${concurrency} in flight`);
      row.sequential = await runLane(server, calls, expected, {
        name: 'sequential misses',
        concurrency: 1,
        count: samples,
      });
      await writeReport(name, { json: report, md: renderScaleMarkdown(report) });
      row.concurrent = await runLane(server, calls, expected, {
        name: `misses at ${concurrency}`,
        concurrency,
        count,
      });
      row.resources = await snapshotResources(server);
    } finally {
      await server.close();
    }
  } finally {
    await corpus.close();
  }
}

function renderScaleMarkdown(r: ScaleReport): string {
  const m = r.machine;
  const head = (row: ScaleRow): string => `${row.corpus} (${row.articles})`;
  return [
    `# Corpus scaling ${m.date}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, Node ${m.node}; load average at start ` +
      `${m.loadAverage1m}. Warm misses (intent cache off) end to end over stdio, ms.`,
    '',
    '## Index build and memory',
    '',
    mdTable(
      [
        'corpus (articles)',
        'feeds',
        'XML MiB',
        'first search, empty data dir (s)',
        'refresh_sources (s)',
        'RSS after build MiB',
        'heap MiB',
        'worker file cache MiB',
      ],
      r.rows.map((row) => [
        head(row),
        String(row.feeds),
        mib(row.xmlBytes),
        (row.indexBuild.firstSearchMs / 1000).toFixed(1),
        row.indexBuild.refreshMs === null ? 'n/a' : (row.indexBuild.refreshMs / 1000).toFixed(1),
        mib(row.indexBuild.rssAfterBytes),
        mib(row.indexBuild.heapUsedBytes),
        mib(row.indexBuild.fileCacheBytes),
      ]),
    ),
    '',
    '## Latency',
    '',
    mdTable(
      ['corpus (articles): lane', 'calls', 'failed', 'req/s', ...latencyHeaders, 'RSS after MiB'],
      r.rows.flatMap((row) =>
        [row.sequential, row.concurrent].filter((lane) => lane !== null).map((lane) => [
          `${head(row)}: ${lane.name}`,
          String(lane.run.started),
          String(lane.run.failed),
          String(lane.run.throughput),
          ...latencyCells(lane.latency),
          mib(row.resources?.rss),
        ]),
      ),
    ),
    '',
    ...r.failures.map((f) => `${f.corpus}: not measured: ${f.error.split('\n')[0]}`),
    '',
    ...r.rows
      .filter((row) => row.problems.length > 0)
      .map((row) => `${head(row)}: ${row.problems.length} unloaded calls failed, first: ` +
        `${row.problems[0]}`),
    '',
  ].join('\n');
}
