// A window's use by partner: one group of bars per UTC day, one bar per partner, in requests or
// tokens, with the same numbers in a table for those who do not see the chart.
import { useId, useState } from 'react';

import { api, enc } from '../../api';
import { EmptyState, Loading, useLoad } from '../../components';
import { usageChart, type Items, type PartnerUsage, type UsageMetric } from '../../review';
import { ReviewError } from './shared';

const SERIES = 8; // colors in styles.css: .series-0 … .series-7
const W = 640;
const H = 220;
const LEFT = 56;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 28;

const number = (v: number) => v.toLocaleString('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const unit = (metric: UsageMetric, v: number) =>
  `${number(v)} ${metric === 'requests' ? (v === 1 ? 'request' : 'requests') : v === 1 ? 'token' : 'tokens'}`;

function UsageBars({ items, metric }: { items: PartnerUsage[]; metric: UsageMetric }) {
  const id = useId();
  const names = new Map(items.map((u) => [u.partner_org_id, u.partner_org_name]));
  const name = (orgId: string) => names.get(orgId) ?? orgId;
  const chart = usageChart(items, metric);
  const plotW = W - LEFT - RIGHT;
  const plotH = H - TOP - BOTTOM;
  const group = plotW / chart.days.length;
  const bar = Math.min(40, (group * 0.8) / chart.partners.length);
  const y = (v: number) => TOP + plotH - (v / chart.max) * plotH;
  const ticks = [0, chart.max / 2, chart.max];
  const totals = chart.partners.map((p, i) => {
    const sum = chart.values.reduce((s, row) => s + row[i]!, 0);
    return `${name(p)} ${unit(metric, sum)}`;
  });
  const first = chart.days[0]!;
  const last = chart.days[chart.days.length - 1]!;
  return (
    <figure className="usage-figure">
      <svg
        className="usage-chart"
        viewBox={`0 0 ${W} ${H}`}
        width={W}
        height={H}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{metric === 'requests' ? 'Requests' : 'Tokens'} per day by partner</title>
        <desc id={`${id}-desc`}>
          {first === last ? `On ${first}` : `From ${first} to ${last}`} (UTC), in total: {totals.join('; ')}. The
          table below gives each day’s numbers.
        </desc>
        {ticks.map((t) => (
          <g key={t}>
            <line className="usage-grid" x1={LEFT} x2={W - RIGHT} y1={y(t)} y2={y(t)} />
            <text className="usage-axis" x={LEFT - 6} y={y(t) + 4} textAnchor="end">
              {compact.format(t)}
            </text>
          </g>
        ))}
        {chart.days.map((day, d) => {
          const x0 = LEFT + d * group + (group - bar * chart.partners.length) / 2;
          return (
            <g key={day}>
              {chart.partners.map((p, i) => {
                const v = chart.values[d]![i]!;
                return (
                  <rect
                    key={p}
                    className={`series-${i % SERIES}`}
                    x={x0 + i * bar}
                    y={y(v)}
                    width={Math.max(1, bar - 2)}
                    height={TOP + plotH - y(v)}
                  >
                    <title>
                      {day}, {name(p)}: {unit(metric, v)}
                    </title>
                  </rect>
                );
              })}
              <text className="usage-axis" x={LEFT + d * group + group / 2} y={H - 8} textAnchor="middle">
                {day.slice(5)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="legend" aria-label="Partners">
          {chart.partners.map((p, i) => (
            <li key={p}>
              <span className={`swatch series-${i % SERIES}`} aria-hidden="true" /> {name(p)}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

export function WindowUsage({ windowId }: { windowId: string }) {
  const usage = useLoad(() => api.get<Items<PartnerUsage>>(`/review/windows/${enc(windowId)}/usage`), [windowId]);
  const [metric, setMetric] = useState<UsageMetric>('requests');
  const items = usage.data?.items ?? [];
  return (
    <section aria-labelledby="window-usage">
      <h2 id="window-usage">Use by partner</h2>
      <p className="muted">
        Calls through the model gateway under this window, per partner and UTC day; calls the model did not answer
        count too.
      </p>
      <ReviewError error={usage.error} title="The use could not be loaded." />
      {usage.loading && !usage.data ? <Loading what="use" /> : null}
      {usage.data && items.length === 0 ? (
        <EmptyState title="No calls through the gateway yet.">
          <p>Each partner’s requests and tokens appear here, day by day, once its people call the gateway.</p>
        </EmptyState>
      ) : usage.data ? (
        <>
          <fieldset className="toggle">
            <legend>Show</legend>
            {(['requests', 'tokens'] as const).map((m) => (
              <label className="check" key={m}>
                <input
                  type="radio"
                  name="usage-metric"
                  value={m}
                  checked={metric === m}
                  onChange={() => setMetric(m)}
                />{' '}
                {m === 'requests' ? 'Requests' : 'Tokens'}
              </label>
            ))}
          </fieldset>
          <UsageBars items={items} metric={metric} />
          <div className="table-scroll">
            <table>
              <caption>Use by partner and day (UTC)</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Partner</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num">
                    Tokens
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((u) => (
                  <tr key={`${u.day} ${u.partner_org_id}`}>
                    <td>{u.day}</td>
                    <td>{u.partner_org_name}</td>
                    <td className="num">{number(u.requests)}</td>
                    <td className="num">{number(u.tokens)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
