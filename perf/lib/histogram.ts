// Latency recording in HDR histograms. Every value is an integer number of microseconds, and
// every summary carries the same fixed field names, so reports, comparisons and plots never
// have to guess a unit or a key.
import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Fixed summary of one histogram; every latency field is in integer microseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
}

/** One point of a latency-by-percentile curve (percentile in 0..100). */
export interface CurvePoint {
  percentile: number;
  micros: number;
}

/** The percentile names every summary uses, in display order. */
export const percentileKeys = ['p50', 'p90', 'p99', 'p99_9', 'max', 'mean'] as const;
export type PercentileKey = (typeof percentileKeys)[number];

// One hour: anything slower is a hung request, and a fixed range keeps histograms mergeable.
const highestMicros = 3_600_000_000;

/** Monotonic clock reading for `elapsedMicros`. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Whole microseconds since `start` (a `now()` reading), at least 1. */
export function elapsedMicros(start: bigint): number {
  return Math.max(1, Math.round(Number(process.hrtime.bigint() - start) / 1000));
}

export class LatencyRecorder {
  readonly #histogram: Histogram;

  constructor() {
    this.#histogram = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: highestMicros,
      numberOfSignificantValueDigits: 3,
    });
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  /** Records one latency in microseconds (rounded, clamped to 1..1 hour). */
  record(micros: number): void {
    this.#histogram.recordValue(Math.min(highestMicros, Math.max(1, Math.round(micros))));
  }

  /** Records the time since `start` and returns it in microseconds. */
  recordSince(start: bigint): number {
    const micros = elapsedMicros(start);
    this.record(micros);
    return micros;
  }

  /** Adds every value of `other` to this recorder. */
  add(other: LatencyRecorder): void {
    this.#histogram.add(other.#histogram);
  }

  summary(): LatencySummary {
    const h = this.#histogram;
    if (h.totalCount === 0) {
      return { count: 0, p50: 0, p90: 0, p99: 0, p99_9: 0, max: 0, mean: 0 };
    }
    // Percentiles come back as the top of their bucket; clamp them so none exceeds the max.
    const at = (percentile: number): number =>
      Math.min(h.maxValue, h.getValueAtPercentile(percentile));
    return {
      count: h.totalCount,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p99_9: at(99.9),
      max: h.maxValue,
      mean: Math.round(h.mean),
    };
  }

  /**
   * Latency at percentiles spread evenly on a log scale of 1 / (1 - p), from 0% to 99.99%:
   * the shape an HDR percentile plot draws, with as much room for the tail as for the median.
   */
  curve(pointsPerDecade = 20): CurvePoint[] {
    if (this.#histogram.totalCount === 0) return [];
    const points: CurvePoint[] = [];
    for (let i = 0; i <= 4 * pointsPerDecade; i++) {
      const percentile = 100 * (1 - 10 ** (-i / pointsPerDecade));
      const micros = this.#histogram.getValueAtPercentile(percentile);
      points.push({ percentile, micros: Math.min(this.#histogram.maxValue, micros) });
    }
    return points;
  }
}

/** Ratio of two summaries field by field (ours / floor), rounded to 0.1; 0 when undefined. */
export function ratioOf(
  ours: LatencySummary,
  floor: LatencySummary,
): Record<PercentileKey, number> {
  const out = {} as Record<PercentileKey, number>;
  for (const key of percentileKeys) {
    out[key] = floor[key] > 0 ? Math.round((ours[key] / floor[key]) * 10) / 10 : 0;
  }
  return out;
}
