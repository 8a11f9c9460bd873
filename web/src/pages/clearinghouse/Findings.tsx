// Findings by priority, most urgent first, with their deadline, and for one operator its open
// findings over time and time to remediate (charts.tsx); one finding with every factor of its
// priority and the decisions that move it (triage, not affected with a justification, risk
// accepted until a date, fixed), for this finding or across the operator's assets.
import { useState } from 'react';

import { api, enc } from '../../api';
import { Badge, Code, EmptyState, ErrorMessage, Field, Form, Loading, PagedTable, Time, useAction, useLoad } from '../../components';
import {
  deadlineText,
  JUSTIFICATIONS,
  nextStates,
  STATE_LABELS,
  type Finding,
  type FindingPage,
  type FindingState,
} from '../../clearinghouse';
import { Link, useLocation } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { TrendCharts } from './charts';

function Deadline({ f }: { f: Finding }) {
  return (
    <span className={f.overdue ? 'danger-text' : undefined}>
      {f.timeline}
      <div className="muted">{deadlineText(f.deadline)}</div>
    </span>
  );
}

/** A page of findings by priority; an operator's (orgId), an asset's, or every operator's. */
export function FindingsTable({
  orgId,
  assetId,
  reloadKey,
  all,
}: {
  orgId?: string;
  assetId?: string;
  reloadKey?: unknown;
  all?: boolean;
}) {
  return (
    <PagedTable<Finding>
      caption="Findings by priority"
      what="findings"
      reloadKey={[reloadKey, all]}
      rowKey={(f) => f.id}
      load={(cursor, limit) =>
        api.get<FindingPage>('/clearinghouse/findings', {
          operator: orgId,
          asset: assetId,
          state: all ? 'all' : 'active',
          cursor,
          limit,
        })
      }
      empty={
        <EmptyState title="No open finding.">
          <p>No advisory affects the packages of the latest inventories, or every finding is decided.</p>
        </EmptyState>
      }
      columns={[
        {
          key: 'package',
          label: 'Package',
          render: (f) => (
            <>
              <Link to={`/clearinghouse/findings/${f.id}`}>
                {f.package} {f.version}
              </Link>
              <div className="muted">{f.asset_name}</div>
            </>
          ),
        },
        {
          key: 'advisory',
          label: 'Advisory',
          render: (f) => (
            <>
              <Code>{f.advisory_id}</Code> {f.cve && <span className="muted">{f.cves.join(', ')}</span>}
              <div>{f.summary}</div>
            </>
          ),
        },
        { key: 'deadline', label: 'Deadline (BOD 26-04)', render: (f) => <Deadline f={f} /> },
        { key: 'cisa', label: 'CISA decision', render: (f) => f.cisa_level },
        { key: 'upgrade', label: 'Upgrade to', render: (f) => f.upgrade_to ?? <span className="muted">unknown</span> },
        { key: 'state', label: 'State', render: (f) => <Badge value={f.state} /> },
      ]}
    />
  );
}

