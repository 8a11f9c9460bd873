import { useEffect, useRef, useState } from 'react';

import { api, enc, type ApiToken, type IssuedToken, type Page, type User } from '../api';
import {
  Badge,
  Code,
  ConfirmButton,
  CopyButton,
  EmptyState,
  ErrorMessage,
  Field,
  Form,
  Loading,
  Time,
  useAction,
  useLoad,
} from '../components';
import { useIdentity } from '../session';

const LIFETIMES = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never expires' },
];

function rfc3339InDays(days: number): string {
  return new Date(Date.now() + days * 86400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function TokensPage({ params }: { params: Record<string, string> }) {
  const me = useIdentity();
  const userId = params.userId ?? me.user.id;
  const mine = userId === me.user.id;
  const user = useLoad(
    () => (mine ? Promise.resolve(me.user) : api.get<User>(`/users/${enc(userId)}`)),
    [userId, mine],
  );
  const tokens = useLoad(() => api.get<Page<ApiToken>>(`/users/${enc(userId)}/tokens`), [userId]);
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const issue = useAction();
  const revoke = useAction();
  const issuedRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (issued) issuedRef.current?.focus();
  }, [issued]);

  const issueToken = () =>
    issue.run(async () => {
      const t = await api.post<IssuedToken>(`/users/${enc(userId)}/tokens`, {
        name: name.trim(),
        ...(days > 0 ? { expires_at: rfc3339InDays(days) } : {}),
      });
      setIssued(t);
      setNotice(null);
      setName('');
      tokens.reload();
    });

  const revokeToken = (t: ApiToken) =>
    revoke.run(async () => {
      await api.del<ApiToken>(`/tokens/${enc(t.id)}`);
      setNotice(`Revoked the token “${t.name}”. Anything still using it is refused from now on.`);
      tokens.reload();
    });

  const who = mine ? 'Your' : `${user.data?.display_name ?? userId}’s`;
  const items = tokens.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>{who} API tokens</h1>
      <p className="lead">
        Scripts and other programs call the API with a token: <code>Authorization: Bearer bwk_…</code>. A
        token acts as {mine ? 'you' : 'its owner'}, with the same permissions. Bulwark keeps only a hash of
        it, so it is shown once, when issued.
      </p>
      {issued && (
        <section className="issued" aria-labelledby="issued-title">
          <h2 id="issued-title" tabIndex={-1} ref={issuedRef}>
            Copy your new token now
          </h2>
          <p>
            This is the only time the token “{issued.name}” is shown. Store it somewhere safe, such as
            a password manager or your deployment’s secret store.
          </p>
          <div className="row">
            <Field label="New API token">
              {(p) => (
                <input
                  {...p}
                  className="secret"
                  readOnly
                  value={issued.token}
                  onFocus={(e) => e.target.select()}
                />
              )}
            </Field>
            <CopyButton text={issued.token} label="Copy token" />
            <button type="button" onClick={() => setIssued(null)}>
              I have saved it
            </button>
          </div>
        </section>
      )}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={revoke.error} title="The token was not revoked." />
      <ErrorMessage error={tokens.error} title="The tokens could not be loaded." />
      {tokens.loading && !tokens.data ? <Loading what="tokens" /> : null}
      {tokens.data && items.length === 0 ? (
        <EmptyState title={mine ? 'You have no API tokens.' : 'This user has no API tokens.'}>
          <p>
            {mine
              ? 'Issue one below for each script or program that calls the API, so that you can revoke one without the others.'
              : 'Only the user can issue their own tokens.'}
          </p>
        </EmptyState>
      ) : tokens.data ? (
        <div className="table-scroll">
          <table>
            <caption>{who} API tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Id</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td>
                    <Badge value={t.state} />
                  </td>
                  <td>
                    <Time value={t.created_at} />
                  </td>
                  <td>{t.expires_at ? <Time value={t.expires_at} /> : 'never'}</td>
                  <td>{t.last_used_at ? <Time value={t.last_used_at} /> : 'never'}</td>
                  <td>
                    <Code>{t.id}</Code>
                  </td>
                  <td>
                    {t.state === 'active' ? (
                      <ConfirmButton
                        action="Revoke"
                        what={t.name}
                        onConfirm={() => void revokeToken(t)}
                        disabled={revoke.busy}
                      />
                    ) : (
                      <span className="muted">
                        {t.state === 'revoked' ? <>revoked <Time value={t.revoked_at} /></> : 'expired'}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {mine && (
        <section aria-labelledby="token-issue">
          <h2 id="token-issue">Issue a token</h2>
          <Form label="Issue a token" onSubmit={() => void issueToken()}>
            <div className="row">
              <Field label="What it is for" hint="A name you will recognize, such as “nightly SBOM upload”.">
                {(p) => <input {...p} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
              </Field>
              <Field label="Expires">
                {(p) => (
                  <select {...p} value={days} onChange={(e) => setDays(Number(e.target.value))}>
                    {LIFETIMES.map((l) => (
                      <option key={l.days} value={l.days}>
                        {l.label}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <button type="submit" className="primary" disabled={issue.busy}>
                Issue token
              </button>
            </div>
          </Form>
          <ErrorMessage error={issue.error} title="The token was not issued." />
        </section>
      )}
    </>
  );
}
