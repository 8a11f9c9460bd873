import { Badge, Code, EmptyState, Time } from '../components';
import { Link } from '../router';
import { isPlatformAdmin, useIdentity } from '../session';

export function WhoAmIPage() {
  const me = useIdentity();
  const admin = isPlatformAdmin(me);
  return (
    <>
      <h1 tabIndex={-1}>Who am I</h1>
      <p className="lead">
        Signed in as <strong>{me.user.display_name}</strong> of{' '}
        <strong>{me.organization.name}</strong>
        {admin ? ', a platform administrator' : ''}.
      </p>
      <div className="cards">
        <section className="card" aria-labelledby="whoami-user">
          <h2 id="whoami-user">You</h2>
          <dl>
            <dt>Name</dt>
            <dd>{me.user.display_name}</dd>
            <dt>Email</dt>
            <dd>{me.user.email}</dd>
            <dt>User id</dt>
            <dd>
              <Code>{me.user.id}</Code>
            </dd>
            <dt>Since</dt>
            <dd>
              <Time value={me.user.created_at} />
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="whoami-org">
          <h2 id="whoami-org">Your organization</h2>
          <dl>
            <dt>Name</dt>
            <dd>
              <Link to={`/organizations/${me.organization.id}/users`}>{me.organization.name}</Link>
            </dd>
            <dt>Kind</dt>
            <dd>{me.organization.kind.replace(/_/g, ' ')}</dd>
            <dt>Organization id</dt>
            <dd>
              <Code>{me.organization.id}</Code>
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="whoami-credential">
          <h2 id="whoami-credential">This sign-in</h2>
          <dl>
            <dt>Credential</dt>
            <dd>{me.credential.kind === 'session' ? 'console session' : 'API token'}</dd>
            <dt>Credential id</dt>
            <dd>
              <Code>{me.credential.id}</Code>
            </dd>
          </dl>
          <p>
            <Link to="/tokens">Manage your API tokens</Link>
          </p>
        </section>
      </div>
      <section aria-labelledby="whoami-grants">
        <h2 id="whoami-grants">Your grants</h2>
        {me.grants.length === 0 ? (
          <EmptyState title="You hold no grants of your own.">
            <p>
              What you may do comes from your organization membership. A platform administrator
              can grant more on the <Link to="/grants">grants</Link> page.
            </p>
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table>
              <caption>Relationship tuples that name you</caption>
              <thead>
                <tr>
                  <th scope="col">Object</th>
                  <th scope="col">Relation</th>
                  <th scope="col">State</th>
                  <th scope="col">Valid from</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {me.grants.map((g) => (
                  <tr key={g.id}>
                    <td>
                      <Code>{g.object}</Code>
                    </td>
                    <td>{g.relation}</td>
                    <td>
                      <Badge value={g.state} />
                    </td>
                    <td>
                      <Time value={g.valid_from} />
                    </td>
                    <td>
                      <Time value={g.expires_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
