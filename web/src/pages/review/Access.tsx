// A trusted partner's side of the review program: the grants that name its organization, and
// the personal gateway keys its people issue under them or under its defensive access (shown
// once, revocable, stopped at once when the window closes or the access ends).
import { useEffect, useRef, useState } from 'react';

import { api, enc } from '../../api';
import {
  Badge,
  Code,
  ConfirmButton,
  CopyButton,
  EmptyState,
  Field,
  Form,
  Loading,
  Time,
  useAction,
  useLoad,
} from '../../components';
import {
  defensiveStateAt,
  fromLocalInput,
  quotaText,
  usedTodayText,
  windowClock,
  windowStateAt,
  type AccessWindow,
  type DefensiveAccess,
  type GatewayKey,
  type IssuedGatewayKey,
  type Items,
  type KeyWithUse,
  type PartnerGrant,
} from '../../review';
import { Link, useLocation } from '../../router';
import { useIdentity } from '../../session';
import { Notice, ReviewError, useNow, WindowCountdown, WindowStateBadge } from './shared';

// The caller's organization's grants, with the windows they are on, and its defensive access.
function useGrants() {
  const orgId = useIdentity().organization.id;
  return useLoad(async () => {
    const [grants, windows, defensive] = await Promise.all([
      api.get<Items<PartnerGrant>>('/review/grants'),
      api.get<Items<AccessWindow>>('/review/windows'),
      api.get<Items<DefensiveAccess>>('/review/defensive-access'),
    ]);
    return {
      grants: grants.items,
      windows: new Map(windows.items.map((w) => [w.id, w])),
      defensive: defensive.items.filter((d) => d.org_id === orgId),
    };
  }, [orgId]);
}

function usable(g: PartnerGrant, w: AccessWindow | undefined, now: number): boolean {
  return g.state === 'active' && !!w && windowStateAt(w, now) !== 'closed';
}

