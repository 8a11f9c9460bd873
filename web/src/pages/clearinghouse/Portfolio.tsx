// The clearinghouse's portfolio: every enrolled operator, most exposed first, with its active
// findings by BOD 26-04 deadline tier as a stacked bar (and the same numbers in the table).
import { api } from '../../api';
import { EmptyState, ErrorMessage, Loading, useLoad } from '../../components';
import { TIMELINES, timelineShort, type OperatorSummary } from '../../clearinghouse';
import type { Items } from '../../review';
import { Link } from '../../router';

const TIER_CLASSES = ['tier-0', 'tier-1', 'tier-2', 'tier-3', 'tier-4'];

function TierBar({ s, max }: { s: OperatorSummary; max: number }) {
  const width = 180;
  let x = 0;
  const label = TIMELINES.map((t) => `${s.by_timeline[t] ?? 0} ${timelineShort(t)}`).join(', ');
  return (
    <svg className="tier-bar" width={width} height={18} role="img" aria-label={`${s.org_name}: ${label}`}>
      {TIMELINES.map((t, i) => {
        const n = s.by_timeline[t] ?? 0;
        const w = max > 0 ? (n / max) * width : 0;
        const rect = <rect key={t} x={x} y={2} width={w} height={14} className={TIER_CLASSES[i]} />;
        x += w;
        return rect;
      })}
    </svg>
  );
}

export function PortfolioPage() {
  const list = useLoad(() => api.get<Items<OperatorSummary>>('/clearinghouse/portfolio'), []);
  const items = list.data?.items ?? [];
  const max = Math.max(1, ...items.map((s) => s.active_findings));
  return (
    <>
      <h1 tabIndex={-1}>Portfolio</h1>
      <p className="lead">
        Every enrolled operator, most exposed first: the operator whose most urgent finding comes first, then the most overdue.
      </p>
      <ErrorMessage error={list.error} title="The portfolio could not be loaded." />
      {list.loading && !list.data ? <Loading what="the portfolio" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No operator is enrolled." />
      ) : list.data ? (
        <>
          <p className="legend" aria-hidden="true">
            {TIMELINES.map((t, i) => (
              <span key={t}>
                <svg width={12} height={12}>
                  <rect width={12} height={12} className={TIER_CLASSES[i]} />
                </svg>{' '}
                {timelineShort(t)}{' '}
              </span>
            ))}
          </p>
          <div className="table-scroll">
            <table>
              <caption>Operators, most exposed first</caption>
              <thead>
                <tr>
                  <th scope="col">Operator</th>
                  <th scope="col">Assets (exposed)</th>
                  <th scope="col">Active findings by deadline</th>
                  {TIMELINES.map((t) => (
                    <th key={t} scope="col">
                      {timelineShort(t)}
                    </th>
                  ))}
                  <th scope="col">Overdue</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.org_id}>
                    <th scope="row">
                      <Link to={`/clearinghouse/findings?operator=${s.org_id}`}>{s.org_name}</Link>
                    </th>
                    <td>
                      {s.assets} ({s.exposed_assets})
                    </td>
                    <td>
                      <TierBar s={s} max={max} /> {s.active_findings}
                    </td>
                    {TIMELINES.map((t) => (
                      <td key={t}>{s.by_timeline[t] ?? 0}</td>
                    ))}
                    <td>{s.overdue_findings > 0 ? <strong className="danger-text">{s.overdue_findings}</strong> : 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </>
  );
}
