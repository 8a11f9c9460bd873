// The clearinghouse's portfolio: every enrolled operator, most exposed first, with its active
// findings by BOD 26-04 deadline tier as a stacked bar (and the same numbers in the table); the
// recent escalations across operators (deadlines that passed) and whether each operator
// acknowledged them; every operator's open findings over time and time to remediate (charts.tsx).
import { api } from '../../api';
import { Badge, EmptyState, ErrorMessage, Loading, Time, useLoad } from '../../components';
import { fetchEscalations, TIMELINES, timelineShort, type OperatorSummary } from '../../clearinghouse';
import type { Items } from '../../review';
import { Link } from '../../router';
import { TrendCharts } from './charts';

const RECENT_ESCALATIONS = 20;

function RecentEscalations() {
  const list = useLoad(() => fetchEscalations(null), []);
  const items = list.data ?? [];
  const waiting = items.filter((e) => !e.acknowledged_at).length;
  return (
    <section aria-labelledby="portfolio-escalations">
      <h2 id="portfolio-escalations">Escalations</h2>
      <p className="muted">
        Findings still active when their deadlines passed, escalated to their operator’s admins and to the clearinghouse
        by the sweep, newest first{items.length > 0 ? `; ${waiting} not acknowledged yet` : ''}.
      </p>
      <ErrorMessage error={list.error} title="The escalations could not be loaded." />
      {list.loading && !list.data ? <Loading what="escalations" /> : null}
      {list.data && items.length === 0 ? <EmptyState title="No deadline has passed: nothing was escalated." /> : null}
      {items.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption>Recent escalations</caption>
            <thead>
              <tr>
                <th scope="col">Operator</th>
                <th scope="col">Escalated</th>
                <th scope="col" className="num">
                  Findings
                </th>
                <th scope="col">Earliest deadline</th>
                <th scope="col">Acknowledged</th>
              </tr>
            </thead>
            <tbody>
              {items.slice(0, RECENT_ESCALATIONS).map((e) => (
                <tr key={e.id}>
                  <th scope="row">{e.org_name}</th>
                  <td>
                    <Time value={e.created_at} />
                  </td>
                  <td className="num">{e.findings}</td>
                  <td>
                    <Time value={e.earliest_deadline} />
                  </td>
                  <td>
                    {e.acknowledged_at ? (
                      <>
                        <Badge value="acknowledged" /> <Time value={e.acknowledged_at} />
                      </>
                    ) : (
                      <strong className="danger-text">not yet</strong>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {items.length > RECENT_ESCALATIONS && (
        <p className="muted">And {items.length - RECENT_ESCALATIONS} earlier ones.</p>
      )}
    </section>
  );
}

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
      <RecentEscalations />
      <TrendCharts orgId={null} who="Every operator" />
    </>
  );
}
