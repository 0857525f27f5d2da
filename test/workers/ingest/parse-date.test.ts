import test from 'ava';
import { parseFeedDate } from '../../../workers/ingest/parse-date.js';

const iso = (raw: string) => parseFeedDate(raw)?.toISOString() ?? null;

test('RFC 822 dates and their common variants', (t) => {
  t.is(iso('Tue, 07 Sep 2021 02:47:57 +0200'), '2021-09-07T00:47:57.000Z');
  t.is(iso('Mon, 26 Jun 2017 19:40:58 GMT'), '2017-06-26T19:40:58.000Z');
  t.is(iso('Sun, 5 Jun 2016 18:05 PDT'), '2016-06-06T01:05:00.000Z', 'no seconds, named zone');
  t.is(iso('Wed, 02 Oct 02 13:00:00 EST'), '2002-10-02T18:00:00.000Z', 'two-digit year');
  t.is(iso('02 Oct 99 08:00:00 -0000'), '1999-10-02T08:00:00.000Z');
  t.is(iso('Thu, 01 March 2018 10:00:00 +05:30'), '2018-03-01T04:30:00.000Z');
  t.is(iso('Fri, 24 May 2019'), '2019-05-24T00:00:00.000Z', 'date only');
  t.is(iso('Mon, 01 Jan 2018 10:00:00 XYZ'), '2018-01-01T10:00:00.000Z', 'unknown zone as UTC');
  t.is(iso('June 5, 2016 6:05 PM'), '2016-06-05T18:05:00.000Z', '12-hour clock');
  t.is(iso('Sun, 05 Jun 2016 12:30:00 AM +0000'), '2016-06-05T00:30:00.000Z');
  t.is(iso('June 5, 2016'), '2016-06-05T00:00:00.000Z');
});

test('ISO 8601 / RFC 3339 dates', (t) => {
  t.is(iso('2024-02-03T04:05:06Z'), '2024-02-03T04:05:06.000Z');
  t.is(iso('2024-02-03T04:05:06.789-05:00'), '2024-02-03T09:05:06.789Z');
  t.is(iso('2024-02-03T04:05'), '2024-02-03T04:05:00.000Z');
  t.is(iso('2024-02-03'), '2024-02-03T00:00:00.000Z');
  t.is(iso('2020/1/10 14:33:00'), '2020-01-10T14:33:00.000Z');
});

test('anything unreadable is null, never an Invalid Date', (t) => {
  for (const raw of ['', '   ', 'yesterday', '2024-13-01', '2023-02-31', 'Mon, 32 Jan 2020',
    'Mon, 01 Foo 2020 10:00:00 GMT', '99999-01-01']) {
    t.is(parseFeedDate(raw), null, raw);
  }
  t.is(parseFeedDate(undefined), null);
  t.is(parseFeedDate({}), null);
});
