import { useState } from 'react';

import { api, type Organization, type Page } from '../api';
import { Code, EmptyState, ErrorMessage, Field, Form, PagedTable, Time, useAction } from '../components';
import { Link } from '../router';
import { isPlatformAdmin, useIdentity } from '../session';

export const ORG_KINDS = ['lab', 'agency', 'operator', 'partner', 'clearinghouse', 'program_office'];

export function OrganizationsPage() {
  const me = useIdentity();
  const admin = isPlatformAdmin(me);
  const [name, setName] = useState('');
  const [kind, setKind] = useState('operator');
  const [created, setCreated] = useState<Organization | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const { busy, error, run } = useAction();

  const create = () =>
    run(async () => {
      const org = await api.post<Organization>('/organizations', { name: name.trim(), kind });
      setCreated(org);
      setName('');
      setReloadKey((k) => k + 1);
    });

  return (
    <>
      <h1 tabIndex={-1}>Organizations</h1>
      <p className="lead">
        Labs, agencies, operators, partners, the clearinghouse and the program office. You see
        the organizations you belong to{admin ? ' and, as a platform administrator, all of them' : ''}.
      </p>
      <PagedTable<Organization>
        caption="Organizations"
        what="organizations"
        reloadKey={reloadKey}
        load={(cursor, limit, sort) => api.get<Page<Organization>>('/organizations', { cursor, limit, sort })}
        rowKey={(o) => o.id}
        columns={[
          {
            key: 'name',
            label: 'Name',
            sortBy: 'name',
            render: (o) => <Link to={`/organizations/${o.id}/users`}>{o.name}</Link>,
          },
          { key: 'kind', label: 'Kind', sortBy: 'kind', render: (o) => o.kind.replace(/_/g, ' ') },
          { key: 'id', label: 'Id', render: (o) => <Code>{o.id}</Code> },
          {
            key: 'created',
            label: 'Created',
            sortBy: 'created_at',
            render: (o) => <Time value={o.created_at} />,
          },
        ]}
        empty={
          <EmptyState title="No organizations to show.">
            <p>
              {admin
                ? 'Create the first one with the form below.'
                : 'Ask a platform administrator to add your organization.'}
            </p>
          </EmptyState>
        }
      />
      <section aria-labelledby="org-create">
        <h2 id="org-create">Create an organization</h2>
        {!admin && (
          <p className="muted">Only platform administrators create organizations; the server will refuse others.</p>
        )}
        <Form label="Create an organization" onSubmit={() => void create()}>
          <div className="row">
            <Field label="Name">
              {(p) => (
                <input {...p} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
              )}
            </Field>
            <Field label="Kind">
              {(p) => (
                <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
                  {ORG_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {k.replace(/_/g, ' ')}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <button type="submit" className="primary" disabled={busy}>
              Create organization
            </button>
          </div>
        </Form>
        <ErrorMessage error={error} title="The organization was not created." />
        {created && (
          <p className="success" role="status">
            Created <Link to={`/organizations/${created.id}/users`}>{created.name}</Link> (
            <Code>{created.id}</Code>). Add its first administrator on its users page.
          </p>
        )}
      </section>
    </>
  );
}
