import test from 'ava';
import { checkGuardrails, loadTargets } from '../../perf/lib/load-report.js';
import { mdTable } from '../../perf/lib/format.js';
import type { LaneReport } from '../../perf/lib/load-lanes.js';
import type { MixReport } from '../../perf/lib/load-mixes.js';
import type { LoadReport } from '../../perf/lib/load-report.js';

function lane(name: string, p90: number, p99: number, failed = 0): LaneReport {
  return {
    name,
    concurrency: 10,
    run: {
      started: 100,
      succeeded: 100 - failed,
      failed,
      failures: failed ? [{ index: 3, message: 'expected top:a, got top:b' }] : [],
      elapsedMs: 1000,
      throughput: 100 - failed,
      maxInFlight: 10,
    },
    latency: { count: 100 - failed, p50: p90 / 2, p90, p99, p99_9: p99, max: p99, mean: p90 / 2 },
    curve: [],
    cpu: { serverMsPerCall: null, clientMsPerCall: null },
  };
}

function mix(name: MixReport['mix'], mode: MixReport['mode'], lanes: LaneReport[]): MixReport {
  return {
    mix: name,
    mode,
    primary: lanes[0]!.name,
    lanes,
    primeProblems: [],
    pool: { tasks: 0, utilization: null, meanWaitMs: null, meanRunMs: null },
    resources: { rss: null, memory: null, pool: null, intentCache: null, fileCache: null },
  };
}

function report(
  mixes: MixReport[],
  p90MaxMs: number | null,
  p99MaxMs: number | null,
  concurrency = 10,
) {
  return {
    kind: 'load' as const,
    machine: {} as LoadReport['machine'],
    settings: {
      mixes: mixes.map((m) => m.mix),
      concurrency,
      count: 100,
      durationMs: null,
      inline: false,
      refreshRounds: 1,
      p90MaxMs,
      p99MaxMs,
    },
    corpus: { name: 'fixtures', articles: 803, feeds: 4, bytes: 0, indexBuild: null },
    floor: lane('floor', 500, 900),
    floorSequential: lane('floor, one at a time', 300, 3_000),
    mixes,
    poolBenefit: [],
  };
}

test('a p99 limit set too tight fails the primary lane of a pool-mode mix', (t) => {
  const mixes = [mix('misses', 'pool', [lane('misses', 8_000, 20_000)])];
  const tight = checkGuardrails(report(mixes, null, 5));
  t.true(tight.some((g) => !g.ok && /misses p99 <= 5 ms/.test(g.name) && g.detail === '20.0 ms'));
  const loose = checkGuardrails(report(mixes, 10, 25));
  t.true(loose.every((g) => g.ok));
});

test('latency limits judge pool mode only; success is judged everywhere', (t) => {
  const mixes = [
    mix('misses', 'pool', [lane('misses', 1_000, 2_000)]),
    mix('misses', 'inline', [lane('misses', 90_000, 200_000, 2)]),
  ];
  const failed = checkGuardrails(report(mixes, 5, 5)).filter((g) => !g.ok);
  t.is(failed.length, 1);
  t.regex(failed[0]!.name, /misses \(inline\): every call succeeds/);
  t.regex(failed[0]!.detail, /2 of 100 failed; first: expected top:a, got top:b/);
});

test('a wrong unloaded answer fails its mix', (t) => {
  const m = mix('hits', 'pool', [lane('hits', 1_000, 2_000)]);
  m.primeProblems.push('"async await": "SE-0296: Async/await" not in top 3');
  const failed = checkGuardrails(report([m], null, null)).filter((g) => !g.ok);
  t.is(failed.length, 1);
  t.regex(failed[0]!.detail, /SE-0296/);
});

test('targets: throughput of misses, head-of-line p99 and success at 256', (t) => {
  const mixes = [
    mix('misses', 'pool', [lane('misses', 50_000, 90_000)]),
    mix('head-of-line', 'pool', [lane('cheap', 1_000, 4_000), lane('misses', 1, 1)]),
  ];
  const targets = loadTargets(report(mixes, null, null, 256));
  t.deepEqual(
    targets.map((x) => [x.target, x.met]),
    [
      ['distinct misses >= 400 requests/s (at 256 concurrent)', false],
      ['head-of-line cheap calls p99 < 5 ms while the pool is saturated', true],
      ['100% success at 256 concurrent', true],
    ],
  );
});

test('markdown tables right-align numeric columns only', (t) => {
  const table = mdTable(
    ['lane', 'p50', 'note'],
    [
      ['a', '1.20 (3.0×)', 'pass'],
      ['b', 'n/a', 'fail'],
    ],
  );
  t.is(table.split('\n')[1], '| --- | ---: | --- |');
});
