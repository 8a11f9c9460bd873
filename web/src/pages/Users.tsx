import { useState } from 'react';

import { api, enc, type Organization, type Page, type User } from '../api';
import {
  Badge,
  Code,
  ConfirmButton,
  EmptyState,
  ErrorMessage,
  Field,
  Form,
  PagedTable,
  Time,
  useAction,
  useLoad,
} from '../components';
import { Link } from '../router';
import { useIdentity } from '../session';

export function UsersPage({ params }: { params: Record<string, string> }) {
  const orgId = params.orgId!;
  const me = useIdentity();
  const org = useLoad(() => api.get<Organization>(`/organizations/${enc(orgId)}`), [orgId]);
  const [reloadKey, setReloadKey] = useState(0);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState('member');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const create = useAction();
  const change = useAction();

  const addUser = () =>
    create.run(async () => {
      const user = await api.post<User>(`/organizations/${enc(orgId)}/users`, {
        email: email.trim(),
        display_name: displayName.trim(),
        role,
        ...(password ? { password } : {}),
      });
      setNotice(`Added ${user.display_name} (${user.email}).`);
      setEmail('');
      setDisplayName('');
      setPassword('');
      setReloadKey((k) => k + 1);
    });

  const setDisabled = (user: User, disabled: boolean) =>
    change.run(async () => {
      await api.patch<User>(`/users/${enc(user.id)}`, { disabled });
      setNotice(`${user.display_name} is now ${disabled ? 'disabled: their sessions and tokens stop working' : 'enabled'}.`);
      setReloadKey((k) => k + 1);
    });

  const orgName = org.data?.name ?? orgId;
  return (
    <>
      <h1 tabIndex={-1}>Users of {orgName}</h1>
      <ErrorMessage error={org.error} title="The organization could not be loaded." />
      <p className="lead">
        <Link to="/organizations">All organizations</Link>
        {org.data ? ` · ${org.data.kind.replace(/_/g, ' ')} · ` : ' · '}
        <Code>{orgId}</Code>
      </p>
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <ErrorMessage error={change.error} title="The user was not changed." />
      <PagedTable<User>
        caption={`Users of ${orgName}`}
        what="users"
        reloadKey={reloadKey}
        load={(cursor, limit, sort) =>
          api.get<Page<User>>(`/organizations/${enc(orgId)}/users`, { cursor, limit, sort })
        }
        rowKey={(u) => u.id}
        columns={[
          { key: 'name', label: 'Name', sortBy: 'display_name', render: (u) => u.display_name },
          { key: 'email', label: 'Email', sortBy: 'email', render: (u) => u.email },
          {
            key: 'state',
            label: 'State',
            sortBy: 'disabled',
            render: (u) => <Badge value={u.disabled ? 'disabled' : 'active'} />,
          },
          {
            key: 'password',
            label: 'Console password',
            render: (u) => (u.has_password ? 'set' : <span className="muted">none</span>),
          },
          { key: 'created', label: 'Created', sortBy: 'created_at', render: (u) => <Time value={u.created_at} /> },
          {
            key: 'actions',
            label: 'Actions',
            render: (u) => (
              <span className="actions">
                <Link to={`/users/${u.id}/tokens`}>
                  Tokens<span className="visually-hidden"> of {u.display_name}</span>
                </Link>
                {u.id !== me.user.id &&
                  (u.disabled ? (
                    <button type="button" onClick={() => void setDisabled(u, false)} disabled={change.busy}>
                      Enable<span className="visually-hidden"> {u.display_name}</span>
                    </button>
                  ) : (
                    <ConfirmButton
                      action="Disable"
                      what={u.display_name}
                      onConfirm={() => void setDisabled(u, true)}
                      disabled={change.busy}
                    />
                  ))}
              </span>
            ),
          },
        ]}
        empty={
          <EmptyState title="This organization has no users yet.">
            <p>Add its first administrator with the form below.</p>
          </EmptyState>
        }
      />
      <section aria-labelledby="user-create">
        <h2 id="user-create">Add a user</h2>
        <Form label="Add a user" onSubmit={() => void addUser()}>
          <div className="row">
            <Field label="Email">
              {(p) => <input {...p} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}
            </Field>
            <Field label="Display name">
              {(p) => (
                <input {...p} required maxLength={200} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
              )}
            </Field>
            <Field label="Role">
              {(p) => (
                <select {...p} value={role} onChange={(e) => setRole(e.target.value)}>
                  <option value="member">member</option>
                  <option value="admin">admin</option>
                </select>
              )}
            </Field>
            <Field label="Console password" hint="Optional; without one the user signs in only with API tokens.">
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                />
              )}
            </Field>
            <button type="submit" className="primary" disabled={create.busy}>
              Add user
            </button>
          </div>
        </Form>
        <ErrorMessage error={create.error} title="The user was not added." />
      </section>
    </>
  );
}
