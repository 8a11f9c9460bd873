// The charts of an evaluation, drawn as SVG from the report's figures: its progress, pass rates
// with their one-sided bounds against the policy's thresholds, and the sequential evidence
// against its bar. Each chart has a text alternative and its data as a table under it.
import { useId } from 'react';

import { ChartFrame, scale, ticks, YGrid } from '../../chart';
import { percent, type GroupRate, type SequentialEvidence } from '../../evaluations';

export function Progress({ done, total, passed, label }: { done: number; total: number; passed: number; label: string }) {
  const id = useId();
  const share = total > 0 ? done / total : 0;
  const passedShare = total > 0 ? passed / total : 0;
  return (
    <div className="progress">
      <span id={id} className="visually-hidden">
        {label}
      </span>
      <div
        className="progress-track"
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={`${done} of ${total} samples recorded, ${passed} passed`}
      >
        <div className="progress-done" style={{ width: `${100 * share}%` }} />
        <div className="progress-passed" style={{ width: `${100 * passedShare}%` }} />
      </div>
    </div>
  );
}

// One bar per group to its rate, a whisker from its lower to its upper bound, and each
// threshold as a dashed line.
export function RateChart({
  title,
  groups,
  thresholds,
}: {
  title: string;
  groups: GroupRate[];
  thresholds: { label: string; value: number }[];
}) {
  const row = 28;
  const left = 150;
  const width = 640;
  const right = width - 20;
  const top = 22;
  const height = top + groups.length * row + 40;
  const x = scale(0, 1, left, right);
  return (
    <ChartFrame
      caption={title}
      name={title}
      description={groups.map((g) => `${g.group || 'none'}: ${percent(g.pass_rate.rate)}`).join('; ')}
      width={width}
      height={height}
      table={
        <>
          <thead>
            <tr>
              <th scope="col">Group</th>
              <th scope="col">Pass rate</th>
              <th scope="col">Lower bound</th>
              <th scope="col">Upper bound</th>
              <th scope="col">Tasks</th>
              <th scope="col">Samples</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g, i) => (
              <tr key={g.group || `none-${i}`}>
                <th scope="row">{g.group || 'none'}</th>
                <td>{percent(g.pass_rate.rate)}</td>
                <td>{percent(g.pass_rate.lower)}</td>
                <td>{percent(g.pass_rate.upper)}</td>
                <td>{g.pass_rate.tasks}</td>
                <td>{g.pass_rate.samples}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    >
      {ticks(0, 1, 5).map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={top} y2={height - 30} className="grid" />
          <text x={x(t)} y={height - 14} textAnchor="middle" className="tick">
            {Math.round(t * 100)}%
          </text>
        </g>
      ))}
      {groups.map((g, i) => {
        const y = top + i * row;
        const r = g.pass_rate;
        return (
          <g key={g.group || `none-${i}`}>
            <text x={left - 8} y={y + row / 2 + 4} textAnchor="end" className="tick">
              {g.group || 'none'}
            </text>
            <rect x={left} y={y + 5} width={Math.max(0, x(r.rate) - left)} height={row - 10} className="bar" />
            <line x1={x(r.lower)} x2={x(r.upper)} y1={y + row / 2} y2={y + row / 2} className="whisker" />
            <line x1={x(r.lower)} x2={x(r.lower)} y1={y + 8} y2={y + row - 8} className="whisker" />
            <line x1={x(r.upper)} x2={x(r.upper)} y1={y + 8} y2={y + row - 8} className="whisker" />
          </g>
        );
      })}
      {thresholds.map((t) => (
        <g key={t.label}>
          <line x1={x(t.value)} x2={x(t.value)} y1={top} y2={height - 30} className="threshold" />
          <text x={x(t.value) + 4} y={top - 8} className="threshold-label">
            {t.label} {percent(t.value)}
          </text>
        </g>
      ))}
    </ChartFrame>
  );
}

// Both log evidences as the samples accrued, against the bar log(2/alpha) that decides.
export function SequentialChart({ e }: { e: SequentialEvidence }) {
  const width = 640;
  const height = 260;
  const left = 50;
  const right = width - 20;
  const top = 16;
  const bottom = height - 40;
  const points = e.points.map(([n, , above, below]) => [n, above ?? 0, below ?? 0] as const);
  const values = points.flatMap(([, a, b]) => [a, b]);
  const lo = Math.min(0, ...values);
  const hi = Math.max(e.log_bar * 1.15, ...values.filter((v) => v < e.log_bar * 3));
  const cap = (v: number) => Math.min(Math.max(v, lo), hi);
  const x = scale(0, Math.max(1, e.samples), left, right);
  const y = scale(lo, hi, bottom, top);
  const path = (k: 1 | 2) =>
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(cap(p[k])).toFixed(1)}`).join(' ');
  const last = points[points.length - 1];
  return (
    <ChartFrame
      caption={
        <>
          Sequential evidence, criterion {e.criterion} (threshold {percent(e.threshold)}, α = {e.alpha})
        </>
      }
      name={`Sequential evidence of ${e.criterion}`}
      description={
        <>
          After {e.samples} samples ({e.passes} passed): evidence above {last ? last[1].toFixed(2) : 0}, below{' '}
          {last ? last[2].toFixed(2) : 0}, bar {e.log_bar.toFixed(2)}; call {e.call}
          {e.first_call ? `; first call ${e.first_call.call} at sample ${e.first_call.samples}` : ''}.
        </>
      }
      width={width}
      height={height}
      legend={
      <p className="legend">
        <span className="key key-above" aria-hidden="true" /> evidence the rate is above the threshold{' '}
        <span className="key key-below" aria-hidden="true" /> evidence it is below
      </p>
      }
      table={
        <>
          <thead>
            <tr>
              <th scope="col">Samples</th>
              <th scope="col">Passes</th>
              <th scope="col">log evidence above</th>
              <th scope="col">log evidence below</th>
            </tr>
          </thead>
          <tbody>
            {e.points.map(([n, passes, above, below]) => (
              <tr key={n}>
                <td>{n}</td>
                <td>{passes}</td>
                <td>{above === null ? '—' : above.toFixed(3)}</td>
                <td>{below === null ? '—' : below.toFixed(3)}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    >
      <YGrid values={ticks(lo, hi, 5)} y={y} left={left} right={right} />
      {ticks(0, Math.max(1, e.samples), 6).map((t) => (
        <text key={`x${t}`} x={x(t)} y={bottom + 16} textAnchor="middle" className="tick">
          {t}
        </text>
      ))}
      <text x={(left + right) / 2} y={height - 4} textAnchor="middle" className="axis-label">
        Samples, in the run’s order
      </text>
      <line x1={left} x2={right} y1={y(e.log_bar)} y2={y(e.log_bar)} className="threshold" />
      <text x={right - 4} y={y(e.log_bar) - 6} textAnchor="end" className="threshold-label">
        log(2/α) = {e.log_bar.toFixed(2)}: decides
      </text>
      <path d={path(1)} className="line-above" fill="none" />
      <path d={path(2)} className="line-below" fill="none" />
      {e.first_call && (
        <circle
          cx={x(e.first_call.samples)}
          cy={y(cap(e.log_bar))}
          r={5}
          className="first-call"
        />
      )}
    </ChartFrame>
  );
}
