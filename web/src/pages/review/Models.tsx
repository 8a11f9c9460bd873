// A lab's models in the review program, and one model with its versions: the API that serves
// each version, its credential (write-only), its status.
import { useState } from 'react';

import { api, enc } from '../../api';
import {
  Badge,
  Code,
  ConfirmButton,
  EmptyState,
  Field,
  Form,
  Loading,
  Time,
  useAction,
  useLoad,
} from '../../components';
import {
  fromLocalInput,
  reviewRole,
  VERSION_STATUSES,
  type Items,
  type ModelVersion,
  type ReviewModel,
  type VersionStatus,
} from '../../review';
import { Link } from '../../router';
import { useIdentity } from '../../session';
import { Notice, ReviewError } from './shared';

export function ModelsPage() {
  const me = useIdentity();
  const lab = reviewRole(me.organization.kind) === 'lab';
  const models = useLoad(() => api.get<Items<ReviewModel>>('/review/models'), []);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const register = useAction();

  const submit = () =>
    register.run(async () => {
      const m = await api.post<ReviewModel>('/review/models', {
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setNotice(`Registered the model “${m.name}”. Add its first version on its page.`);
      setName('');
      setDescription('');
      models.reload();
    });

  const items = models.data?.items ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Models</h1>
      <p className="lead">
        {lab
          ? 'Your lab’s models in the pre-release review program. Register a model, then add its versions: each names the API that serves it, so that the program office and the partners you agree on can reach it during an access window without ever seeing your credential.'
          : 'The models labs have registered in the pre-release review program.'}
      </p>
      <Notice text={notice} />
      <ReviewError error={models.error} title="The models could not be loaded." />
      {models.loading && !models.data ? <Loading what="models" /> : null}
      {models.data && items.length === 0 ? (
        <EmptyState title={lab ? 'Your lab has registered no models yet.' : 'There are no models to show.'}>
          <p>
            {lab
              ? 'Register one with the form below. Taking part is voluntary, and you can withdraw any access you give.'
              : 'Labs register their models themselves; they appear here once a lab has.'}
          </p>
        </EmptyState>
      ) : models.data ? (
        <div className="table-scroll">
          <table>
            <caption>Registered models</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Registered</th>
                <th scope="col">Id</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/review/models/${m.id}`}>{m.name}</Link>
                  </td>
                  <td>{m.description || <span className="muted">none</span>}</td>
                  <td>
                    <Time value={m.created_at} />
                  </td>
                  <td>
                    <Code>{m.id}</Code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {lab && (
        <section aria-labelledby="model-register">
          <h2 id="model-register">Register a model</h2>
          <Form label="Register a model" onSubmit={() => void submit()}>
            <div className="row">
              <Field label="Model name">
                {(p) => <input {...p} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />}
              </Field>
              <Field label="Description (optional)">
                {(p) => (
                  <input
                    {...p}
                    className="wide"
                    maxLength={4000}
                    value={description}
                    onChange={(e) => setDescription(e.target.value)}
                  />
                )}
              </Field>
              <button type="submit" className="primary" disabled={register.busy}>
                Register model
              </button>
            </div>
          </Form>
          <ReviewError error={register.error} title="The model was not registered." />
        </section>
      )}
    </>
  );
}

const FINAL: VersionStatus[] = ['released', 'withdrawn'];
const statusLabel = (s: string) => s.replace(/_/g, ' ');

// Moves one version to another status; released and withdrawn are final and close its windows,
// so they ask first.
function StatusChange({ v, onDone }: { v: ModelVersion; onDone: (notice: string) => void }) {
  const [to, setTo] = useState<VersionStatus>(v.status === 'in_development' ? 'under_review' : 'in_development');
  const { busy, error, run } = useAction();
  if (FINAL.includes(v.status)) return <span className="muted">final</span>;
  const change = () =>
    run(async () => {
      await api.post<ModelVersion>(`/review/versions/${enc(v.id)}/status`, { status: to });
      onDone(
        FINAL.includes(to)
          ? `Version ${v.version} is ${statusLabel(to)}; its access windows closed and their keys stopped at once.`
          : `Version ${v.version} is ${statusLabel(to)}.`,
      );
    });
  return (
    <>
      <span className="actions">
        <Field label={`New status of ${v.version}`}>
          {(p) => (
            <select {...p} value={to} onChange={(e) => setTo(e.target.value as VersionStatus)}>
              {VERSION_STATUSES.filter((s) => s !== v.status).map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                  {FINAL.includes(s) ? ' (final, closes its windows)' : ''}
                </option>
              ))}
            </select>
          )}
        </Field>
        {FINAL.includes(to) ? (
          <ConfirmButton
            action="Set status"
            what={`of ${v.version} to ${statusLabel(to)}`}
            onConfirm={() => void change()}
            disabled={busy}
          />
        ) : (
          <button type="button" onClick={() => void change()} disabled={busy}>
            Set status<span className="visually-hidden"> of {v.version}</span>
          </button>
        )}
      </span>
      <ReviewError error={error} title="The status was not changed." />
    </>
  );
}

const EMPTY_VERSION = {
  version: '',
  provider: 'openai' as 'openai' | 'anthropic',
  base_url: '',
  upstream_model: '',
  credential: '',
  planned: '',
};

export function ModelPage({ params }: { params: Record<string, string> }) {
  const me = useIdentity();
  const lab = reviewRole(me.organization.kind) === 'lab';
  const modelId = params.modelId!;
  const model = useLoad(() => api.get<ReviewModel>(`/review/models/${enc(modelId)}`), [modelId]);
  const versions = useLoad(() => api.get<Items<ModelVersion>>(`/review/models/${enc(modelId)}/versions`), [modelId]);
  const [spec, setSpec] = useState(EMPTY_VERSION);
  const [credFor, setCredFor] = useState('');
  const [credential, setCredential] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const add = useAction();
  const replace = useAction();
  const items = versions.data?.items ?? [];
  const open = items.filter((v) => !FINAL.includes(v.status));
  const credTarget = credFor || open[0]?.id || '';

  const changed = (text: string) => {
    setNotice(text);
    versions.reload();
  };

  const addVersion = () =>
    add.run(async () => {
      const planned = fromLocalInput(spec.planned);
      const v = await api.post<ModelVersion>(`/review/models/${enc(modelId)}/versions`, {
        version: spec.version.trim(),
        provider: spec.provider,
        base_url: spec.base_url.trim(),
        upstream_model: spec.upstream_model.trim(),
        credential: spec.credential,
        ...(planned ? { planned_release_at: planned } : {}),
      });
      setSpec(EMPTY_VERSION);
      changed(`Added version ${v.version}. Its credential is stored encrypted and is never shown again.`);
    });

  const replaceCredential = () =>
    replace.run(async () => {
      await api.put<void>(`/review/versions/${enc(credTarget)}/credential`, { credential });
      setCredential('');
      const v = items.find((x) => x.id === credTarget);
      changed(`Replaced the credential of version ${v?.version ?? credTarget}. The old one is no longer used.`);
    });

  const title = model.data ? `Model ${model.data.name}` : 'Model';
  return (
    <>
      <h1 tabIndex={-1}>{title}</h1>
      <p>
        <Link to="/review/models">← All models</Link>
      </p>
      <ReviewError error={model.error} title="The model could not be loaded." />
      {model.data && (
        <>
          {model.data.description && <p className="lead">{model.data.description}</p>}
          <p className="muted">
            Registered <Time value={model.data.created_at} />; model id <Code>{model.data.id}</Code>.
          </p>
        </>
      )}
      <Notice text={notice} />
      <section aria-labelledby="model-versions">
        <h2 id="model-versions">Versions</h2>
        <ReviewError error={versions.error} title="The versions could not be loaded." />
        {versions.loading && !versions.data ? <Loading what="versions" /> : null}
        {versions.data && items.length === 0 ? (
          <EmptyState title="This model has no versions yet.">
            <p>
              {lab
                ? 'Add one below with the API that serves it; then you can ask whether it is covered and open an access window.'
                : 'The lab adds its versions.'}
            </p>
          </EmptyState>
        ) : versions.data ? (
          <div className="table-scroll">
            <table>
              <caption>Versions of {model.data?.name ?? 'this model'}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Served by</th>
                  <th scope="col">Credential</th>
                  <th scope="col">Planned release</th>
                  {lab && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <tr key={v.id}>
                    <td>
                      <strong>{v.version}</strong>
                      <br />
                      <Code>{v.id}</Code>
                    </td>
                    <td>
                      <Badge value={v.status} />
                      {v.released_at && (
                        <>
                          <br />
                          <Time value={v.released_at} />
                        </>
                      )}
                    </td>
                    <td>
                      {v.provider === 'openai' ? 'OpenAI Chat Completions' : 'Anthropic Messages'} API,{' '}
                      <Code>{v.upstream_model}</Code> at <Code>{v.base_url}</Code>
                    </td>
                    <td>{v.has_credential ? 'set (never shown)' : <span className="alarm-text">not set</span>}</td>
                    <td>
                      <Time value={v.planned_release_at} />
                    </td>
                    {lab && (
                      <td>
                        <StatusChange v={v} onDone={changed} />
                        {!FINAL.includes(v.status) && (
                          <span className="actions">
                            <Link to={`/review/inquiries?version=${v.id}`}>Ask if covered</Link>
                            <Link to={`/review/windows?version=${v.id}`}>Open a window</Link>
                          </span>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {lab && (
        <>
          <section aria-labelledby="version-add">
            <h2 id="version-add">Add a version</h2>
            <Form label="Add a version" onSubmit={() => void addVersion()}>
              <div className="row">
                <Field label="Version" hint="As your lab names it, such as “2027-01-rc1”.">
                  {(p) => (
                    <input
                      {...p}
                      required
                      maxLength={100}
                      value={spec.version}
                      onChange={(e) => setSpec({ ...spec, version: e.target.value })}
                    />
                  )}
                </Field>
                <Field label="Provider API">
                  {(p) => (
                    <select
                      {...p}
                      value={spec.provider}
                      onChange={(e) => setSpec({ ...spec, provider: e.target.value as 'openai' | 'anthropic' })}
                    >
                      <option value="openai">OpenAI Chat Completions</option>
                      <option value="anthropic">Anthropic Messages</option>
                    </select>
                  )}
                </Field>
                <Field label="Base URL" hint="Where the API is served, such as https://api.example.com/v1.">
                  {(p) => (
                    <input
                      {...p}
                      type="url"
                      required
                      className="wide"
                      value={spec.base_url}
                      onChange={(e) => setSpec({ ...spec, base_url: e.target.value })}
                    />
                  )}
                </Field>
              </div>
              <div className="row">
                <Field label="Upstream model name" hint="The model name that API expects.">
                  {(p) => (
                    <input
                      {...p}
                      required
                      maxLength={200}
                      value={spec.upstream_model}
                      onChange={(e) => setSpec({ ...spec, upstream_model: e.target.value })}
                    />
                  )}
                </Field>
                <Field label="Credential" hint="The API key Bulwark sends upstream: stored encrypted, never shown again.">
                  {(p) => (
                    <input
                      {...p}
                      type="password"
                      required
                      autoComplete="off"
                      value={spec.credential}
                      onChange={(e) => setSpec({ ...spec, credential: e.target.value })}
                    />
                  )}
                </Field>
                <Field label="Planned release (optional)">
                  {(p) => (
                    <input
                      {...p}
                      type="datetime-local"
                      value={spec.planned}
                      onChange={(e) => setSpec({ ...spec, planned: e.target.value })}
                    />
                  )}
                </Field>
                <button type="submit" className="primary" disabled={add.busy}>
                  Add version
                </button>
              </div>
            </Form>
            <ReviewError error={add.error} title="The version was not added." />
          </section>
          {open.length > 0 && (
            <section aria-labelledby="version-credential">
              <h2 id="version-credential">Replace a credential</h2>
              <p className="muted">
                When you rotate the API key upstream, give Bulwark the new one here. The old one is
                discarded; neither is ever shown.
              </p>
              <Form label="Replace a credential" onSubmit={() => void replaceCredential()}>
                <div className="row">
                  <Field label="Version of the credential">
                    {(p) => (
                      <select {...p} value={credTarget} onChange={(e) => setCredFor(e.target.value)}>
                        {open.map((v) => (
                          <option key={v.id} value={v.id}>
                            {v.version}
                          </option>
                        ))}
                      </select>
                    )}
                  </Field>
                  <Field label="New credential">
                    {(p) => (
                      <input
                        {...p}
                        type="password"
                        required
                        autoComplete="off"
                        value={credential}
                        onChange={(e) => setCredential(e.target.value)}
                      />
                    )}
                  </Field>
                  <button type="submit" disabled={replace.busy}>
                    Replace credential
                  </button>
                </div>
              </Form>
              <ReviewError error={replace.error} title="The credential was not replaced." />
            </section>
          )}
        </>
      )}
    </>
  );
}
