// Building blocks of the review program's pages: live window clocks, names for the version ids
// the API returns (as far as the caller may read them), the organizations that may be partners,
// the partners table and the form that proposes one.
import { useEffect, useRef, useState, type ReactNode } from 'react';

import { api, enc, type Organization } from '../../api';
import { Badge, Code, ConfirmButton, ErrorMessage, Field, Form, Time, useAction, useLoad } from '../../components';
import {
  DEFAULT_QUOTA,
  explainRule,
  otherParty,
  partyName,
  quotaText,
  windowClock,
  windowStateAt,
  type AccessWindow,
  type Items,
  type ModelVersion,
  type PartnerGrant,
  type Quota,
  type ReviewModel,
} from '../../review';

// The current time, updated every `ms` milliseconds.
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

// An error of the review API, with the rule it names explained in words.
export function ReviewError({ error, title, about }: { error: unknown; title: string; about?: 'defensive' }) {
  return <ErrorMessage error={error} title={title} hint={explainRule(error, about)} />;
}

// It takes the focus when it appears, so that a keyboard user whose button went away with the
// change it made (Approve, Concur, Remove) goes on from the outcome rather than from the page's
// top.
export function Notice({ text }: { text: string | null }) {
  const ref = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (text) ref.current?.focus();
  }, [text]);
  if (!text) return null;
  return (
    <p className="success" role="status" tabIndex={-1} ref={ref}>
      {text}
    </p>
  );
}

// The window's state as of this second (a window closes by itself at its end).
export function WindowStateBadge({ w }: { w: AccessWindow }) {
  const now = useNow();
  return <Badge value={windowStateAt(w, now)} />;
}

// The live countdown to the window's end (or start), updated every second.
export function WindowCountdown({ w }: { w: AccessWindow }) {
  const now = useNow();
  return (
    <span className="countdown" data-testid="countdown">
      {windowClock(w, now)}
    </span>
  );
}

export interface VersionInfo {
  model: ReviewModel;
  version: ModelVersion;
}

// Every model version the caller may read, by id: a lab's own, every lab's for the program
// office, none for a partner (who sees ids only).
export function useVersions(enabled = true) {
  return useLoad(async () => {
    const index = new Map<string, VersionInfo>();
    if (!enabled) return index;
    const models = await api.get<Items<ReviewModel>>('/review/models');
    const lists = await Promise.all(
      models.items.map((model) =>
        api
          .get<Items<ModelVersion>>(`/review/models/${enc(model.id)}/versions`)
          .then((v) => v.items.map((version) => ({ model, version }))),
      ),
    );
    for (const info of lists.flat()) index.set(info.version.id, info);
    return index;
  }, [enabled]);
}

// The versions a lab may still ask about or open windows for: neither released nor withdrawn.
export function unreleasedVersions(versions: Map<string, VersionInfo> | null): VersionInfo[] {
  return [...(versions?.values() ?? [])].filter(
    (i) => i.version.status !== 'released' && i.version.status !== 'withdrawn',
  );
}

