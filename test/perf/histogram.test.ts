import test from 'ava';
import { LatencyRecorder, percentileKeys, ratioOf } from '../../perf/lib/histogram.js';

test('a summary has the fixed percentile names, in microsecond integers', (t) => {
  const recorder = new LatencyRecorder();
  for (let micros = 1; micros <= 1000; micros++) recorder.record(micros);
  const summary = recorder.summary();
  t.deepEqual(Object.keys(summary).sort(), ['count', ...percentileKeys].sort());
  t.is(summary.count, 1000);
  t.is(summary.p50, 500);
  t.is(summary.p90, 900);
  t.is(summary.p99, 990);
  t.is(summary.max, 1000);
  t.is(summary.mean, 501);
  for (const key of percentileKeys) t.true(Number.isInteger(summary[key]), key);
});

test('percentiles never exceed the max, even where HDR buckets round up', (t) => {
  const recorder = new LatencyRecorder();
  recorder.record(6846);
  const summary = recorder.summary();
  t.is(summary.max, 6846);
  t.true(summary.p99_9 <= summary.max);
  t.true(recorder.curve().every((point) => point.micros <= 6846));
});

test('values are rounded and clamped to at least 1 microsecond', (t) => {
  const recorder = new LatencyRecorder();
  recorder.record(0.2);
  recorder.record(2.6);
  t.is(recorder.summary().count, 2);
  t.is(recorder.summary().max, 3);
  t.is(recorder.curve()[0]!.micros, 1);
});

test('an empty recorder summarises to zeros and an empty curve', (t) => {
  const recorder = new LatencyRecorder();
  t.like(recorder.summary(), { count: 0, p50: 0, max: 0 });
  t.deepEqual(recorder.curve(), []);
});

test('the curve runs from 0% to 99.99% with non-decreasing latency', (t) => {
  const recorder = new LatencyRecorder();
  for (let i = 1; i <= 10_000; i++) recorder.record(i);
  const curve = recorder.curve(10);
  t.is(curve.length, 41);
  t.is(curve[0]!.percentile, 0);
  t.true(Math.abs(curve.at(-1)!.percentile - 99.99) < 1e-9);
  for (let i = 1; i < curve.length; i++) {
    t.true(curve[i]!.percentile > curve[i - 1]!.percentile);
    t.true(curve[i]!.micros >= curve[i - 1]!.micros);
  }
});

test('add merges the counts of another recorder', (t) => {
  const a = new LatencyRecorder();
  const b = new LatencyRecorder();
  a.record(10);
  b.record(1000);
  a.add(b);
  t.like(a.summary(), { count: 2, max: 1000 });
});

test('ratioOf divides field by field and gives 0 where the floor is 0', (t) => {
  const ours = { count: 5, p50: 300, p90: 900, p99: 2000, p99_9: 2000, max: 2000, mean: 500 };
  const floor = { count: 5, p50: 100, p90: 300, p99: 0, p99_9: 1000, max: 1000, mean: 250 };
  t.deepEqual(ratioOf(ours, floor), { p50: 3, p90: 3, p99: 0, p99_9: 2, max: 2, mean: 2 });
});
