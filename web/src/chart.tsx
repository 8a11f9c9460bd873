// What every chart of the console shares: the frame (a figure with its caption; the drawing as
// an SVG image named by the caption and described by its text alternative; a legend; and the
// chart's figures as a table in a disclosure under it, scrollable by keyboard when it is wider
// than the figure), and the scales, ticks and grid of its axes.
import { useId, type ReactNode } from 'react';

// A linear scale from a domain to a range.
export function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

// Evenly spaced round ticks over [lo, hi], about `count` of them.
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toFixed(10)));
  return out;
}

export function ChartFrame({
  caption,
  name,
  description,
  width,
  height,
  legend,
  table,
  children,
}: {
  caption: ReactNode; // shown above the chart, and the image's name
  name: string; // the chart's name in words, for its table
  description: ReactNode; // the text alternative of the drawing
  width: number;
  height: number;
  legend?: ReactNode;
  table: ReactNode; // the figures' <thead> and <tbody>
  children: ReactNode; // the drawing
}) {
  const id = useId();
  return (
    <figure className="chart">
      <figcaption id={`${id}-t`}>{caption}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-t`}
        aria-describedby={`${id}-d`}
        className="chart-svg"
      >
        <desc id={`${id}-d`}>{description}</desc>
        {children}
      </svg>
      {legend}
      <details>
        <summary>The figures</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label={`${name}: the figures`}>
          <table>
            <caption className="visually-hidden">{name}</caption>
            {table}
          </table>
        </div>
      </details>
    </figure>
  );
}

// The horizontal grid lines of a chart's vertical axis, each labelled on the left.
export function YGrid({
  values,
  y,
  left,
  right,
}: {
  values: number[];
  y: (v: number) => number;
  left: number;
  right: number;
}) {
  return (
    <>
      {values.map((t) => (
        <g key={`y${t}`}>
          <line x1={left} x2={right} y1={y(t)} y2={y(t)} className="grid" />
          <text x={left - 6} y={y(t) + 4} textAnchor="end" className="tick">
            {t}
          </text>
        </g>
      ))}
    </>
  );
}
