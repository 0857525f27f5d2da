// Number formatting and markdown tables shared by the report writers.
import { percentileKeys } from './histogram.js';
import type { LatencySummary, PercentileKey } from './histogram.js';

/** Microseconds as milliseconds: 3 significant digits, at most 3 decimals. */
export function ms(micros: number | null | undefined): string {
  if (micros === null || micros === undefined || !Number.isFinite(micros)) return 'n/a';
  const value = micros / 1000;
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
  return (bytes / 1024 / 1024).toFixed(1);
}

/** A ratio as `12.3×`. */
export function times(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio) || ratio === 0) return 'n/a';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}×`;
}

/** A markdown table; columns whose cells all read as numbers are right-aligned. */
export function mdTable(headers: string[], rows: Array<Array<string | number>>): string {
  const looksNumeric = /^(n\/a|[-+]?\d[\d.,]*\S*( [A-Za-z×%]+)?( \(.*\))?)$/;
  const numeric = headers.map(
    (_, i) => i > 0 && rows.every((row) => looksNumeric.test(String(row[i] ?? ''))),
  );
  const head = `| ${headers.join(' | ')} |`;
  const rule = `| ${headers.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`;
  const body = rows.map((row) => `| ${row.map((cell) => String(cell)).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** Header cells for a latency summary, in ms. */
export const latencyHeaders = ['p50', 'p90', 'p99', 'p99.9', 'max', 'mean'];

/** A latency summary's cells in ms, optionally followed by "(N× floor)" per cell. */
export function latencyCells(
  summary: LatencySummary,
  floorRatio?: Record<PercentileKey, number>,
): string[] {
  return percentileKeys.map((key) => {
    const cell = ms(summary[key]);
    return floorRatio ? `${cell} (${times(floorRatio[key])})` : cell;
  });
}
