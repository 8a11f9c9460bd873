// Access windows: a lab gives the government (and the partners both parties agree on) access to
// a version for at most 30 days in total, and withdraws it in one action. Each window shows its
// state and a countdown to its end, live, and the lab's insider-risk settings: the hours of use
// it states and whether a key that raises an alert is suspended.
import { useEffect, useId, useRef, useState } from 'react';

import { api, enc } from '../../api';
import { Code, EmptyState, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import {
  daysUsed,
  fromLocalInput,
  hourText,
  hoursProblem,
  hoursText,
  MAX_RETENTION_DAYS,
  retentionProblem,
  retentionText,
  MAX_ACCESS_DAYS,
  reviewRole,
  settingsBody,
  settingsDraft,
  suspensionText,
  toLocalInput,
  windowStateAt,
  withinHours,
  type AccessWindow,
  type Items,
  type PartnerGrant,
  type SettingsDraft,
} from '../../review';
import { Link, useLocation } from '../../router';
import { useIdentity } from '../../session';
import {
  Notice,
  PartnersTable,
  ProposePartnerForm,
  proposedNotice,
  ReviewError,
  useNow,
  usePartnerOrganizations,
  useVersions,
  VersionName,
  versionText,
  WindowCountdown,
  WindowStateBadge,
  type VersionInfo,
  unreleasedVersions,
  VersionSelect,
} from './shared';
import { WindowUsage } from './Usage';

// The 30-day rule for the version of a new window, or of window `w` being extended.
function allowance(windows: AccessWindow[], versionId: string, w?: AccessWindow): string {
  const used = daysUsed(windows, versionId, w?.id);
  const left = Math.max(0, MAX_ACCESS_DAYS - used);
  const rule = `At most ${MAX_ACCESS_DAYS} days of access per version in total, over all its windows and extensions.`;
  if (!w) return `${rule} This version has used ${used.toFixed(1)} days, so a new window can last ${left.toFixed(1)} at most.`;
  const latest = new Date(Date.parse(w.starts_at) + left * 86_400_000);
  return `${rule} Its other windows used ${used.toFixed(1)} days, so this one can end no later than ${latest.toLocaleString()}.`;
}

const START_HOURS = Array.from({ length: 24 }, (_, h) => h);
const END_HOURS = Array.from({ length: 24 }, (_, h) => h + 1);

// The lab's insider-risk settings of a window, as fields: hours of use (UTC) or any hour, and
// whether a key that raises an alert is suspended.
function SettingsFields({
  legend,
  draft,
  onChange,
}: {
  legend: string;
  draft: SettingsDraft;
  onChange: (d: SettingsDraft) => void;
}) {
  const hintId = useId();
  const now = useNow(60_000);
  const hour = new Date(now).getUTCHours();
  const clock = `${String(hour).padStart(2, '0')}:${String(new Date(now).getUTCMinutes()).padStart(2, '0')} UTC`;
  const problem = draft.stated ? hoursProblem(draft.start, draft.end) : null;
  const hint = draft.stated
    ? problem ??
      `${hoursText(draft.start, draft.end)}. It is ${clock} now: ${withinHours(draft.start, draft.end, hour) ? 'within' : 'outside'} these hours.`
    : undefined;
  return (
    <fieldset className="settings">
      <legend>{legend}</legend>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={draft.stated}
            onChange={(e) => onChange({ ...draft, stated: e.target.checked })}
          />{' '}
          State hours of use: a call outside them raises an alert
        </label>
      </div>
      {draft.stated && (
        <div className="row">
          <Field label="From (UTC)">
            {(p) => (
              <select
                {...p}
                aria-describedby={hintId}
                value={draft.start}
                onChange={(e) => onChange({ ...draft, start: Number(e.target.value) })}
              >
                {START_HOURS.map((h) => (
                  <option key={h} value={h}>
                    {hourText(h)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Until (UTC)">
            {(p) => (
              <select
                {...p}
                aria-describedby={hintId}
                value={draft.end}
                onChange={(e) => onChange({ ...draft, end: Number(e.target.value) })}
              >
                {END_HOURS.map((h) => (
                  <option key={h} value={h}>
                    {hourText(h)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
      )}
      {draft.stated && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={draft.suspend}
            onChange={(e) => onChange({ ...draft, suspend: e.target.checked })}
          />{' '}
          Suspend a key at once when its use raises an alert
        </label>
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={draft.retain}
            onChange={(e) => onChange({ ...draft, retain: e.target.checked })}
          />{' '}
          Keep the content of calls, encrypted; reading it takes a second person’s approval
        </label>
      </div>
      {draft.retain && (
        <div className="row">
          <Field label="Keep each call’s content for (days)" hint={retentionProblem(draft.retentionDays) ?? undefined}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={MAX_RETENTION_DAYS}
                value={draft.retentionDays}
                onChange={(e) => onChange({ ...draft, retentionDays: Number(e.target.value) })}
              />
            )}
          </Field>
        </div>
      )}
    </fieldset>
  );
}

// A window's insider-risk settings: what they are, and for the lab, a form to change them while
// the window is not closed.
function WindowSettingsSection({
  w,
  canChange,
  canAsk,
  onDone,
}: {
  w: AccessWindow;
  canChange: boolean;
  canAsk: boolean;
  onDone: (notice: string) => void;
}) {
  const [draft, setDraft] = useState(() => settingsDraft(w));
  const { busy, error, run } = useAction();
  const save = () =>
    run(async () => {
      const problem =
        (draft.stated ? hoursProblem(draft.start, draft.end) : null) ??
        (draft.retain ? retentionProblem(draft.retentionDays) : null);
      if (problem) throw new Error(problem);
      const r = await api.post<AccessWindow>(`/review/windows/${enc(w.id)}/settings`, settingsBody(draft));
      onDone(
        `Saved the window’s settings. Hours of use: ${hoursText(r.hours_start, r.hours_end)}. ${suspensionText(r.suspend_on_alert)} ${retentionText(r.retain_content, r.retention_days)}`,
      );
    });
  return (
    <section aria-labelledby="window-signals">
      <h2 id="window-signals">Insider-risk and retention settings</h2>
      <dl>
        <dt>Hours of use</dt>
        <dd data-testid="window-hours">{hoursText(w.hours_start, w.hours_end)}</dd>
        <dt>When a key’s use raises an alert</dt>
        <dd data-testid="window-suspension">{suspensionText(w.suspend_on_alert)}</dd>
        <dt>Content of calls</dt>
        <dd data-testid="window-retention">
          {retentionText(w.retain_content, w.retention_days)}
          {w.retain_content && canAsk && (
            <>
              {' '}
              <Link to="/review/content">Ask to read it</Link>
            </>
          )}
        </dd>
      </dl>
      <p className="muted">
        Alerts also come for a key used far above its own baseline, for most of a daily quota used, and for a call
        from an address the key never used. See them on the <Link to="/review/alerts">Alerts</Link> page.
      </p>
      {canChange && (
        <>
          <Form label="Change the window’s insider-risk settings" onSubmit={() => void save()}>
            <SettingsFields legend="Change the settings" draft={draft} onChange={setDraft} />
            <div className="row">
              <button type="submit" disabled={busy}>
                Save settings
              </button>
            </div>
          </Form>
          <ReviewError error={error} title="The settings were not saved." />
        </>
      )}
    </section>
  );
}

function OpenWindowForm({
  windows,
  versions,
  onOpened,
}: {
  windows: AccessWindow[];
  versions: Map<string, VersionInfo>;
  onOpened: (w: AccessWindow) => void;
}) {
  const { query } = useLocation();
  const choices = unreleasedVersions(versions);
  const [versionId, setVersionId] = useState(query.get('version') ?? '');
  const [starts, setStarts] = useState('');
  const [ends, setEnds] = useState(() => toLocalInput(new Date(Date.now() + 14 * 86_400_000)));
  const [settings, setSettings] = useState(() => settingsDraft(null));
  const { busy: opening, error, run } = useAction();
  const chosen = versionId || choices[0]?.version.id || '';
  const busy = windows.some((w) => w.version_id === chosen && windowStateAt(w, Date.now()) !== 'closed');
  const hint =
    allowance(windows, chosen) +
    (busy ? ' It has a window that is not closed: extend that one rather than open another.' : '');

  const open = () =>
    run(async () => {
      const startsAt = fromLocalInput(starts);
      const endsAt = fromLocalInput(ends);
      if (!endsAt) throw new Error('Choose when the window ends.');
      const problem =
        (settings.stated ? hoursProblem(settings.start, settings.end) : null) ??
        (settings.retain ? retentionProblem(settings.retentionDays) : null);
      if (problem) throw new Error(problem);
      const w = await api.post<AccessWindow>('/review/windows', {
        version_id: chosen,
        ends_at: endsAt,
        ...(startsAt ? { starts_at: startsAt } : {}),
        ...settingsBody(settings),
      });
      onOpened(w);
    });

  if (choices.length === 0) {
    return (
      <EmptyState title="No version to open a window for.">
        <p>
          Add a version to a model on the <Link to="/review/models">Models</Link> page first; released and
          withdrawn versions get no windows.
        </p>
      </EmptyState>
    );
  }
  return (
    <>
      <Form label="Open a window" onSubmit={() => void open()}>
        <div className="row">
          <VersionSelect choices={choices} value={chosen} onChange={setVersionId} />
          <Field label="Starts (optional)" hint="Empty: now.">
            {(p) => <input {...p} type="datetime-local" value={starts} onChange={(e) => setStarts(e.target.value)} />}
          </Field>
          <Field label="Ends" hint={hint}>
            {(p) => <input {...p} type="datetime-local" required value={ends} onChange={(e) => setEnds(e.target.value)} />}
          </Field>
        </div>
        <SettingsFields legend="Insider-risk settings (optional)" draft={settings} onChange={setSettings} />
        <div className="row">
          <button type="submit" className="primary" disabled={opening || !chosen}>
            Open window
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The window was not opened." />
    </>
  );
}

export function WindowsPage() {
  const me = useIdentity();
  const role = reviewRole(me.organization.kind);
  const windows = useLoad(() => api.get<Items<AccessWindow>>('/review/windows'), []);
  const versions = useVersions(role !== 'partner');
  const [notice, setNotice] = useState<string | null>(null);
  const items = windows.data?.items ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Access windows</h1>
      <p className="lead">
        {role === 'lab'
          ? 'Give the government, and the partners you and the program office agree on, access to a version before its release: at most 30 days in total per version. Withdrawing a window ends that access at once.'
          : role === 'program_office'
            ? 'Every lab’s access windows. Open one to see its partners, propose more and concur with the lab’s proposals.'
            : 'The access windows your organization has a grant on.'}
      </p>
      <Notice text={notice} />
      <ReviewError error={windows.error} title="The windows could not be loaded." />
      {windows.loading && !windows.data ? <Loading what="windows" /> : null}
      {windows.data && items.length === 0 ? (
        <EmptyState title="There are no access windows.">
          <p>
            {role === 'lab'
              ? 'Open one for a version with the form below.'
              : role === 'program_office'
                ? 'Labs open windows; they appear here when one does.'
                : 'Your organization is on no window yet.'}
          </p>
        </EmptyState>
      ) : windows.data ? (
        <div className="table-scroll">
          <table>
            <caption>Access windows</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">State</th>
                <th scope="col">Time left</th>
                <th scope="col">Starts</th>
                <th scope="col">Ends</th>
                <th scope="col">Window</th>
              </tr>
            </thead>
            <tbody>
              {items.map((w) => (
                <tr key={w.id}>
                  <td>
                    <VersionName id={w.version_id} versions={versions.data} />
                  </td>
                  <td>
                    <WindowStateBadge w={w} />
                  </td>
                  <td>
                    <WindowCountdown w={w} />
                  </td>
                  <td>
                    <Time value={w.starts_at} />
                  </td>
                  <td>
                    <Time value={w.ends_at} />
                  </td>
                  <td>
                    <Link to={`/review/windows/${w.id}`}>
                      {role === 'lab' ? 'Partners, extend, withdraw' : role === 'program_office' ? 'Partners' : 'Details'}
                      <span className="visually-hidden"> of the window for {versionText(w.version_id, versions.data)}</span>
                    </Link>
                    <br />
                    <Code>{w.id}</Code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {role === 'lab' && (
        <section aria-labelledby="window-open">
          <h2 id="window-open">Open a window</h2>
          <ReviewError error={versions.error} title="The versions could not be loaded." />
          {versions.data && windows.data ? (
            <OpenWindowForm
              windows={items}
              versions={versions.data}
              onOpened={(w) => {
                setNotice(
                  `Opened a window for ${versionText(w.version_id, versions.data)} until ` +
                    `${new Date(w.ends_at).toLocaleString()}. Propose its partners on the window’s page.`,
                );
                windows.reload();
              }}
            />
          ) : (
            <Loading what="versions" />
          )}
        </section>
      )}
    </>
  );
}

// Withdrawal: one button, then a confirmation that says what it does.
function WithdrawWindow({ label, onConfirm, busy }: { label: string; onConfirm: () => void; busy: boolean }) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" className="danger" onClick={() => setAsking(true)} disabled={busy}>
        Withdraw window
      </button>
    );
  }
  return (
    <div className="confirm-panel" role="group" aria-labelledby="withdraw-question">
      <p id="withdraw-question">
        <strong>Withdraw the window for {label}?</strong> Access ends at once: every gateway key under it stops
        working immediately and partners cannot issue new ones. A withdrawn window cannot be reopened; the days it
        was open still count toward the version’s 30.
      </p>
      <span className="actions">
        <button
          type="button"
          ref={confirmRef}
          className="danger"
          onClick={() => {
            setAsking(false);
            onConfirm();
          }}
        >
          Withdraw now: keys stop at once
        </button>
        <button type="button" onClick={() => setAsking(false)}>
          Cancel
        </button>
      </span>
    </div>
  );
}

function ExtendWindow({
  w,
  windows,
  onDone,
}: {
  w: AccessWindow;
  windows: AccessWindow[];
  onDone: (n: string) => void;
}) {
  const [ends, setEnds] = useState(() => toLocalInput(new Date(Date.parse(w.ends_at) + 7 * 86_400_000)));
  const { busy, error, run } = useAction();
  const extend = () =>
    run(async () => {
      const endsAt = fromLocalInput(ends);
      if (!endsAt) throw new Error('Choose the new end.');
      const r = await api.post<AccessWindow>(`/review/windows/${enc(w.id)}/extend`, { ends_at: endsAt });
      onDone(
        `Extended the window to ${new Date(r.ends_at).toLocaleString()}. ` +
          'Keys that were to expire with it now expire at the new end.',
      );
    });
  return (
    <>
      <Form label="Extend the window" onSubmit={() => void extend()}>
        <div className="row">
          <Field label="New end" hint={allowance(windows, w.version_id, w)}>
            {(p) => <input {...p} type="datetime-local" required value={ends} onChange={(e) => setEnds(e.target.value)} />}
          </Field>
          <button type="submit" disabled={busy}>
            Extend
          </button>
        </div>
      </Form>
      <ReviewError error={error} title="The window was not extended." />
    </>
  );
}

export function WindowPage({ params }: { params: Record<string, string> }) {
  const me = useIdentity();
  const role = reviewRole(me.organization.kind);
  const party = role !== 'partner';
  const windowId = params.windowId!;
  const win = useLoad(() => api.get<AccessWindow>(`/review/windows/${enc(windowId)}`), [windowId]);
  // Every window of the lab, for the version's days of access used so far.
  const all = useLoad(
    () => (role === 'lab' ? api.get<Items<AccessWindow>>('/review/windows') : Promise.resolve({ items: [] })),
    [role],
  );
  const partners = useLoad(
    () =>
      party
        ? api.get<Items<PartnerGrant>>(`/review/windows/${enc(windowId)}/partners`)
        : Promise.resolve({ items: [] as PartnerGrant[] }),
    [windowId, party],
  );
  const versions = useVersions(party);
  const candidates = usePartnerOrganizations(party);
  const now = useNow();
  const [notice, setNotice] = useState<string | null>(null);
  const withdraw = useAction();

  const changed = (n: string) => {
    setNotice(n);
    win.reload();
    all.reload();
    partners.reload();
  };

  const w = win.data;
  const label = w ? versionText(w.version_id, versions.data) : windowId;
  const closed = w ? windowStateAt(w, now) === 'closed' : true;
  const withdrawWindow = () =>
    withdraw.run(async () => {
      await api.post<AccessWindow>(`/review/windows/${enc(windowId)}/withdraw`);
      changed(`Withdrew the window for ${label}. It is closed, and every gateway key under it has stopped working.`);
    });

  const grants = partners.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Access window</h1>
      <p>
        <Link to="/review/windows">← All windows</Link>
      </p>
      <Notice text={notice} />
      <ReviewError error={win.error} title="The window could not be loaded." />
      {win.loading && !w ? <Loading what="the window" /> : null}
      {w && (
        <section className="card" aria-labelledby="window-facts">
          <h2 id="window-facts">For {label}</h2>
          <p className="clock">
            <WindowStateBadge w={w} /> <WindowCountdown w={w} />
          </p>
          <dl>
            <dt>Version</dt>
            <dd>
              <VersionName id={w.version_id} versions={versions.data} />
            </dd>
            <dt>Starts</dt>
            <dd>
              <Time value={w.starts_at} />
            </dd>
            <dt>Ends</dt>
            <dd>
              <Time value={w.ends_at} />
            </dd>
            {w.closed_at && (
              <>
                <dt>Closed</dt>
                <dd>
                  <Time value={w.closed_at} /> ({w.close_reason ?? 'ended'})
                </dd>
              </>
            )}
            <dt>Window id</dt>
            <dd>
              <Code>{w.id}</Code>
            </dd>
          </dl>
        </section>
      )}
      {w && party && (
        <WindowSettingsSection
          key={`${w.hours_start}-${w.hours_end}-${w.suspend_on_alert}-${w.retain_content}-${w.retention_days}`}
          w={w}
          canChange={role === 'lab' && !closed}
          canAsk={party}
          onDone={changed}
        />
      )}
      {w && role === 'lab' && !closed && (
        <>
          <section aria-labelledby="window-extend">
            <h2 id="window-extend">Extend</h2>
            <ExtendWindow key={w.ends_at} w={w} windows={all.data?.items ?? []} onDone={changed} />
          </section>
          <section aria-labelledby="window-withdraw">
            <h2 id="window-withdraw">Withdraw</h2>
            <p>Withdrawing ends the government’s and the partners’ access to this version now.</p>
            <WithdrawWindow label={label} onConfirm={() => void withdrawWindow()} busy={withdraw.busy} />
            <ReviewError error={withdraw.error} title="The window was not withdrawn." />
          </section>
        </>
      )}
      {party && (
        <section aria-labelledby="window-partners">
          <h2 id="window-partners">Trusted partners</h2>
          <p className="muted">
            Either party proposes a partner; the other concurs. Only then may the partner’s people issue gateway
            keys, each limited by the quota below.
          </p>
          <ReviewError error={partners.error} title="The partners could not be loaded." />
          {partners.loading && !partners.data ? <Loading what="partners" /> : null}
          {partners.data && grants.length === 0 ? (
            <EmptyState title="This window has no partners.">
              <p>{closed ? 'The window is closed.' : 'Propose one with the form below.'}</p>
            </EmptyState>
          ) : partners.data ? (
            <PartnersTable
              caption="Partners of this window"
              grants={grants}
              canAct={!closed}
              onChanged={changed}
            />
          ) : null}
          {w && !closed && (
            <>
              <h3>Propose a partner</h3>
              <ProposePartnerForm
                windows={[w]}
                candidates={candidates.data?.items ?? []}
                versions={versions.data}
                onProposed={(g) => changed(proposedNotice(g))}
              />
            </>
          )}
        </section>
      )}
      {party && <WindowUsage windowId={windowId} />}
    </>
  );
}
