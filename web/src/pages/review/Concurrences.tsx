// The program office's concurrences: partners the labs proposed, waiting for the office, and
// the office's own proposals, waiting for the labs; and a form to propose a partner.
import { useState } from 'react';

import { api, enc } from '../../api';
import { EmptyState, Loading, useLoad } from '../../components';
import { windowStateAt, type AccessWindow, type Items, type PartnerGrant } from '../../review';
import { Link } from '../../router';
import {
  Notice,
  PartnersTable,
  ProposePartnerForm,
  proposedNotice,
  ReviewError,
  usePartnerOrganizations,
  useVersions,
  versionText,
} from './shared';

export function ConcurrencesPage() {
  // Every window that is not closed, with its partners.
  const data = useLoad(async () => {
    const now = Date.now();
    const windows = (await api.get<Items<AccessWindow>>('/review/windows')).items.filter(
      (w) => windowStateAt(w, now) !== 'closed',
    );
    const lists = await Promise.all(
      windows.map((w) => api.get<Items<PartnerGrant>>(`/review/windows/${enc(w.id)}/partners`).then((p) => p.items)),
    );
    return { windows, grants: lists.flat() };
  }, []);
  const versions = useVersions();
  const candidates = usePartnerOrganizations();
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (n: string) => {
    setNotice(n);
    data.reload();
  };

  const windows = data.data?.windows ?? [];
  const byId = new Map(windows.map((w) => [w.id, w]));
  const proposed = (data.data?.grants ?? []).filter((g) => g.state === 'proposed');
  const forOffice = proposed.filter((g) => g.proposed_by_party === 'lab');
  const forLabs = proposed.filter((g) => g.proposed_by_party === 'program_office');
  const windowColumn = (g: PartnerGrant) => {
    const w = byId.get(g.window_id);
    return (
      <Link to={`/review/windows/${g.window_id}`}>
        {w ? versionText(w.version_id, versions.data) : g.window_id}
        <span className="visually-hidden"> window</span>
      </Link>
    );
  };

  return (
    <>
      <h1 tabIndex={-1}>Concurrences</h1>
      <p className="lead">
        Trusted partners are chosen jointly: the party that did not propose a partner concurs with it, so the
        office concurs with the labs’ proposals and each lab with the office’s. Until then the partner cannot issue
        gateway keys.
      </p>
      <Notice text={notice} />
      <ReviewError error={data.error} title="The proposals could not be loaded." />
      {data.loading && !data.data ? <Loading what="proposals" /> : null}
      {data.data && (
        <>
          <section aria-labelledby="concur-office">
            <h2 id="concur-office">Waiting for the program office</h2>
            {forOffice.length === 0 ? (
              <EmptyState title="No lab proposal waits for the office.">
                <p>When a lab proposes a partner on one of its windows, it appears here for you to concur or remove.</p>
              </EmptyState>
            ) : (
              <PartnersTable
                caption="Partners proposed by labs"
                grants={forOffice}
                windowColumn={windowColumn}
                canAct
                onChanged={changed}
              />
            )}
          </section>
          <section aria-labelledby="concur-labs">
            <h2 id="concur-labs">Waiting for the labs</h2>
            {forLabs.length === 0 ? (
              <EmptyState title="No proposal of the office waits for a lab.">
                <p>Propose a partner below; the lab whose window it is concurs.</p>
              </EmptyState>
            ) : (
              <PartnersTable
                caption="Partners proposed by the program office"
                grants={forLabs}
                windowColumn={windowColumn}
                canAct
                onChanged={changed}
              />
            )}
          </section>
          <section aria-labelledby="concur-propose">
            <h2 id="concur-propose">Propose a partner</h2>
            {windows.length === 0 ? (
              <EmptyState title="No window is open or scheduled.">
                <p>Partners are proposed on a window that is not closed; labs open windows.</p>
              </EmptyState>
            ) : (
              <ProposePartnerForm
                pickWindow
                windows={windows}
                candidates={candidates.data?.items ?? []}
                versions={versions.data}
                onProposed={(g) => changed(proposedNotice(g))}
              />
            )}
          </section>
        </>
      )}
    </>
  );
}
