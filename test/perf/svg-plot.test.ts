import test from 'ava';
import { parseDocument, DomUtils } from 'htmlparser2';
import { LatencyRecorder } from '../../perf/lib/histogram.js';
import { renderPercentilePlot } from '../../perf/lib/svg-plot.js';

function recorder(values: number[]): LatencyRecorder {
  const r = new LatencyRecorder();
  for (const v of values) r.record(v);
  return r;
}

test('draws one line per series with a legend entry, titles escaped', (t) => {
  const svg = renderPercentilePlot({
    title: 'a <b> & "c"',
    series: [
      { label: 'floor', points: recorder([200, 300, 400]).curve(), dashed: true },
      { label: 'hit <1ms>', points: recorder([500, 700, 9000]).curve() },
      { label: 'empty', points: [] },
    ],
  });
  const doc = parseDocument(svg, { xmlMode: true });
  const root = DomUtils.findOne((el) => el.name === 'svg', doc.children)!;
  t.truthy(root);
  t.is(DomUtils.getElementsByTagName('polyline', doc).length, 2);
  const texts = DomUtils.getElementsByTagName('text', doc).map((el) => DomUtils.textContent(el));
  t.true(texts.includes('a <b> & "c"'));
  t.true(texts.includes('hit <1ms>'));
  t.false(texts.includes('empty'));
  t.false(svg.includes('<b>'));
});

test('the x axis is labelled from 0% to 99.99% on a log scale', (t) => {
  const svg = renderPercentilePlot({
    title: 't',
    series: [{ label: 's', points: recorder([1, 2]).curve() }],
  });
  const doc = parseDocument(svg, { xmlMode: true });
  const texts = DomUtils.getElementsByTagName('text', doc).map((el) => DomUtils.textContent(el));
  for (const label of ['0%', '90%', '99%', '99.9%', '99.99%']) t.true(texts.includes(label), label);
  // Equal distance between decades: 0% -> 90% as far as 90% -> 99%.
  const xs = ['0%', '90%', '99%'].map((label) => {
    const el = DomUtils.getElementsByTagName('text', doc).find(
      (e) => DomUtils.textContent(e) === label,
    )!;
    return Number(el.attribs['x']);
  });
  t.is(Math.round(xs[1]! - xs[0]!), Math.round(xs[2]! - xs[1]!));
});

test('every point lies inside the plot area', (t) => {
  const svg = renderPercentilePlot({
    title: 't',
    series: [{ label: 's', points: recorder([1, 50, 3_000, 250_000]).curve() }],
  });
  const doc = parseDocument(svg, { xmlMode: true });
  const frame = DomUtils.getElementsByTagName('rect', doc)[1]!.attribs;
  const [x0, y0] = [Number(frame['x']), Number(frame['y'])];
  const [x1, y1] = [x0 + Number(frame['width']), y0 + Number(frame['height'])];
  const points = DomUtils.getElementsByTagName('polyline', doc)[0]!.attribs['points']!.split(' ');
  for (const point of points) {
    const [x, y] = point.split(',').map(Number) as [number, number];
    t.true(x >= x0 - 0.1 && x <= x1 + 0.1 && y >= y0 - 0.1 && y <= y1 + 0.1, point);
  }
});