export function MyGrantsPage() {
  const data = useGrants();
  const now = useNow();
  const grants = data.data?.grants ?? [];
  return (
    <>
      <h1 tabIndex={-1}>My grants</h1>
      <p className="lead">
        Early access to models under review that a lab and the program office have given your organization
        together. Under an active grant on an open window, you issue your own gateway keys. Access to released models
        for defence is on the <Link to="/review/defensive">Defensive access</Link> page.
      </p>
      <ReviewError error={data.error} title="The grants could not be loaded." />
      {data.loading && !data.data ? <Loading what="grants" /> : null}
      {data.data && grants.length === 0 ? (
        <EmptyState title="Your organization has no grants.">
          <p>
            A lab and the program office choose trusted partners together for each access window. When both have
            agreed on your organization, its grant appears here.
          </p>
        </EmptyState>
      ) : data.data ? (
        <div className="table-scroll">
          <table>
            <caption>Grants naming your organization</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Window</th>
                <th scope="col">Time left</th>
                <th scope="col">Grant</th>
                <th scope="col">Quota per key</th>
                <th scope="col">Agreed</th>
                <th scope="col">Keys</th>
              </tr>
            </thead>
            <tbody>
              {grants.map((g) => {
                const w = data.data!.windows.get(g.window_id);
                return (
                  <tr key={g.id}>
                    <td>
                      <Code>{g.gateway_model}</Code>
                    </td>
                    <td>
                      {w ? <WindowStateBadge w={w} /> : null}
                      <br />
                      <Code>{g.window_id}</Code>
                    </td>
                    <td>{w ? <WindowCountdown w={w} /> : <span className="muted">—</span>}</td>
                    <td>
                      <Badge value={g.state} />
                      {g.state === 'proposed' && <span className="muted"> waits for concurrence</span>}
                    </td>
                    <td>{quotaText(g.quota)}</td>
                    <td>
                      <Time value={g.concurred_at} />
                    </td>
                    <td>
                      {usable(g, w, now) ? (
                        <Link to={`/review/keys?grant=${g.id}`}>
                          Issue a key<span className="visually-hidden"> under grant {g.id}</span>
                        </Link>
                      ) : (
                        <span className="muted">
                          {g.state === 'removed'
                            ? 'removed: no keys'
                            : g.state === 'proposed'
                              ? 'not until concurred'
                              : 'window closed: no keys'}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

// Why a key does not work, in words. `d`: the defensive access it is under, if it is.
function keyState(k: GatewayKey, w: AccessWindow | undefined, d: DefensiveAccess | undefined, now: number): string {
  if (k.active && Date.parse(k.expires_at) > now && (!w || windowStateAt(w, now) !== 'closed')) return 'active';
  if (d && defensiveStateAt(d, now) !== 'active') {
    const ended = d.closed_at ?? d.expires_at;
    if (!k.revoked_at || Date.parse(k.revoked_at) >= Date.parse(ended)) {
      return `inactive: the defensive access is ${defensiveStateAt(d, now)}`;
    }
  }
  if (w && windowStateAt(w, now) === 'closed') {
    const closedAt = w.closed_at ?? w.ends_at;
    if (!k.revoked_at || Date.parse(k.revoked_at) >= Date.parse(closedAt)) {
      return `inactive: the window is ${windowClock(w, now)}`;
    }
  }
  if (k.revoked_at) return 'inactive: revoked';
  if (Date.parse(k.expires_at) <= now) return 'inactive: expired';
  return 'inactive: the grant is no longer active';
}

// What a key used of today's quota, in words and as two meters.
function UsedToday({ k }: { k: KeyWithUse }) {
  if (!k.used_today) return <span className="muted">—</span>;
  const used = k.used_today;
  return (
    <>
      <span>{usedTodayText(used, k.quota)}</span>
      <span className="use-today" aria-hidden="true">
        <meter min={0} max={k.quota.requests_per_day} value={used.requests} />
        <span className="muted">requests</span>
        <meter min={0} max={k.quota.tokens_per_day} value={used.tokens} />
        <span className="muted">tokens</span>
      </span>
    </>
  );
}

// The gateway's base URLs for OpenAI- and Anthropic-style clients, and a call with curl.
// `model`: the model one of the caller's keys reaches, for the example; a placeholder without.
function HowToCall({ model }: { model?: string }) {
  const origin = window.location.origin;
  const curl = [
    'export BULWARK_GATEWAY_KEY=bwg_…   # your key, shown once when issued',
    '',
    '# the model your key reaches, as "<model>/<version>"',
    `curl -s ${origin}/gateway/v1/models -H "Authorization: Bearer $BULWARK_GATEWAY_KEY"`,
    '',
    `curl -s ${origin}/gateway/v1/chat/completions \\`,
    '  -H "Authorization: Bearer $BULWARK_GATEWAY_KEY" \\',
    '  -H "Content-Type: application/json" \\',
    `  -d '{"model": "${model ?? '<model>/<version>'}", "messages": [{"role": "user", "content": "Hello"}]}'`,
  ].join('\n');
  return (
    <section className="how-to" aria-labelledby="key-how">
      <h2 id="key-how">How to call the gateway</h2>
      <dl>
        <dt>OpenAI-style clients: base URL</dt>
        <dd>
          <code>{origin}/gateway/v1</code> (<code>POST /chat/completions</code>, <code>GET /models</code>)
        </dd>
        <dt>Anthropic-style clients: base URL</dt>
        <dd>
          <code>{origin}/gateway</code> (<code>POST /v1/messages</code>)
        </dd>
        <dt>Key</dt>
        <dd>
          <code>Authorization: Bearer bwg_…</code> or <code>x-api-key: bwg_…</code>. A call the window’s quota
          does not allow is refused with 429; once the window closes or the access ends, with 403.
        </dd>
      </dl>
      <pre tabIndex={0} aria-label="Calling the gateway with curl">
        <code>{curl}</code>
      </pre>
      <CopyButton text={curl} label="Copy the curl example" />
    </section>
  );
}

export function GatewayKeysPage() {
  const { query } = useLocation();
  const keys = useLoad(() => api.get<Items<KeyWithUse>>('/review/keys'), []);
  const data = useGrants();
  const now = useNow();
  const [grantId, setGrantId] = useState(query.get('grant') ?? '');
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [issued, setIssued] = useState<IssuedGatewayKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const issue = useAction();
  const revoke = useAction();
  const issuedRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (issued) issuedRef.current?.focus();
  }, [issued]);

  const windows = data.data?.windows ?? new Map<string, AccessWindow>();
  const defensive = new Map((data.data?.defensive ?? []).map((d) => [d.id, d]));
  // What a key may be issued under: active grants on windows that are not closed, then active
  // defensive access.
  const choices = [
    ...(data.data?.grants ?? [])
      .filter((g) => usable(g, windows.get(g.window_id), now))
      .map((g) => {
        const w = windows.get(g.window_id);
        return {
          id: g.id,
          model: g.gateway_model,
          label: `${g.gateway_model}, until ${w ? new Date(w.ends_at).toLocaleDateString() : '?'}`,
        };
      }),
    ...[...defensive.values()]
      .filter((d) => defensiveStateAt(d, now) === 'active')
      .map((d) => ({
        id: d.id,
        model: d.gateway_model,
        label: `${d.gateway_model} — defensive, until ${new Date(d.expires_at).toLocaleDateString()}`,
      })),
  ];
  const chosen = choices.some((c) => c.id === grantId) ? grantId : (choices[0]?.id ?? '');

  const issueKey = () =>
    issue.run(async () => {
      const at = fromLocalInput(expires);
      const k = await api.post<IssuedGatewayKey>('/review/keys', {
        grant_id: chosen,
        name: name.trim(),
        ...(at ? { expires_at: at } : {}),
      });
      setIssued(k);
      setNotice(null);
      setName('');
      setExpires('');
      keys.reload();
    });

  const revokeKey = (k: GatewayKey) =>
    revoke.run(async () => {
      await api.post<GatewayKey>(`/review/keys/${enc(k.id)}/revoke`);
      setNotice(`Revoked the gateway key “${k.name}”. It stopped working at once.`);
      keys.reload();
    });

  const items = keys.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Gateway keys</h1>
      <p className="lead">
        Your personal keys for the model gateway. Each works under one grant or the defensive access of your
        organization, within its quota, until it expires, you revoke it, or the window closes or the access ends,
        whichever comes first. Bulwark keeps only a hash of a key, so it is shown once, when issued.
      </p>
      {issued && (
        <section className="issued" aria-labelledby="key-issued-title">
          <h2 id="key-issued-title" tabIndex={-1} ref={issuedRef}>
            Copy your new gateway key now
          </h2>
          <p className="warning">
            <strong>This is the only time the key “{issued.name}” is shown.</strong> Bulwark cannot show it again. Store
            it in a password manager or secret store; anyone who holds it can use your organization’s access until
            it expires (<Time value={issued.expires_at} /> at the latest) or is revoked.
          </p>
          <div className="row">
            <Field label="New gateway key">
              {(p) => (
                <input {...p} className="secret" readOnly value={issued.secret} onFocus={(e) => e.target.select()} />
              )}
            </Field>
            <CopyButton text={issued.secret} label="Copy key" />
            <button type="button" onClick={() => setIssued(null)}>
              I have saved it
            </button>
          </div>
        </section>
      )}
      <Notice text={notice} />
      <ReviewError error={revoke.error} title="The key was not revoked." />
      <ReviewError error={keys.error} title="The keys could not be loaded." />
      {keys.loading && !keys.data ? <Loading what="gateway keys" /> : null}
      {keys.data && items.length === 0 ? (
        <EmptyState title="You have no gateway keys.">
          <p>
            Issue one below under an active grant or defensive access, one for each program that calls the gateway.
          </p>
        </EmptyState>
      ) : keys.data ? (
        <div className="table-scroll">
          <table>
            <caption>Your gateway keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Model and window</th>
                <th scope="col">Quota and use today</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((k) => {
                const state = keyState(
                  k,
                  k.window_id ? windows.get(k.window_id) : undefined,
                  defensive.get(k.grant_id),
                  now,
                );
                const active = state === 'active';
                return (
                  <tr key={k.id}>
                    <td>
                      {k.name}
                      <br />
                      <Code>{k.id}</Code>
                    </td>
                    <td>
                      <Badge value={active ? 'active' : 'inactive'} />
                      {!active && <span className="muted"> {state.replace(/^inactive: /, '')}</span>}
                    </td>
                    <td>
                      <Code>{k.gateway_model}</Code>
                      <br />
                      {k.window_id ? <Code>{k.window_id}</Code> : <span className="muted">defensive access</span>}
                    </td>
                    <td>
                      {quotaText(k.quota)}
                      <br />
                      <UsedToday k={k} />
                    </td>
                    <td>
                      <Time value={k.expires_at} />
                    </td>
                    <td>{k.last_used_at ? <Time value={k.last_used_at} /> : 'never'}</td>
                    <td>
                      {active ? (
                        <ConfirmButton
                          action="Revoke"
                          what={k.name}
                          onConfirm={() => void revokeKey(k)}
                          disabled={revoke.busy}
                        />
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <HowToCall model={choices[0]?.model} />
      <section aria-labelledby="key-issue">
        <h2 id="key-issue">Issue a key</h2>
        <ReviewError error={data.error} title="Your grants could not be loaded." />
        {data.data && choices.length === 0 ? (
          <EmptyState title="No active grant to issue a key under.">
            <p>
              Keys are issued under an active grant on a window that is not closed, or under active defensive access.
              See <Link to="/review/grants">My grants</Link> and <Link to="/review/defensive">Defensive access</Link>{' '}
              for your organization’s grants and requests and their state.
            </p>
          </EmptyState>
        ) : data.data ? (
          <>
            <Form label="Issue a gateway key" onSubmit={() => void issueKey()}>
              <div className="row">
                <Field label="Grant">
                  {(p) => (
                    <select {...p} value={chosen} onChange={(e) => setGrantId(e.target.value)}>
                      {choices.map((c) => (
                        <option key={c.id} value={c.id}>
                          {c.label}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field label="Key name" hint="What uses it, such as “triage scripts”.">
                  {(p) => <input {...p} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
                </Field>
                <Field label="Expires (optional)" hint="Empty: when the window closes or the access ends.">
                  {(p) => <input {...p} type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />}
                </Field>
                <button type="submit" className="primary" disabled={issue.busy || !chosen}>
                  Issue key
                </button>
              </div>
            </Form>
            <ReviewError error={issue.error} title="The key was not issued." />
          </>
        ) : (
          <Loading what="grants" />
        )}
      </section>
    </>
  );
}
