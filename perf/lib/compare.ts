// Comparison with an earlier run: a scenario is flagged when its p90 grew by more than the
// threshold (20% by default). The same growth is also given relative to the floor measured
// in each run, which tells a slower machine apart from a slower server.

/** One scenario's p90 in one run. */
export interface ScenarioP90 {
  key: string;
  /** Microseconds. */
  p90: number;
  /** The same run's floor p90 in microseconds, when one was measured. */
  floorP90?: number;
}

export interface P90Change {
  key: string;
  previous: number;
  current: number;
  /** (current - previous) / previous, e.g. 0.25 for +25%. */
  growth: number;
  /** Growth of p90 / floor p90, when both runs have a floor. */
  floorNormalizedGrowth: number | null;
  flagged: boolean;
}

export const defaultGrowthThreshold = 0.2;

/** Changes for every key present in both runs, in the current run's order. */
export function compareP90(
  current: readonly ScenarioP90[],
  previous: readonly ScenarioP90[],
  threshold = defaultGrowthThreshold,
): P90Change[] {
  const before = new Map(previous.map((s) => [s.key, s]));
  const changes: P90Change[] = [];
  for (const now of current) {
    const then = before.get(now.key);
    if (!then || then.p90 <= 0) continue;
    const growth = (now.p90 - then.p90) / then.p90;
    const normalized =
      now.floorP90 && then.floorP90
        ? now.p90 / now.floorP90 / (then.p90 / then.floorP90) - 1
        : null;
    changes.push({
      key: now.key,
      previous: then.p90,
      current: now.p90,
      growth: round3(growth),
      floorNormalizedGrowth: normalized === null ? null : round3(normalized),
      flagged: growth > threshold,
    });
  }
  return changes;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
