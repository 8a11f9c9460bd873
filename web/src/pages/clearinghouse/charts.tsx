// The clearinghouse's charts, drawn as SVG from GET /api/v1/clearinghouse/trend: the open findings
// of each UTC day stacked by BOD 26-04 deadline tier (the most urgent at the bottom, in the
// strongest colour) with the overdue ones as a line, and each timeline's time to remediate (the
// median as a bar, the 90th percentile as a whisker, the days it allows as a dashed mark). Each
// chart has a text alternative and its figures as a table under it. One operator's on its
// Findings page, every operator's on the Portfolio.
import { useId, useState } from 'react';

import { ChartFrame, scale, YGrid } from '../../chart';
import { EmptyState, ErrorMessage, Loading, Time, useLoad } from '../../components';
import {
  bandPath,
  countTicks,
  dayLabel,
  daysText,
  dayTicks,
  fetchTrend,
  linePath,
  openOn,
  remediationRows,
  remediationSummary,
  remediationText,
  stackTrend,
  TIMELINE_ALLOWANCE,
  timelineShort,
  TIMELINES,
  trendText,
  TREND_PERIODS,
  type Remediation,
  type TrendDay,
} from '../../clearinghouse';

const TIER_CLASSES = ['tier-0', 'tier-1', 'tier-2', 'tier-3', 'tier-4'];

const tenth = (v: number | null) => (v === null ? '—' : v.toFixed(1));

// Stacked areas, one a timeline, through each day's open findings; the overdue ones as a line.
export function OpenFindingsChart({ title, days }: { title: string; days: TrendDay[] }) {
  const width = 640;
  const height = 260;
  const left = 44;
  const right = width - 14;
  const top = 14;
  const bottom = height - 36;
  const { bands, totals, max } = stackTrend(days);
  const yTicks = countTicks(max);
  const x = scale(0, Math.max(1, days.length - 1), left, right);
  const y = scale(0, yTicks[yTicks.length - 1]!, bottom, top);
  const xs = days.map((_, i) => x(i));
  const overdue = days.map((d) => d.overdue);
  return (
    <ChartFrame
      caption={title}
      name={title}
      description={`${trendText(days)} The table under the chart gives each day’s numbers.`}
      width={width}
      height={height}
      legend={
        <ul className="legend tier-legend" aria-label="Deadline tiers">
          {TIMELINES.map((t, i) => (
            <li key={t}>
              <span className={`swatch ${TIER_CLASSES[i]}`} aria-hidden="true" /> {timelineShort(t)}
            </li>
          ))}
          <li>
            <span className="key key-overdue" aria-hidden="true" /> overdue
          </li>
        </ul>
      }
      table={
        <>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {TIMELINES.map((t) => (
                <th key={t} scope="col" className="num">
                  {t}
                </th>
              ))}
              <th scope="col" className="num">
                Open
              </th>
              <th scope="col" className="num">
                Overdue
              </th>
            </tr>
          </thead>
          <tbody>
            {days.map((d, i) => (
              <tr key={d.date}>
                <th scope="row">{d.date}</th>
                {TIMELINES.map((t) => (
                  <td key={t} className="num">
                    {d.by_timeline[t] ?? 0}
                  </td>
                ))}
                <td className="num">{totals[i]}</td>
                <td className="num">{d.overdue}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    >
      <YGrid values={yTicks} y={y} left={left} right={right} />
      {dayTicks(days.length).map((i) => (
        <text
          key={`x${i}`}
          x={x(i)}
          y={bottom + 16}
          textAnchor={i === days.length - 1 && i > 0 ? 'end' : i === 0 ? 'start' : 'middle'}
          className="tick"
        >
          {dayLabel(days[i]!.date)}
        </text>
      ))}
      <text x={(left + right) / 2} y={height - 4} textAnchor="middle" className="axis-label">
        Open findings at the end of each UTC day
      </text>
      {TIMELINES.map((t, i) => (
        <path key={t} d={bandPath(xs, bands[i]!, y)} className={`trend-band ${TIER_CLASSES[i]}`} />
      ))}
      {days.length > 0 && (
        <>
          <path d={linePath(xs, overdue, y)} className="trend-overdue-halo" fill="none" />
          <path d={linePath(xs, overdue, y)} className="trend-overdue" fill="none" />
        </>
      )}
    </ChartFrame>
  );
}

// One row a timeline: the median days from known to fixed as a bar, a whisker on to the 90th
// percentile, and a dashed mark at the days the timeline allows.
export function RemediationChart({ title, items }: { title: string; items: Remediation[] }) {
  const rows = remediationRows(items);
  const width = 640;
  const row = 34;
  const left = 130;
  const plotRight = 400;
  const top = 8;
  const height = top + rows.length * row + 40;
  const axis = top + rows.length * row;
  const longest = Math.max(
    1,
    ...rows.map((r) => TIMELINE_ALLOWANCE[r.timeline] ?? 0),
    ...rows.filter((r) => r.remediated > 0).map((r) => Math.max(r.median_days ?? 0, r.p90_days ?? 0)),
  );
  const xTicks = countTicks(longest, 5);
  const x = scale(0, xTicks[xTicks.length - 1]!, left, plotRight);
  return (
    <ChartFrame
      caption={title}
      name={title}
      description={remediationSummary(items)}
      width={width}
      height={height}
      legend={
        <p className="legend tier-legend">
          <span className="key key-median" aria-hidden="true" /> median{' '}
          <span className="key key-whisker" aria-hidden="true" /> to the 90th percentile{' '}
          <span className="key key-allowance" aria-hidden="true" /> the days the timeline allows
        </p>
      }
      table={
        <>
          <thead>
            <tr>
              <th scope="col">Timeline</th>
              <th scope="col" className="num">
                Remediated
              </th>
              <th scope="col" className="num">
                Within deadline
              </th>
              <th scope="col" className="num">
                Median days
              </th>
              <th scope="col" className="num">
                90th percentile days
              </th>
              <th scope="col" className="num">
                Days allowed
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.timeline}>
                <th scope="row">{r.timeline}</th>
                <td className="num">{r.remediated}</td>
                <td className="num">{r.within_deadline}</td>
                <td className="num">{r.remediated > 0 ? tenth(r.median_days) : 'none yet'}</td>
                <td className="num">{r.remediated > 0 ? tenth(r.p90_days) : '—'}</td>
                <td className="num">{TIMELINE_ALLOWANCE[r.timeline] ?? 'none: on upgrade'}</td>
              </tr>
            ))}
          </tbody>
        </>
      }
    >
      {xTicks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={top} y2={axis} className="grid" />
          <text x={x(t)} y={axis + 16} textAnchor="middle" className="tick">
            {t}
          </text>
        </g>
      ))}
      <text x={(left + plotRight) / 2} y={height - 4} textAnchor="middle" className="axis-label">
        Days from a finding becoming known to its fix
      </text>
      {rows.map((r, i) => {
        const y0 = top + i * row;
        const mid = y0 + row / 2;
        const allowance = TIMELINE_ALLOWANCE[r.timeline];
        const done = r.remediated > 0 && r.median_days !== null;
        return (
          <g key={r.timeline}>
            <text x={left - 8} y={mid + 4} textAnchor="end" className="tick">
              {timelineShort(r.timeline)}
            </text>
            {done && (
              <rect
                x={left}
                y={y0 + 8}
                width={Math.max(1, x(r.median_days!) - left)}
                height={row - 16}
                className={TIER_CLASSES[i]}
              >
                <title>
                  {`${timelineShort(r.timeline)}: median ${daysText(r.median_days!)}` +
                    (r.p90_days !== null ? `, 90th percentile ${daysText(r.p90_days)}` : '')}
                </title>
              </rect>
            )}
            {done && r.p90_days !== null && (
              <>
                <line x1={x(r.median_days!)} x2={x(r.p90_days)} y1={mid} y2={mid} className="whisker" />
                <line x1={x(r.p90_days)} x2={x(r.p90_days)} y1={y0 + 11} y2={y0 + row - 11} className="whisker" />
              </>
            )}
            {allowance !== null && (
              <line x1={x(allowance)} x2={x(allowance)} y1={y0 + 2} y2={y0 + row - 2} className="threshold allowance" />
            )}
            <text x={plotRight + 12} y={mid + 4} className={done ? 'tick' : 'tick none-yet'}>
              {remediationText(r)}
            </text>
          </g>
        );
      })}
    </ChartFrame>
  );
}

