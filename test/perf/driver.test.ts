import test from 'ava';
import { drive } from '../../perf/lib/driver.js';
import { LatencyRecorder } from '../../perf/lib/histogram.js';

/** A task whose calls stay pending until released, to observe how many are in flight. */
function gate() {
  let inFlight = 0;
  let peak = 0;
  const task = async (): Promise<void> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight--;
  };
  return { task, peak: () => peak };
}

test('runs exactly `count` calls with `concurrency` in flight', async (t) => {
  const { task, peak } = gate();
  const recorder = new LatencyRecorder();
  const result = await drive({ concurrency: 8, count: 100, recorder }, task);
  t.like(result, { started: 100, succeeded: 100, failed: 0, maxInFlight: 8 });
  t.is(peak(), 8);
  t.is(recorder.count, 100);
});

test('works at 256 in flight', async (t) => {
  const { task, peak } = gate();
  const result = await drive({ concurrency: 256, count: 1000 }, task);
  t.like(result, { started: 1000, succeeded: 1000, maxInFlight: 256 });
  t.is(peak(), 256);
});

test('never starts more lanes than calls', async (t) => {
  const { task, peak } = gate();
  const result = await drive({ concurrency: 50, count: 3 }, task);
  t.like(result, { started: 3, maxInFlight: 3 });
  t.is(peak(), 3);
});

test('failures are counted, kept (at most 20) and not recorded as latencies', async (t) => {
  const recorder = new LatencyRecorder();
  const result = await drive({ concurrency: 4, count: 60, recorder }, async (index) => {
    if (index % 2 === 0) throw new Error(`wrong answer ${index}`);
  });
  t.like(result, { started: 60, succeeded: 30, failed: 30 });
  t.is(result.failures.length, 20);
  t.true(result.failures.every((f) => f.message === `wrong answer ${f.index}`));
  t.is(recorder.count, 30);
});

test('a synchronous throw is a failure, not a crash', async (t) => {
  const result = await drive({ concurrency: 2, count: 4 }, () => {
    throw new Error('sync');
  });
  t.like(result, { failed: 4, succeeded: 0 });
});

test('a duration stops starting calls once it has passed', async (t) => {
  const result = await drive({ concurrency: 2, durationMs: 30 }, () =>
    new Promise((resolve) => setTimeout(resolve, 5)),
  );
  t.true(result.started > 0);
  t.is(result.succeeded, result.started);
});

test('an aborted signal stops new calls while running ones settle', async (t) => {
  const stop = new AbortController();
  const options = { concurrency: 3, count: 1000, signal: stop.signal };
  const result = await drive(options, async (index) => {
    if (index === 10) stop.abort();
    await new Promise((resolve) => setImmediate(resolve));
  });
  t.true(result.started < 1000);
  t.is(result.succeeded, result.started);
});

test('bad options are rejected with the option named', async (t) => {
  await t.throwsAsync(drive({ concurrency: 0, count: 1 }, async () => {}), {
    instanceOf: RangeError,
    message: /concurrency/,
  });
  await t.throwsAsync(drive({ concurrency: 1 }, async () => {}), {
    instanceOf: TypeError,
    message: /count or a durationMs/,
  });
});
