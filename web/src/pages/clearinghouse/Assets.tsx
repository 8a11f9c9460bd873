// An operator's assets (the systems it runs) and each one's inventory: the SBOM versions uploaded,
// what each changed, and the findings of the latest. Admins record assets and upload SBOMs;
// members read.
import { useState } from 'react';

import { api, enc, RawBody } from '../../api';
import { Badge, Code, EmptyState, ErrorMessage, Field, Form, Loading, Time, useAction, useLoad } from '../../components';
import type { Asset, Inventory, MissionWellBeing } from '../../clearinghouse';
import type { Items } from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice } from '../review/shared';
import { FindingsTable } from './Findings';

function CreateAssetForm({ orgId, onCreated }: { orgId: string; onCreated: (a: Asset) => void }) {
  const [name, setName] = useState('');
  const [environment, setEnvironment] = useState('');
  const [exposed, setExposed] = useState(false);
  const [impact, setImpact] = useState<MissionWellBeing>('medium');
  const { busy, error, run } = useAction();
  const submit = () =>
    run(async () => {
      const asset = await api.post<Asset>(`/clearinghouse/operators/${enc(orgId)}/assets`, {
        name,
        environment,
        publicly_exposed: exposed,
        mission_well_being: impact,
      });
      setName('');
      setEnvironment('');
      onCreated(asset);
    });
  return (
    <>
      <Form label="Record an asset" onSubmit={() => void submit()}>
        <Field label="Name" hint="The system, as your staff call it: “Patient portal”.">
          {(p) => <input {...p} value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Environment" hint="Where it runs: production, clinical network, operational technology.">
          {(p) => <input {...p} value={environment} maxLength={200} onChange={(e) => setEnvironment(e.target.value)} />}
        </Field>
        <Field label="Mission and well-being impact" hint="What its failure would do to your mission and to people (SSVC).">
          {(p) => (
            <select {...p} value={impact} onChange={(e) => setImpact(e.target.value as MissionWellBeing)}>
              <option value="low">Low</option>
              <option value="medium">Medium</option>
              <option value="high">High</option>
            </select>
          )}
        </Field>
        <div className="field">
          <label>
            <input type="checkbox" checked={exposed} onChange={(e) => setExposed(e.target.checked)} /> Publicly exposed
            (reachable from the internet)
          </label>
        </div>
        <button type="submit" className="primary" disabled={busy || !name}>
          Record the asset
        </button>
      </Form>
      <ErrorMessage error={error} title="The asset was not recorded." />
    </>
  );
}

export function AssetsPage() {
  const identity = useIdentity();
  const orgId = identity.organization.id;
  const admin = identity.grants?.some((g) => g.object === orgId && g.relation === 'admin') ?? false;
  const list = useLoad(() => api.get<Items<Asset>>(`/clearinghouse/operators/${enc(orgId)}/assets`), [orgId]);
  const [notice, setNotice] = useState<string | null>(null);
  const items = list.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Assets</h1>
      <p className="lead">
        The systems {identity.organization.name} runs. Upload each one’s software bill of materials (CycloneDX or SPDX)
        whenever it changes: the clearinghouse matches it against every advisory, and every new advisory against it.
      </p>
      <Notice text={notice} />
      <ErrorMessage error={list.error} title="The assets could not be loaded." />
      {list.loading && !list.data ? <Loading what="assets" /> : null}
      {list.data && items.length === 0 ? (
        <EmptyState title="No asset is recorded.">
          <p>{admin ? 'Record one with the form below, then upload its SBOM.' : 'Your organization’s admins record assets.'}</p>
        </EmptyState>
      ) : list.data ? (
        <div className="table-scroll">
          <table>
            <caption>Assets of {identity.organization.name}</caption>
            <thead>
              <tr>
                <th scope="col">Asset</th>
                <th scope="col">Exposure</th>
                <th scope="col">Impact</th>
                <th scope="col">Inventory</th>
                <th scope="col">Open findings</th>
                <th scope="col">Overdue</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>
                    <Link to={`/clearinghouse/assets/${a.id}`}>{a.name}</Link>
                    {a.environment && <div className="muted">{a.environment}</div>}
                  </td>
                  <td>{a.publicly_exposed ? <Badge value="public" /> : 'internal'}</td>
                  <td>{a.mission_well_being}</td>
                  <td>{a.inventory_seq === 0 ? <span className="muted">none yet</span> : `v${a.inventory_seq}, ${a.components} packages`}</td>
                  <td>{a.active_findings}</td>
                  <td>{a.overdue_findings > 0 ? <strong className="danger-text">{a.overdue_findings}</strong> : 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {admin && (
        <section aria-labelledby="asset-create">
          <h2 id="asset-create">Record an asset</h2>
          <CreateAssetForm
            orgId={orgId}
            onCreated={(a) => {
              setNotice(`Recorded ${a.name}. Open it to upload its SBOM.`);
              list.reload();
            }}
          />
        </section>
      )}
    </>
  );
}

function UploadForm({ assetId, onUploaded }: { assetId: string; onUploaded: (i: Inventory) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const { busy, error, run } = useAction();
  const upload = () =>
    run(async () => {
      if (!file) return;
      const text = await file.text();
      onUploaded(
        await api.post<Inventory>(`/clearinghouse/assets/${enc(assetId)}/inventories`, new RawBody(text, 'application/json')),
      );
      setFile(null);
    });
  return (
    <>
      <Form label="Upload an SBOM" onSubmit={() => void upload()}>
        <Field label="SBOM file" hint="CycloneDX (JSON or XML, 1.2 to 1.6) or SPDX 2.3 JSON.">
          {(p) => <input {...p} type="file" accept=".json,.xml,.cdx,.spdx" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
        </Field>
        <button type="submit" className="primary" disabled={busy || !file}>
          {busy ? 'Uploading and matching…' : 'Upload and match'}
        </button>
      </Form>
      <ErrorMessage error={error} title="The SBOM was not recorded." />
    </>
  );
}

export function AssetPage({ params }: { params: Record<string, string> }) {
  const assetId = params.assetId!;
  const identity = useIdentity();
  const asset = useLoad(() => api.get<Asset>(`/clearinghouse/assets/${enc(assetId)}`), [assetId]);
  const inventories = useLoad(() => api.get<Items<Inventory>>(`/clearinghouse/assets/${enc(assetId)}/inventories`), [assetId]);
  const [notice, setNotice] = useState<string | null>(null);
  const [reloadKey, setReloadKey] = useState(0);
  const a = asset.data;
  const admin =
    !!a &&
    (identity.grants?.some((g) => g.object === a.org_id && g.relation === 'admin') ||
      identity.organization.kind === 'clearinghouse');
  return (
    <>
      <p>
        <Link to="/clearinghouse/assets">← Assets</Link>
      </p>
      <h1 tabIndex={-1}>{a ? a.name : 'Asset'}</h1>
      <ErrorMessage error={asset.error} title="The asset could not be loaded." />
      {a && (
        <p className="lead">
          {a.org_name} · {a.environment || 'no environment given'} · {a.publicly_exposed ? 'publicly exposed' : 'internal'} ·
          mission and well-being impact {a.mission_well_being}
        </p>
      )}
      <Notice text={notice} />
      {admin && (
        <section aria-labelledby="inventory-upload">
          <h2 id="inventory-upload">Upload a new inventory</h2>
          <UploadForm
            assetId={assetId}
            onUploaded={(i) => {
              setNotice(
                i.unchanged
                  ? `The SBOM is the same as inventory v${i.seq}: nothing changed.`
                  : `Inventory v${i.seq}: ${i.matchable} packages, ${i.added} added, ${i.removed} removed; ${i.opened} findings opened, ${i.verified_fixed} verified fixed.`,
              );
              asset.reload();
              inventories.reload();
              setReloadKey((k) => k + 1);
            }}
          />
        </section>
      )}
      <section aria-labelledby="asset-findings">
        <h2 id="asset-findings">Open findings, most urgent first</h2>
        {a && <FindingsTable orgId={a.org_id} assetId={assetId} reloadKey={reloadKey} />}
      </section>
      <section aria-labelledby="asset-inventories">
        <h2 id="asset-inventories">Inventory history</h2>
        <ErrorMessage error={inventories.error} title="The inventories could not be loaded." />
        {inventories.data && inventories.data.items.length === 0 ? (
          <EmptyState title="No inventory is uploaded yet." />
        ) : inventories.data ? (
          <div className="table-scroll">
            <table>
              <caption>Inventories of {a?.name ?? 'the asset'}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Uploaded</th>
                  <th scope="col">Format</th>
                  <th scope="col">Packages</th>
                  <th scope="col">Added</th>
                  <th scope="col">Removed</th>
                  <th scope="col">Findings opened</th>
                  <th scope="col">Verified fixed</th>
                  <th scope="col">SHA-256</th>
                </tr>
              </thead>
              <tbody>
                {inventories.data.items.map((i) => (
                  <tr key={i.id}>
                    <td>v{i.seq}</td>
                    <td>
                      <Time value={i.uploaded_at} />
                    </td>
                    <td>
                      {i.format} {i.spec_version}
                    </td>
                    <td>
                      {i.matchable} of {i.components}
                    </td>
                    <td>{i.added}</td>
                    <td>{i.removed}</td>
                    <td>{i.opened}</td>
                    <td>{i.verified_fixed}</td>
                    <td>
                      <Code>{i.sha256.slice(0, 16)}…</Code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}
