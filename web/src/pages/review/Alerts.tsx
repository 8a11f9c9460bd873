// Insider-risk alerts, for the lab (its own) and the program office (every lab's): a key's use
// far above its baseline, most of a daily quota used, a new client address, use outside the
// window's stated hours, and many calls of retained content read in a day. Newest first; the lab's administrators and the program office
// acknowledge them. The signals and their rules are in docs/review.md.
import { useState } from 'react';

import { api, enc } from '../../api';
import { Badge, Code, EmptyState, Loading, Time, useAction, useLoad } from '../../components';
import {
  alertKindText,
  alertsWaitingText,
  alertSubjectText,
  reviewRole,
  type Items,
  type ReviewAlert,
} from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice, ReviewError } from './shared';

export function AlertsPage() {
  const me = useIdentity();
  const role = reviewRole(me.organization.kind);
  const alerts = useLoad(() => api.get<Items<ReviewAlert>>('/review/alerts'), []);
  const acknowledge = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const items = alerts.data?.items ?? [];

  const acknowledgeAlert = (a: ReviewAlert) =>
    acknowledge.run(async () => {
      await api.post<ReviewAlert>(`/review/alerts/${enc(a.id)}/acknowledge`);
      setNotice(`Acknowledged the alert about ${alertSubjectText(a)}.`);
      alerts.reload();
    });

  return (
    <>
      <h1 tabIndex={-1}>Alerts</h1>
      <p className="lead">
        {role === 'program_office'
          ? 'Insider-risk alerts on every lab’s windows and defensive access'
          : 'Insider-risk alerts on your lab’s windows and defensive access'}
        : a key used far above its own baseline, most of a daily quota used, a call from an address the key never
        used, use outside the hours stated for the window, or a person reading many calls of retained content. Each
        comes at most once a day per key (or reader) and kind. Where the lab chose so on the window’s page, the key
        was suspended, or the reader’s approval ended, at once.
      </p>
      <Notice text={notice} />
      <ReviewError error={acknowledge.error} title="The alert was not acknowledged." />
      <ReviewError error={alerts.error} title="The alerts could not be loaded." />
      {alerts.loading && !alerts.data ? <Loading what="alerts" /> : null}
      {alerts.data && items.length === 0 ? (
        <EmptyState title="There are no alerts.">
          <p>When a partner’s use of a gateway key looks unusual, the alert appears here.</p>
        </EmptyState>
      ) : alerts.data ? (
        <>
          <p role="status">{alertsWaitingText(items)}</p>
          <div className="table-scroll">
            <table>
              <caption>Insider-risk alerts, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Raised</th>
                  <th scope="col">Signal</th>
                  <th scope="col">Key or reader, and organization</th>
                  <th scope="col">Model and access</th>
                  <th scope="col">What happened</th>
                  <th scope="col">Acknowledged</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Time value={a.created_at} />
                    </td>
                    <td className="signal">
                      <strong>{alertKindText(a.kind)}</strong>
                      {a.scope === 'organization' && (
                        <>
                          <br />
                          <span className="muted">the organization’s keys together</span>
                        </>
                      )}
                      <br />
                      {a.scope === 'reader' ? (
                        a.key_suspended ? (
                          <Badge value="approval_ended" />
                        ) : (
                          <span className="muted">approval not ended</span>
                        )
                      ) : a.key_suspended ? (
                        <Badge value="key_suspended" />
                      ) : (
                        <span className="muted">key not suspended</span>
                      )}
                    </td>
                    <td>
                      {a.scope === 'reader' ? (
                        <>
                          A reader of <Link to="/review/content">retained content</Link>
                        </>
                      ) : (
                        <>
                          {a.key_name}
                          <br />
                          <Code>{a.key_id}</Code>
                        </>
                      )}
                      <br />
                      {a.org_name}
                    </td>
                    <td>
                      <Code>{a.gateway_model}</Code>
                      <br />
                      {a.window_id ? (
                        <Link to={`/review/windows/${a.window_id}`}>
                          Window<span className="visually-hidden"> of the alert {a.id}</span>
                        </Link>
                      ) : (
                        <Link to="/review/defensive">Defensive access</Link>
                      )}
                    </td>
                    <td className="detail">{a.detail}</td>
                    <td>
                      {a.acknowledged_at ? (
                        <>
                          <Time value={a.acknowledged_at} />
                          <br />
                          <span className="muted">by</span> <Code>{a.acknowledged_by}</Code>
                        </>
                      ) : (
                        <button type="button" onClick={() => void acknowledgeAlert(a)} disabled={acknowledge.busy}>
                          Acknowledge
                          <span className="visually-hidden">
                            {' '}
                            the alert about {alertSubjectText(a)}: {alertKindText(a.kind).toLowerCase()}
                          </span>
                        </button>
                      )}
                    </td>
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