// Downloads the operator's findings as a VEX document: CSAF 2.0 or CycloneDX.
function VexDownloads({ orgId }: { orgId: string }) {
  const { busy, error, run } = useAction();
  const download = (format: 'csaf' | 'cyclonedx') =>
    run(async () => {
      const text = await api.get<string>(`/clearinghouse/operators/${enc(orgId)}/vex`, { format });
      const url = URL.createObjectURL(new Blob([typeof text === 'string' ? text : JSON.stringify(text)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = format === 'csaf' ? 'vex.csaf.json' : 'vex.cdx.json';
      a.click();
      URL.revokeObjectURL(url);
    });
  return (
    <div className="actions">
      <button type="button" onClick={() => void download('csaf')} disabled={busy}>
        Download VEX (CSAF 2.0)
      </button>{' '}
      <button type="button" onClick={() => void download('cyclonedx')} disabled={busy}>
        Download VEX (CycloneDX)
      </button>
      <ErrorMessage error={error} title="The VEX document could not be made." />
    </div>
  );
}

export function FindingsPage() {
  const identity = useIdentity();
  const { query } = useLocation();
  const clearinghouse = identity.organization.kind === 'clearinghouse';
  const orgId = clearinghouse ? query.get('operator') ?? undefined : identity.organization.id;
  const [all, setAll] = useState(false);
  return (
    <>
      <h1 tabIndex={-1}>Findings</h1>
      <p className="lead">
        Every package version an advisory affects on {clearinghouse && !orgId ? 'every operator’s assets' : 'the assets'}, most
        urgent first: by the BOD 26-04 deadline, then the CISA decision, KEV, EPSS and CVSS. Open one to see why.
      </p>
      <div className="field">
        <label>
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> Show decided and fixed findings too
        </label>
      </div>
      <FindingsTable orgId={orgId} all={all} />
      {orgId && <VexDownloads orgId={orgId} />}
      {orgId && <TrendCharts orgId={orgId} who={clearinghouse ? 'This operator' : identity.organization.name} />}
    </>
  );
}

function AnalysisForm({ f, onDone }: { f: Finding; onDone: (message: string) => void }) {
  const identity = useIdentity();
  const targets = nextStates(f.state);
  const [state, setState] = useState<FindingState>(targets[0]!);
  const [justification, setJustification] = useState(JUSTIFICATIONS[0]!.value);
  const [until, setUntil] = useState('');
  const [note, setNote] = useState('');
  const [scope, setScope] = useState('finding');
  const { busy, error, run } = useAction();
  const submit = () =>
    run(async () => {
      const body: Record<string, unknown> = { state, note, scope };
      if (state === 'not_affected') body.justification = justification;
      if (state === 'risk_accepted') body.accepted_until = new Date(`${until}T23:59:59Z`).toISOString();
      const result = await api.post<{ items: Finding[]; unchanged: number }>(
        `/clearinghouse/findings/${enc(f.id)}/analysis`,
        body,
      );
      onDone(
        `${STATE_LABELS[state]}: ${result.items.length} finding${result.items.length === 1 ? '' : 's'} moved` +
          (result.unchanged > 0 ? `, ${result.unchanged} left as they were.` : '.'),
      );
    });
  return (
    <>
      <Form label="Decide on the finding" onSubmit={() => void submit()}>
        <Field label="New state">
          {(p) => (
            <select {...p} value={state} onChange={(e) => setState(e.target.value as FindingState)}>
              {targets.map((t) => (
                <option key={t} value={t}>
                  {STATE_LABELS[t]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {state === 'not_affected' && (
          <Field label="Justification" hint="One of the VEX justifications; it goes into the VEX documents.">
            {(p) => (
              <select {...p} value={justification} onChange={(e) => setJustification(e.target.value)}>
                {JUSTIFICATIONS.map((j) => (
                  <option key={j.value} value={j.value}>
                    {j.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {state === 'risk_accepted' && (
          <Field label="Accepted until" hint="At most 365 days from today; the finding opens again then.">
            {(p) => <input {...p} type="date" required value={until} onChange={(e) => setUntil(e.target.value)} />}
          </Field>
        )}
        <Field label="Note" hint="Why: it is kept with the finding and in the ledger.">
          {(p) => <textarea {...p} value={note} maxLength={4000} onChange={(e) => setNote(e.target.value)} />}
        </Field>
        <Field label="Scope">
          {(p) => (
            <select {...p} value={scope} onChange={(e) => setScope(e.target.value)}>
              <option value="finding">This finding only</option>
              <option value="operator">
                {f.package} and {f.advisory_id} on every asset of the operator, any version
              </option>
              {identity.organization.kind === 'clearinghouse' && (
                <option value="all_operators">
                  {f.package} and {f.advisory_id} on every operator’s assets
                </option>
              )}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={busy || (state === 'risk_accepted' && !until)}>
          Record the decision
        </button>
      </Form>
      <ErrorMessage error={error} title="The decision was not recorded." />
    </>
  );
}

export function FindingPage({ params }: { params: Record<string, string> }) {
  const findingId = params.findingId!;
  const identity = useIdentity();
  const finding = useLoad(() => api.get<Finding>(`/clearinghouse/findings/${enc(findingId)}`), [findingId]);
  const [notice, setNotice] = useState<string | null>(null);
  const f = finding.data;
  const mayDecide =
    !!f &&
    (identity.grants?.some((g) => g.object === f.org_id && g.relation === 'admin') ||
      identity.organization.kind === 'clearinghouse');
  return (
    <>
      <p>
        <Link to="/clearinghouse/findings">← Findings</Link>
      </p>
      <h1 tabIndex={-1}>{f ? `${f.package} ${f.version}: ${f.advisory_id}` : 'Finding'}</h1>
      <ErrorMessage error={finding.error} title="The finding could not be loaded." />
      {finding.loading && !f ? <Loading what="the finding" /> : null}
      <Notice text={notice} />
      {f && (
        <>
          <p className="lead">{f.summary}</p>
          <dl className="facts">
            <dt>Asset</dt>
            <dd>
              <Link to={`/clearinghouse/assets/${f.asset_id}`}>{f.asset_name}</Link>
            </dd>
            <dt>Package</dt>
            <dd>
              <Code>{f.purl}</Code>
            </dd>
            <dt>Upgrade to</dt>
            <dd>{f.upgrade_to ?? 'no fixed version is known'}</dd>
            <dt>CVE</dt>
            <dd>{f.cves.length > 0 ? f.cves.join(', ') : 'none'}</dd>
            <dt>State</dt>
            <dd>
              <Badge value={f.state} /> {f.justification && <span>({f.justification.replace(/_/g, ' ')})</span>}
              {f.accepted_until && (
                <span>
                  {' '}
                  until <Time value={f.accepted_until} />
                </span>
              )}
              {f.note && <div className="muted">{f.note}</div>}
            </dd>
            <dt>Known since</dt>
            <dd>
              <Time value={f.known_at} />
            </dd>
            <dt>Deadline</dt>
            <dd className={f.overdue ? 'danger-text' : undefined}>
              {f.timeline}: {deadlineText(f.deadline)} {f.deadline && <Time value={f.deadline} />}
              {f.escalated_at && (
                <div>
                  Escalated <Time value={f.escalated_at} />
                </div>
              )}
            </dd>
          </dl>
          <div className="table-scroll">
            <table>
              <caption>Why this priority</caption>
              <thead>
                <tr>
                  <th scope="col">Factor</th>
                  <th scope="col">Value</th>
                  <th scope="col">How it orders the finding</th>
                </tr>
              </thead>
              <tbody>
                {f.factors.map((factor) => (
                  <tr key={factor.name}>
                    <th scope="row">{factor.name}</th>
                    <td>{factor.value}</td>
                    <td>{factor.effect}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {mayDecide && (
            <section aria-labelledby="finding-decide">
              <h2 id="finding-decide">Decide</h2>
              <AnalysisForm
                key={f.updated_at}
                f={f}
                onDone={(message) => {
                  setNotice(message);
                  finding.reload();
                }}
              />
            </section>
          )}
        </>
      )}
    </>
  );
}