// The "Version" field of a form: one of `choices`, by model name and version.
export function VersionSelect({
  choices,
  value,
  onChange,
}: {
  choices: VersionInfo[];
  value: string;
  onChange: (versionId: string) => void;
}) {
  return (
    <Field label="Version">
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          {choices.map((i) => (
            <option key={i.version.id} value={i.version.id}>
              {i.model.name} {i.version.version}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function VersionName({ id, versions }: { id: string; versions: Map<string, VersionInfo> | null }) {
  const info = versions?.get(id);
  if (!info) return <Code>{id}</Code>;
  return (
    <>
      {info.model.name} <strong>{info.version.version}</strong>
      <br />
      <Code>{id}</Code>
    </>
  );
}

export function versionText(id: string, versions: Map<string, VersionInfo> | null): string {
  const info = versions?.get(id);
  return info ? `${info.model.name} ${info.version.version}` : id;
}

// The organizations that may be trusted partners, by name: for a lab's administrators and the
// program office, who choose them.
export function usePartnerOrganizations(enabled = true) {
  return useLoad(
    () =>
      enabled
        ? api.get<Items<Organization>>('/review/partner-organizations')
        : Promise.resolve({ items: [] as Organization[] }),
    [enabled],
  );
}

// The three limits of each gateway key under a grant or defensive access, as number fields.
export function QuotaFields({ quota, onChange }: { quota: Quota; onChange: (q: Quota) => void }) {
  const number = (label: string, key: keyof Quota) => (
    <Field label={label} hint="Per key.">
      {(p) => (
        <input
          {...p}
          type="number"
          min={1}
          required
          className="narrow"
          value={quota[key]}
          onChange={(e) => onChange({ ...quota, [key]: Number(e.target.value) })}
        />
      )}
    </Field>
  );
  return (
    <>
      {number('Requests a day', 'requests_per_day')}
      {number('Tokens a day', 'tokens_per_day')}
      {number('Requests a minute', 'requests_per_minute')}
    </>
  );
}

// Proposes a trusted partner on a window: one of the organizations that may be partners, with
// the quota each of its keys gets.
export function ProposePartnerForm({
  windows,
  candidates,
  versions,
  pickWindow = false,
  onProposed,
}: {
  windows: AccessWindow[];
  pickWindow?: boolean;
  candidates: Organization[];
  versions: Map<string, VersionInfo> | null;
  onProposed: (grant: PartnerGrant) => void;
}) {
  const [windowId, setWindowId] = useState('');
  const [choice, setChoice] = useState('');
  const [quota, setQuota] = useState(DEFAULT_QUOTA);
  const { busy, error, run } = useAction();
  const chosenWindow = windowId || windows[0]?.id || '';
  const orgId = choice || candidates[0]?.id || '';

  const propose = () =>
    run(async () => {
      const grant = await api.post<PartnerGrant>(`/review/windows/${enc(chosenWindow)}/partners`, {
        partner_org_id: orgId,
        ...quota,
      });
      onProposed(grant);
    });

  if (windows.length === 0) return null;
  return (
    <>
      <Form label="Propose a partner" onSubmit={() => void propose()}>
        <div className="row">
          {(pickWindow || windows.length > 1) && (
            <Field label="Window">
              {(p) => (
                <select {...p} value={chosenWindow} onChange={(e) => setWindowId(e.target.value)}>
                  {windows.map((w) => (
                    <option key={w.id} value={w.id}>
                      {versionText(w.version_id, versions)} · {w.id}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field
            label="Partner organization"
            hint={candidates.length === 0 ? 'No agency, operator, partner or clearinghouse is registered yet.' : undefined}
          >
            {(p) => (
              <select {...p} value={orgId} onChange={(e) => setChoice(e.target.value)}>
                {candidates.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.name} ({o.kind})
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          <QuotaFields quota={quota} onChange={setQuota} />
          <button type="submit" className="primary" disabled={busy || !orgId}>
            Propose partner
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The partner was not proposed." />
    </>
  );
}

export function proposedNotice(g: PartnerGrant): string {
  return `Proposed ${g.partner_org_name} as a partner. It takes effect when ${partyName(otherParty(g.proposed_by_party))} concurs.`;
}

// A window's partner grants, with concurrence and removal. Concur is offered on every proposed
// grant; the server holds the rule that only the party that did not propose may concur, and the
// refusal is shown in words.
export function PartnersTable({
  caption,
  grants,
  windowColumn,
  canAct,
  onChanged,
}: {
  caption: string;
  grants: PartnerGrant[];
  windowColumn?: (g: PartnerGrant) => ReactNode;
  canAct: boolean;
  onChanged: (notice: string) => void;
}) {
  const change = useAction();
  const concur = (g: PartnerGrant) =>
    change.run(async () => {
      await api.post<PartnerGrant>(`/review/partners/${enc(g.id)}/concur`);
      onChanged(`Concurred: ${g.partner_org_name} is an active partner and may issue gateway keys.`);
    });
  const remove = (g: PartnerGrant) =>
    change.run(async () => {
      await api.post<PartnerGrant>(`/review/partners/${enc(g.id)}/remove`);
      onChanged(`Removed ${g.partner_org_name}; its gateway keys stopped working at once.`);
    });
  return (
    <>
      <ReviewError error={change.error} title="The partner was not changed." />
      <div className="table-scroll">
        <table>
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              {windowColumn && <th scope="col">Window</th>}
              <th scope="col">State</th>
              <th scope="col">Quota per key</th>
              <th scope="col">Proposed</th>
              <th scope="col">Concurrence</th>
              {canAct && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {grants.map((g) => {
              const name = g.partner_org_name;
              return (
                <tr key={g.id}>
                  <td>
                    {name}
                    <br />
                    <Code>{g.partner_org_id}</Code>
                  </td>
                  {windowColumn && <td>{windowColumn(g)}</td>}
                  <td>
                    <Badge value={g.state} />
                  </td>
                  <td>{quotaText(g.quota)}</td>
                  <td>
                    by {partyName(g.proposed_by_party)}, <Time value={g.proposed_at} />
                  </td>
                  <td>
                    {g.state === 'proposed' ? (
                      <>waits for {partyName(otherParty(g.proposed_by_party))}</>
                    ) : g.concurred_at ? (
                      <>
                        by {partyName(otherParty(g.proposed_by_party))}, <Time value={g.concurred_at} />
                      </>
                    ) : (
                      <span className="muted">never concurred</span>
                    )}
                    {g.state === 'removed' && (
                      <>
                        <br />
                        removed <Time value={g.removed_at} />
                      </>
                    )}
                  </td>
                  {canAct && (
                    <td>
                      <span className="actions">
                        {g.state === 'proposed' && (
                          <button type="button" onClick={() => void concur(g)} disabled={change.busy}>
                            Concur<span className="visually-hidden"> with {name}</span>
                          </button>
                        )}
                        {g.state !== 'removed' && (
                          <ConfirmButton
                            action="Remove"
                            what={`${name}; its keys stop at once`}
                            onConfirm={() => void remove(g)}
                            disabled={change.busy}
                          />
                        )}
                      </span>
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
