// A latency-by-percentile plot as a standalone SVG, drawn by hand (no plotting dependency).
// The x axis is log-scaled on 1 / (1 - p), so 0%, 90%, 99%, 99.9% and 99.99% sit an equal
// distance apart and the tail gets as much room as the median; the y axis (milliseconds) is
// log-scaled too, so the floor, cache hits and worker misses fit on one chart.
import type { CurvePoint } from './histogram.js';

export interface PlotSeries {
  label: string;
  points: CurvePoint[];
  /** Dashed line, e.g. for the floor. */
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  subtitle?: string;
  series: PlotSeries[];
}

const width = 960;
const height = 540;
const margin = { left: 72, right: 300, top: 56, bottom: 64 };
const plotWidth = width - margin.left - margin.right;
const plotHeight = height - margin.top - margin.bottom;
/** Decades of 1 / (1 - p) shown: 4 means up to 99.99%. */
const decades = 4;
const palette = [
  '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf',
  '#8c564b', '#e377c2', '#bcbd22', '#393b79', '#637939', '#7f7f7f',
];

export function renderPercentilePlot(options: PlotOptions): string {
  const series = options.series.filter((s) => s.points.length > 0);
  const values = series.flatMap((s) => s.points.map((p) => p.micros / 1000));
  const yMin = 10 ** Math.floor(Math.log10(Math.max(0.001, Math.min(...values, 1))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...values, yMin * 10)));
  const x = (percentile: number): number => {
    const rank = Math.log10(1 / Math.max(1 - percentile / 100, 10 ** -decades));
    return margin.left + (rank / decades) * plotWidth;
  };
  const y = (ms: number): number => {
    const share = (Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / Math.log10(yMax / yMin);
    return margin.top + plotHeight * (1 - share);
  };

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="16" font-weight="bold">` +
      `${escape(options.title)}</text>`,
  ];
  if (options.subtitle) {
    parts.push(`<text x="${margin.left}" y="42" fill="#555">${escape(options.subtitle)}</text>`);
  }

  // Grid and axes: one vertical line per percentile decade, horizontal lines at 1-2-5 steps.
  for (let d = 0; d <= decades; d++) {
    const percentile = 100 * (1 - 10 ** -d);
    const px = x(percentile).toFixed(1);
    parts.push(line(px, margin.top, px, margin.top + plotHeight, '#dddddd'));
    const label = d === 0 ? '0%' : `${percentile.toFixed(Math.max(0, d - 2))}%`;
    parts.push(text(px, margin.top + plotHeight + 18, label, 'middle'));
  }
  for (let decade = yMin; decade < yMax; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const ms = decade * step;
      if (ms > yMax) break;
      const py = y(ms).toFixed(1);
      const stroke = step === 1 ? '#cccccc' : '#eeeeee';
      parts.push(line(margin.left, py, margin.left + plotWidth, py, stroke));
      parts.push(text(margin.left - 6, Number(py) + 4, formatMs(ms), 'end'));
    }
  }
  parts.push(text(margin.left - 6, y(yMax) + 4, formatMs(yMax), 'end'));
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" ` +
      `fill="none" stroke="#333"/>`,
    text(
      margin.left + plotWidth / 2,
      height - 20,
      'percentile (log scale of 1 / (1 - p))',
      'middle',
    ),
    `<text transform="translate(18 ${margin.top + plotHeight / 2}) rotate(-90)" ` +
      `text-anchor="middle">latency, ms (log scale)</text>`,
  );

  // One polyline per series, then its legend entry.
  series.forEach((s, index) => {
    const color = palette[index % palette.length]!;
    const points = s.points
      .map((p) => `${x(p.percentile).toFixed(1)},${y(p.micros / 1000).toFixed(1)}`)
      .join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${points}"/>`,
    );
    const ly = margin.top + 8 + index * 20;
    const lx = margin.left + plotWidth + 16;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" ` +
        `stroke-width="2"${dash}/>`,
      text(lx + 30, ly + 4, s.label, 'start'),
    );
  });

  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function formatMs(ms: number): string {
  return ms >= 1 ? `${Number(ms.toPrecision(3))} ms` : `${Number(ms.toPrecision(2))} ms`;
}

type Coord = number | string;

function line(x1: Coord, y1: Coord, x2: Coord, y2: Coord, stroke: string): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${stroke}"/>`;
}

function text(x: Coord, y: Coord, body: string, anchor: string): string {
  return `<text x="${x}" y="${y}" text-anchor="${anchor}">${escape(body)}</text>`;
}

function escape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
