// The targets of issue 4 that a baseline run can judge. Each check says what was measured
// and whether it met the target; the report, not a test, is where a miss is told.
import { ms, times } from './format.js';
import type { BaselineReport, TargetCheck } from './baseline-report.js';

/** Calls that go through the intent cache and the worker pool. */
const cachedQueries = ['search-async-await', 'pattern-swiftui-q70', 'search-concurrency-code'];

export function baselineTargets(report: BaselineReport): TargetCheck[] {
  const cached = report.queries.filter((q) => cachedQueries.includes(q.id));
  type Worst = { value: number; id: string };
  const worst = (scenario: 'warmHit' | 'warmMiss', key: 'p50' | 'p99'): Worst =>
    cached.reduce(
      (acc, q) => {
        const value = q.scenarios[scenario]?.[key] ?? 0;
        return value > acc.value ? { value, id: q.id } : acc;
      },
      { value: 0, id: 'n/a' },
    );
  const checks: TargetCheck[] = [];
  const underMs = (target: string, measured: Worst, limitMs: number): void => {
    checks.push({
      target,
      measured: `${ms(measured.value)} ms (worst: ${measured.id})`,
      met: measured.value > 0 && measured.value < limitMs * 1000,
    });
  };
  underMs('warm intent-cache hit p50 < 1 ms', worst('warmHit', 'p50'), 1);
  underMs('warm intent-cache hit p99 < 3 ms', worst('warmHit', 'p99'), 3);
  underMs('warm miss p50 < 15 ms (fixture corpus)', worst('warmMiss', 'p50'), 15);
  underMs('warm miss p50 < 2.5 ms', worst('warmMiss', 'p50'), 2.5);

  // Start-up: spawn to the first answered call, against the floor's, both medians.
  const floor = report.floor.cold.p50;
  const coldP50 = (id: string): number =>
    report.queries.find((q) => q.id === id)?.scenarios.cold?.p50 ?? 0;
  const list = coldP50('list-sources');
  const search = coldP50('search-async-await');
  checks.push({
    target: 'startup to first answered call <= 2× the floor',
    measured:
      `list_content_sources ${ms(list)} ms = ${times(list / floor)} floor (${ms(floor)} ms); ` +
      `first search ${ms(search)} ms = ${times(search / floor)}`,
    met: list > 0 && list <= 2 * floor,
  });
  return checks;
}