/**
 * Both charts of one operator (orgId) or of every operator (null), over a period the reader
 * picks: the last 30, 90 or 365 days.
 */
export function TrendCharts({ orgId, who }: { orgId: string | null; who: string }) {
  const id = useId();
  const [period, setPeriod] = useState<number>(90);
  // The period comes back with its trend: while another loads, the title stays with its chart.
  const trend = useLoad(async () => ({ period, trend: await fetchTrend(orgId, period) }), [orgId, period]);
  const t = trend.data?.trend;
  return (
    <section aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Over time</h2>
      <p className="muted">
        {who}: the findings still open at the end of each UTC day, and how long the fixed ones took.
        {t && (
          <>
            {' '}
            As of <Time value={t.as_of} />; the last day is today so far.
          </>
        )}
      </p>
      <fieldset className="toggle">
        <legend>Period</legend>
        {TREND_PERIODS.map((p) => (
          <label className="check" key={p}>
            <input type="radio" name={`${id}-period`} value={p} checked={period === p} onChange={() => setPeriod(p)} /> {p}{' '}
            days
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={trend.error} title="The findings over time could not be loaded." />
      {trend.loading && !t ? <Loading what="the findings over time" /> : null}
      {t && t.days.length === 0 ? <EmptyState title="No days to show." /> : null}
      {t && t.days.length > 0 && (
        <>
          <OpenFindingsChart
            title={`Open findings by deadline tier over time, the last ${trend.data!.period} days`}
            days={t.days}
          />
          <RemediationChart
            title={`Time to remediate the findings fixed in the last ${trend.data!.period} days`}
            items={t.remediation}
          />
          {t.days.every((d) => openOn(d) === 0) && <p className="muted">No finding was open on any of these days.</p>}
        </>
      )}
    </section>
  );
}
