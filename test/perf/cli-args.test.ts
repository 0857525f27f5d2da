import test from 'ava';
import {
  choiceFlag,
  durationFlag,
  intFlag,
  msFlag,
  positiveFlag,
  UsageError,
} from '../../perf/lib/cli-args.js';

test('durations accept ms, s, m and bare seconds', (t) => {
  t.is(durationFlag('duration', '1500ms'), 1500);
  t.is(durationFlag('duration', '30s'), 30_000);
  t.is(durationFlag('duration', '2m'), 120_000);
  t.is(durationFlag('duration', '1.5'), 1500);
  t.is(durationFlag('duration', undefined), undefined);
  t.throws(() => durationFlag('duration', 'soon'), {
    instanceOf: UsageError,
    message: /--duration/,
  });
});

test('integers and milliseconds are validated with the flag named', (t) => {
  t.is(intFlag('concurrency', '256'), 256);
  t.is(intFlag('concurrency', undefined), undefined);
  t.throws(() => intFlag('concurrency', '0'), {
    instanceOf: UsageError,
    message: /--concurrency.*>= 1.*"0"/,
  });
  t.throws(() => intFlag('count', '2.5'), { instanceOf: UsageError });
  t.is(msFlag('p99-max-ms', '2.5'), 2.5);
  t.throws(() => msFlag('p99-max-ms', '-1'), { instanceOf: UsageError, message: /--p99-max-ms/ });
  t.is(positiveFlag('threshold', '0.2'), 0.2);
  t.throws(() => positiveFlag('threshold', '0'), {
    instanceOf: UsageError,
    message: /--threshold/,
  });
});

test('choices list what is allowed', (t) => {
  t.is(choiceFlag('mix', 'hits', ['hits', 'misses']), 'hits');
  t.throws(() => choiceFlag('mix', 'some', ['hits', 'misses']), { message: /one of hits, misses/ });
});
