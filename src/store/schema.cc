// The product's schema, as ordered migrations. A shipped migration is never edited; add a new
// one. Times are BIGINT microseconds since the Unix epoch (UTC); bytes are BYTEA; flags are
// BIGINT 0/1; all of it reads the same on SQLite and PostgreSQL.
#include "store/migrations.h"

namespace bulwark::store {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "organizations, users, API tokens, console sessions, relationship tuples",
       R"sql(
CREATE TABLE organizations (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  created_by  TEXT
);
CREATE TABLE users (
  id             TEXT PRIMARY KEY,
  org_id         TEXT NOT NULL REFERENCES organizations(id),
  email          TEXT NOT NULL UNIQUE,
  display_name   TEXT NOT NULL,
  password_hash  TEXT,
  disabled       BIGINT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL
);
CREATE INDEX users_by_org ON users(org_id);
CREATE TABLE api_tokens (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id),
  name          TEXT NOT NULL,
  secret_hash   BYTEA NOT NULL UNIQUE,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT,
  revoked_at    BIGINT,
  last_used_at  BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens(user_id);
CREATE TABLE console_sessions (
  id            TEXT PRIMARY KEY,
  user_id       TEXT NOT NULL REFERENCES users(id),
  secret_hash   BYTEA NOT NULL UNIQUE,
  csrf_hash     BYTEA NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  last_seen_at  BIGINT
);
CREATE TABLE relationship_tuples (
  id           TEXT PRIMARY KEY,
  object       TEXT NOT NULL,
  relation     TEXT NOT NULL,
  subject      TEXT NOT NULL,
  valid_from   BIGINT NOT NULL,
  expires_at   BIGINT,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL,
  approved_by  TEXT,
  approved_at  BIGINT,
  revoked_at   BIGINT,
  revoked_by   TEXT
);
CREATE INDEX tuples_by_subject ON relationship_tuples(subject, relation);
CREATE INDEX tuples_by_object ON relationship_tuples(object, relation)
)sql"},
      {2, "the ledger: entries, stored Merkle subtree hashes, signed checkpoints",
       R"sql(
CREATE TABLE ledger_entries (
  idx          BIGINT PRIMARY KEY,
  leaf         BYTEA NOT NULL,
  leaf_hash    BYTEA NOT NULL,
  appended_at  BIGINT NOT NULL,
  principal    TEXT NOT NULL,
  object       TEXT NOT NULL
);
CREATE INDEX ledger_entries_by_principal ON ledger_entries(principal, idx);
-- Only entries about users and organizations are looked up by object ("entries about me and
-- my organization"); indexing every object would cost ~40% of append throughput.
CREATE INDEX ledger_entries_about ON ledger_entries(object, idx)
  WHERE substr(object, 1, 4) IN ('usr_', 'org_');
CREATE TABLE ledger_nodes (
  level  BIGINT NOT NULL,
  idx    BIGINT NOT NULL,
  hash   BYTEA NOT NULL,
  PRIMARY KEY (level, idx)
);
CREATE TABLE ledger_checkpoints (
  size       BIGINT PRIMARY KEY,
  root       BYTEA NOT NULL,
  note       TEXT NOT NULL,
  signed_at  BIGINT NOT NULL
)
)sql"},
      {3, "OSV advisories as imported, and the packages each one affects",
       R"sql(
CREATE TABLE advisories (
  id           TEXT PRIMARY KEY,
  modified     BIGINT NOT NULL,
  withdrawn    BIGINT,
  body         TEXT NOT NULL,
  imported_at  BIGINT NOT NULL
);
CREATE TABLE advisory_packages (
  advisory_id  TEXT NOT NULL REFERENCES advisories(id),
  ecosystem    TEXT NOT NULL,
  name         TEXT NOT NULL,
  PRIMARY KEY (advisory_id, ecosystem, name)
);
CREATE INDEX advisory_packages_by_package ON advisory_packages(ecosystem, name)
)sql"},
      {4, "the durable job queue and its recurring schedules",
       R"sql(
CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  payload           TEXT NOT NULL,
  priority          BIGINT NOT NULL,
  run_at            BIGINT NOT NULL,
  idempotency_key   TEXT,
  state             TEXT NOT NULL,
  attempts          BIGINT NOT NULL,
  max_attempts      BIGINT NOT NULL,
  lease_owner       TEXT,
  lease_expires_at  BIGINT,
  last_error        TEXT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  finished_at       BIGINT
);
CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs(kind, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_ready ON jobs(state, run_at, priority);
CREATE INDEX jobs_by_kind_state ON jobs(kind, state);
CREATE TABLE job_schedules (
  name              TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  payload           TEXT NOT NULL,
  every_seconds     BIGINT,
  cron              TEXT,
  next_run_at       BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL
);
CREATE TABLE job_probes (
  job_id            TEXT PRIMARY KEY,
  worker            TEXT NOT NULL,
  completions       BIGINT NOT NULL,
  completed_at      BIGINT NOT NULL
)
)sql"},
      {5, "secrets at rest: encrypted values, each with its wrapped data key",
       R"sql(
CREATE TABLE secrets (
  id            TEXT PRIMARY KEY,
  owner_table   TEXT NOT NULL,
  owner_id      TEXT NOT NULL,
  owner_column  TEXT NOT NULL,
  key_version   BIGINT NOT NULL,
  kek_id        TEXT NOT NULL,
  wrapped_key   BYTEA NOT NULL,
  ciphertext    BYTEA NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  UNIQUE (owner_table, owner_id, owner_column)
);
CREATE INDEX secrets_by_kek ON secrets(kek_id)
)sql"},
      {6, "jobs: the jobs waiting to run indexed in the order workers take them",
       R"sql(
DROP INDEX jobs_ready;
CREATE INDEX jobs_waiting ON jobs(priority DESC, run_at) WHERE state IN ('queued', 'failed');
CREATE INDEX jobs_by_state ON jobs(state, created_at)
)sql"},
      {7, "the pre-release review program: models, versions, inquiries, windows, partners, keys",
       R"sql(
CREATE TABLE review_models (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES organizations(id),
  name         TEXT NOT NULL,
  description  TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE model_versions (
  id                  TEXT PRIMARY KEY,
  model_id            TEXT NOT NULL REFERENCES review_models(id),
  version             TEXT NOT NULL,
  provider            TEXT NOT NULL CHECK (provider IN ('openai', 'anthropic')),
  base_url            TEXT NOT NULL,
  upstream_model      TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('in_development', 'under_review',
                                                      'released', 'withdrawn')),
  planned_release_at  BIGINT,
  released_at         BIGINT,
  created_at          BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  UNIQUE (model_id, version)
);
CREATE TABLE review_inquiries (
  id            TEXT PRIMARY KEY,
  version_id    TEXT NOT NULL REFERENCES model_versions(id),
  org_id        TEXT NOT NULL REFERENCES organizations(id),
  state         TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'under_evaluation',
                                               'answered', 'withdrawn')),
  question      TEXT NOT NULL,
  asked_at      BIGINT NOT NULL,
  asked_by      TEXT NOT NULL,
  accepted_at   BIGINT,
  accepted_by   TEXT,
  due_at        BIGINT,
  answered_at   BIGINT,
  answer        TEXT NOT NULL,
  withdrawn_at  BIGINT,
  updated_at    BIGINT NOT NULL
);
CREATE INDEX review_inquiries_by_org ON review_inquiries(org_id, asked_at);
CREATE TABLE review_windows (
  id              TEXT PRIMARY KEY,
  version_id      TEXT NOT NULL REFERENCES model_versions(id),
  org_id          TEXT NOT NULL REFERENCES organizations(id),
  starts_at       BIGINT NOT NULL,
  ends_at         BIGINT NOT NULL,
  retain_content  BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  created_by      TEXT NOT NULL,
  closed_at       BIGINT,
  close_reason    TEXT CHECK (close_reason IN ('ended', 'released', 'withdrawn')),
  closed_by       TEXT,
  -- At most 30 days (in microseconds) in total, whatever writes the row.
  CHECK (ends_at > starts_at AND ends_at - starts_at <= 2592000000000),
  CHECK ((closed_at IS NULL) = (close_reason IS NULL))
);
CREATE INDEX review_windows_by_version ON review_windows(version_id);
CREATE INDEX review_windows_unclosed ON review_windows(ends_at) WHERE closed_at IS NULL;
CREATE TABLE review_partners (
  id                   TEXT PRIMARY KEY,
  window_id            TEXT NOT NULL REFERENCES review_windows(id),
  partner_org_id       TEXT NOT NULL REFERENCES organizations(id),
  state                TEXT NOT NULL CHECK (state IN ('proposed', 'active', 'removed')),
  requests_per_day     BIGINT NOT NULL,
  tokens_per_day       BIGINT NOT NULL,
  requests_per_minute  BIGINT NOT NULL,
  proposed_by_party    TEXT NOT NULL CHECK (proposed_by_party IN ('lab', 'program_office')),
  proposed_by          TEXT NOT NULL,
  proposed_at          BIGINT NOT NULL,
  concurred_by_party   TEXT CHECK (concurred_by_party IN ('lab', 'program_office')),
  concurred_by         TEXT,
  concurred_at         BIGINT,
  removed_by           TEXT,
  removed_at           BIGINT,
  -- Separation of duties: the party that proposed a partner never concurs with it.
  CHECK (concurred_by_party IS NULL OR concurred_by_party <> proposed_by_party),
  CHECK (concurred_by IS NULL OR concurred_by <> proposed_by)
);
CREATE UNIQUE INDEX review_partners_one_per_window ON review_partners(window_id, partner_org_id)
  WHERE state <> 'removed';
CREATE INDEX review_partners_by_org ON review_partners(partner_org_id);
CREATE TABLE gateway_keys (
  id            TEXT PRIMARY KEY,
  secret_hash   BYTEA NOT NULL UNIQUE,
  user_id       TEXT NOT NULL REFERENCES users(id),
  org_id        TEXT NOT NULL REFERENCES organizations(id),
  grant_id      TEXT NOT NULL REFERENCES review_partners(id),
  window_id     TEXT NOT NULL REFERENCES review_windows(id),
  name          TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  revoked_by    TEXT,
  last_used_at  BIGINT
);
CREATE INDEX gateway_keys_by_user ON gateway_keys(user_id);
CREATE INDEX gateway_keys_by_window ON gateway_keys(window_id)
)sql"},
      {8, "the gateway's daily quotas: requests and tokens per key and UTC day",
       R"sql(
CREATE TABLE gateway_usage (
  key_id           TEXT NOT NULL REFERENCES gateway_keys(id),
  day              BIGINT NOT NULL,
  requests         BIGINT NOT NULL,
  tokens_used      BIGINT NOT NULL,
  tokens_reserved  BIGINT NOT NULL,
  PRIMARY KEY (key_id, day),
  CHECK (requests >= 0 AND tokens_used >= 0 AND tokens_reserved >= 0)
)
)sql"},
      {9, "defensive access to released models; gateway keys under either kind of grant",
       R"sql(
CREATE TABLE defensive_grants (
  id                   TEXT PRIMARY KEY,
  version_id           TEXT NOT NULL REFERENCES model_versions(id),
  lab_org_id           TEXT NOT NULL REFERENCES organizations(id),
  org_id               TEXT NOT NULL REFERENCES organizations(id),
  purpose              TEXT NOT NULL,
  state                TEXT NOT NULL CHECK (state IN ('requested', 'active', 'denied', 'revoked',
                                                  'expired')),
  requests_per_day     BIGINT NOT NULL,
  tokens_per_day       BIGINT NOT NULL,
  requests_per_minute  BIGINT NOT NULL,
  requested_by         TEXT NOT NULL,
  requested_at         BIGINT NOT NULL,
  expires_at           BIGINT NOT NULL,
  office_approved_by   TEXT,
  office_approved_at   BIGINT,
  lab_approved_by      TEXT,
  lab_approved_at      BIGINT,
  closed_by            TEXT,
  closed_at            BIGINT,
  close_note           TEXT NOT NULL,
  -- At most 365 days (in microseconds) from the request.
  CHECK (expires_at > requested_at AND expires_at - requested_at <= 31536000000000),
  -- Active only with both approvals, given by two different people.
  CHECK (state <> 'active' OR (office_approved_at IS NOT NULL AND lab_approved_at IS NOT NULL)),
  CHECK (office_approved_by IS NULL OR lab_approved_by IS NULL OR
         office_approved_by <> lab_approved_by)
);
CREATE INDEX defensive_grants_by_org ON defensive_grants(org_id);
CREATE INDEX defensive_grants_by_lab ON defensive_grants(lab_org_id);
CREATE TABLE gateway_keys_next (
  id                  TEXT PRIMARY KEY,
  secret_hash         BYTEA NOT NULL UNIQUE,
  user_id             TEXT NOT NULL REFERENCES users(id),
  org_id              TEXT NOT NULL REFERENCES organizations(id),
  version_id          TEXT NOT NULL REFERENCES model_versions(id),
  grant_id            TEXT REFERENCES review_partners(id),
  window_id           TEXT REFERENCES review_windows(id),
  defensive_grant_id  TEXT REFERENCES defensive_grants(id),
  name                TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  expires_at          BIGINT NOT NULL,
  revoked_at          BIGINT,
  revoked_by          TEXT,
  last_used_at        BIGINT,
  -- Under exactly one grant: a window's partner grant, or defensive access.
  CHECK ((grant_id IS NULL) = (window_id IS NULL)),
  CHECK ((grant_id IS NULL) <> (defensive_grant_id IS NULL))
);
INSERT INTO gateway_keys_next (id, secret_hash, user_id, org_id, version_id, grant_id, window_id,
                               name, created_at, expires_at, revoked_at, revoked_by, last_used_at)
  SELECT k.id, k.secret_hash, k.user_id, k.org_id, w.version_id, k.grant_id, k.window_id, k.name,
         k.created_at, k.expires_at, k.revoked_at, k.revoked_by, k.last_used_at
  FROM gateway_keys k JOIN review_windows w ON w.id = k.window_id;
CREATE TABLE gateway_usage_next (
  key_id           TEXT NOT NULL REFERENCES gateway_keys_next(id),
  day              BIGINT NOT NULL,
  requests         BIGINT NOT NULL,
  tokens_used      BIGINT NOT NULL,
  tokens_reserved  BIGINT NOT NULL,
  PRIMARY KEY (key_id, day),
  CHECK (requests >= 0 AND tokens_used >= 0 AND tokens_reserved >= 0)
);
INSERT INTO gateway_usage_next (key_id, day, requests, tokens_used, tokens_reserved)
  SELECT key_id, day, requests, tokens_used, tokens_reserved FROM gateway_usage;
DROP TABLE gateway_usage;
DROP TABLE gateway_keys;
ALTER TABLE gateway_keys_next RENAME TO gateway_keys;
ALTER TABLE gateway_usage_next RENAME TO gateway_usage;
CREATE INDEX gateway_keys_by_user ON gateway_keys(user_id);
CREATE INDEX gateway_keys_by_window ON gateway_keys(window_id);
CREATE INDEX gateway_keys_by_defensive_grant ON gateway_keys(defensive_grant_id)
)sql"},
      {10, "insider-risk signals: a window's hours and suspension choice, alerts, known addresses",
       R"sql(
ALTER TABLE review_windows ADD COLUMN hours_start BIGINT CHECK (hours_start BETWEEN 0 AND 23);
ALTER TABLE review_windows ADD COLUMN hours_end BIGINT CHECK (hours_end BETWEEN 1 AND 24);
ALTER TABLE review_windows ADD COLUMN suspend_on_alert BIGINT NOT NULL DEFAULT 0;
-- kind is not held to a list here: more kinds of signal will come, and the service checks it.
CREATE TABLE review_alerts (
  id                  TEXT PRIMARY KEY,
  kind                TEXT NOT NULL,
  scope               TEXT NOT NULL CHECK (scope IN ('key', 'organization', 'reader')),
  -- The key (key scope), the grant (organization scope) or the person reading retained content
  -- (reader scope) the alert is about.
  subject_id          TEXT NOT NULL,
  -- The key whose call raised it; none for a reader.
  key_id              TEXT REFERENCES gateway_keys(id),
  org_id              TEXT NOT NULL REFERENCES organizations(id),
  lab_org_id          TEXT NOT NULL REFERENCES organizations(id),
  window_id           TEXT REFERENCES review_windows(id),
  defensive_grant_id  TEXT REFERENCES defensive_grants(id),
  day                 BIGINT NOT NULL,
  detail              TEXT NOT NULL,
  key_suspended       BIGINT NOT NULL,
  created_at          BIGINT NOT NULL,
  acknowledged_by     TEXT,
  acknowledged_at     BIGINT,
  CHECK ((window_id IS NULL) <> (defensive_grant_id IS NULL)),
  CHECK ((key_id IS NULL) = (scope = 'reader')),
  CHECK ((acknowledged_by IS NULL) = (acknowledged_at IS NULL))
);
-- Each alert at most once per subject, kind and UTC day, whichever replica raises it.
CREATE UNIQUE INDEX review_alerts_once_a_day ON review_alerts(subject_id, kind, day);
CREATE INDEX review_alerts_by_lab ON review_alerts(lab_org_id, created_at);
CREATE TABLE gateway_key_addresses (
  key_id         TEXT NOT NULL REFERENCES gateway_keys(id),
  address        TEXT NOT NULL,
  first_seen_at  BIGINT NOT NULL,
  PRIMARY KEY (key_id, address)
)
)sql"},
      {11, "retained content: a window's choice, the calls kept, reads under the two-person rule",
       R"sql(
ALTER TABLE review_windows ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 90
  CHECK (retention_days BETWEEN 1 AND 365);
-- A call whose content the gateway kept; the content itself is the secret
-- ('retained_calls', id, 'content'), encrypted. The row and its secret go at purge_at.
CREATE TABLE retained_calls (
  id               TEXT PRIMARY KEY,
  window_id        TEXT NOT NULL REFERENCES review_windows(id),
  key_id           TEXT NOT NULL REFERENCES gateway_keys(id),
  org_id           TEXT NOT NULL REFERENCES organizations(id),
  user_id          TEXT NOT NULL,
  request_id       TEXT NOT NULL,
  status           BIGINT NOT NULL,
  streamed         BIGINT NOT NULL,
  request_bytes    BIGINT NOT NULL,
  response_bytes   BIGINT NOT NULL,
  truncated        BIGINT NOT NULL,
  request_sha256   TEXT NOT NULL,
  response_sha256  TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  purge_at         BIGINT NOT NULL,
  CHECK (purge_at > created_at)
);
CREATE INDEX retained_calls_by_window ON retained_calls(window_id, created_at);
CREATE INDEX retained_calls_by_purge ON retained_calls(purge_at);
CREATE TABLE content_reads (
  id                TEXT PRIMARY KEY,
  window_id         TEXT NOT NULL REFERENCES review_windows(id),
  lab_org_id        TEXT NOT NULL REFERENCES organizations(id),
  -- One partner's calls, or every call of the window when NULL.
  partner_org_id    TEXT REFERENCES organizations(id),
  reason            TEXT NOT NULL,
  state             TEXT NOT NULL
                    CHECK (state IN ('requested', 'approved', 'denied', 'revoked', 'expired')),
  requested_by      TEXT NOT NULL,
  requester_org_id  TEXT NOT NULL REFERENCES organizations(id),
  requested_at      BIGINT NOT NULL,
  decided_by        TEXT,
  decided_at        BIGINT,
  decision_note     TEXT NOT NULL,
  expires_at        BIGINT,
  closed_by         TEXT,
  closed_at         BIGINT,
  -- The two-person rule.
  CHECK (decided_by IS NULL OR decided_by <> requested_by),
  CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
  CHECK (state <> 'approved' OR expires_at IS NOT NULL)
);
CREATE INDEX content_reads_by_lab ON content_reads(lab_org_id, requested_at);
-- Each call read, by whom, under which approval; kept when the call is purged.
CREATE TABLE content_read_log (
  read_id    TEXT NOT NULL REFERENCES content_reads(id),
  call_id    TEXT NOT NULL,
  reader_id  TEXT NOT NULL,
  read_at    BIGINT NOT NULL
);
CREATE INDEX content_read_log_by_reader ON content_read_log(reader_id, read_at);
CREATE INDEX content_read_log_by_read ON content_read_log(read_id)
)sql"},
      {12, "the gateway's quota leases: requests a replica holds for calls it has yet to make",
       R"sql(
ALTER TABLE gateway_usage ADD COLUMN requests_reserved BIGINT NOT NULL DEFAULT 0
  CHECK (requests_reserved >= 0)
)sql"},
      {13,
       "the review epoch: counts the changes to what gateway keys reach, so that a gateway "
       "replica keeps what it read of a key while the count stands",
       R"sql(
CREATE TABLE review_epoch (
  id BIGINT PRIMARY KEY CHECK (id = 1),
  n  BIGINT NOT NULL
);
INSERT INTO review_epoch (id, n) VALUES (1, 0)
)sql"},
      {14,
       "evaluations: registered threshold policies, imported suites, evaluations and their "
       "samples, recommendations and designations; an inquiry's designation",
       R"sql(
CREATE TABLE eval_policies (
  hash           TEXT PRIMARY KEY,
  policy_id      TEXT NOT NULL,
  version        BIGINT NOT NULL,
  description    TEXT NOT NULL,
  sequential     BIGINT NOT NULL,
  suites         TEXT NOT NULL,
  registered_at  BIGINT NOT NULL,
  registered_by  TEXT NOT NULL REFERENCES users(id),
  UNIQUE (policy_id, version)
);
CREATE TABLE eval_suites (
  hash         TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  version      TEXT NOT NULL,
  description  TEXT NOT NULL,
  tasks        BIGINT NOT NULL,
  imported_at  BIGINT NOT NULL,
  imported_by  TEXT NOT NULL REFERENCES users(id),
  validity     TEXT NOT NULL CHECK (validity IN ('checking', 'valid', 'invalid', 'error')),
  validity_report TEXT NOT NULL,
  checked_at   BIGINT
);
CREATE TABLE evaluations (
  id                     TEXT PRIMARY KEY,
  version_id             TEXT NOT NULL REFERENCES model_versions(id),
  window_id              TEXT NOT NULL REFERENCES review_windows(id),
  inquiry_id             TEXT REFERENCES review_inquiries(id),
  policy_hash            TEXT NOT NULL REFERENCES eval_policies(hash),
  suite_hash             TEXT NOT NULL REFERENCES eval_suites(hash),
  epochs                 BIGINT NOT NULL,
  seed                   BIGINT NOT NULL,
  generation             BIGINT NOT NULL,
  state                  TEXT NOT NULL CHECK (state IN ('running', 'paused', 'completed',
                                                        'cancelled', 'recommended', 'designated')),
  pause_reason           TEXT NOT NULL,
  key_id                 TEXT NOT NULL REFERENCES gateway_keys(id),
  samples_total          BIGINT NOT NULL,
  samples_done           BIGINT NOT NULL,
  samples_passed         BIGINT NOT NULL,
  infrastructure_errors  BIGINT NOT NULL,
  prefix_done            BIGINT NOT NULL,
  started_by             TEXT NOT NULL REFERENCES users(id),
  started_at             BIGINT NOT NULL,
  updated_at             BIGINT NOT NULL,
  completed_at           BIGINT,
  outcome                TEXT CHECK (outcome IN ('exceeds', 'below', 'inconclusive')),
  samples_used           BIGINT,
  decision               TEXT,
  samples_sha256         TEXT,
  recommendation         TEXT CHECK (recommendation IN ('covered', 'not_covered')),
  rationale              TEXT,
  recommended_by         TEXT REFERENCES users(id),
  recommended_at         BIGINT,
  designated_by          TEXT REFERENCES users(id),
  designated_at          BIGINT,
  designation_note       TEXT,
  -- Two people: who recommends never designates.
  CHECK (designated_by IS NULL OR designated_by <> recommended_by)
);
CREATE INDEX evaluations_by_version ON evaluations(version_id, started_at);
CREATE INDEX evaluations_by_state ON evaluations(state);
CREATE TABLE eval_samples (
  evaluation_id      TEXT NOT NULL REFERENCES evaluations(id),
  position           BIGINT NOT NULL,
  task_id            TEXT NOT NULL,
  epoch              BIGINT NOT NULL,
  sample_end         TEXT,
  passed             BIGINT,
  attempts           BIGINT,
  messages           BIGINT,
  input_tokens       BIGINT,
  output_tokens      BIGINT,
  milliseconds       BIGINT,
  transcript_sha256  TEXT,
  infrastructure_errors BIGINT NOT NULL,
  last_error         TEXT NOT NULL,
  recorded_at        BIGINT,
  PRIMARY KEY (evaluation_id, position),
  UNIQUE (evaluation_id, task_id, epoch)
);
ALTER TABLE review_inquiries ADD COLUMN policy_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE review_inquiries ADD COLUMN designation_id TEXT NOT NULL DEFAULT ''
)sql"},
      {15,
       "the clearinghouse: operators' assets and their inventories, the components each runs, "
       "findings with their state and priority, the KEV, EPSS and SSVC feeds, and the advisories "
       "the monitor has matched",
       R"sql(
CREATE TABLE assets (
  id                  TEXT PRIMARY KEY,
  org_id              TEXT NOT NULL REFERENCES organizations(id),
  name                TEXT NOT NULL,
  environment         TEXT NOT NULL,
  publicly_exposed    BIGINT NOT NULL CHECK (publicly_exposed IN (0, 1)),
  mission_well_being  TEXT NOT NULL CHECK (mission_well_being IN ('low', 'medium', 'high')),
  created_at          BIGINT NOT NULL,
  created_by          TEXT NOT NULL,
  updated_at          BIGINT NOT NULL,
  inventory_seq       BIGINT NOT NULL,
  components          BIGINT NOT NULL,
  UNIQUE (org_id, name)
);
CREATE TABLE inventories (
  id              TEXT PRIMARY KEY,
  asset_id        TEXT NOT NULL REFERENCES assets(id),
  seq             BIGINT NOT NULL,
  format          TEXT NOT NULL,
  spec_version    TEXT NOT NULL,
  serial_number   TEXT NOT NULL,
  sha256          TEXT NOT NULL,
  components      BIGINT NOT NULL,
  matchable       BIGINT NOT NULL,
  added           BIGINT NOT NULL,
  removed         BIGINT NOT NULL,
  opened          BIGINT NOT NULL,
  verified_fixed  BIGINT NOT NULL,
  uploaded_at     BIGINT NOT NULL,
  uploaded_by     TEXT NOT NULL,
  UNIQUE (asset_id, seq)
);
-- The matchable components of each asset's latest inventory, one row per package version.
CREATE TABLE asset_components (
  asset_id   TEXT NOT NULL REFERENCES assets(id),
  ecosystem  TEXT NOT NULL,
  name       TEXT NOT NULL,
  version    TEXT NOT NULL,
  purl       TEXT NOT NULL,
  PRIMARY KEY (asset_id, ecosystem, name, version)
);
CREATE INDEX asset_components_by_package ON asset_components(ecosystem, name);
CREATE TABLE findings (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL REFERENCES organizations(id),
  asset_id         TEXT NOT NULL REFERENCES assets(id),
  advisory_id      TEXT NOT NULL,
  ecosystem        TEXT NOT NULL,
  package          TEXT NOT NULL,
  version          TEXT NOT NULL,
  purl             TEXT NOT NULL,
  cve              TEXT NOT NULL,
  cves             TEXT NOT NULL,
  summary          TEXT NOT NULL,
  severity         TEXT NOT NULL,
  cvss             TEXT NOT NULL,
  upgrade_to       TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('open', 'in_triage', 'not_affected',
                                                  'risk_accepted', 'fixed', 'verified_fixed')),
  active           BIGINT NOT NULL CHECK (active IN (0, 1)),
  justification    TEXT NOT NULL,
  note             TEXT NOT NULL,
  accepted_until   BIGINT,
  known_at         BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL,
  updated_by       TEXT NOT NULL,
  closed_at        BIGINT,
  escalated_at     BIGINT,
  timeline         TEXT NOT NULL,
  deadline_at      BIGINT,
  cisa_level       TEXT NOT NULL,
  priority_rank    BIGINT NOT NULL,
  UNIQUE (asset_id, advisory_id, ecosystem, package, version),
  CHECK (state <> 'risk_accepted' OR accepted_until IS NOT NULL),
  CHECK (state <> 'not_affected' OR justification <> '')
);
CREATE INDEX findings_by_org_rank ON findings(org_id, active, priority_rank, id);
CREATE INDEX findings_by_rank ON findings(active, priority_rank, id);
CREATE INDEX findings_by_advisory ON findings(advisory_id);
CREATE INDEX findings_by_deadline ON findings(active, deadline_at);
-- The CVE ids an advisory names (its id and aliases), for the findings a feed's change moves.
CREATE TABLE advisory_cves (
  advisory_id  TEXT NOT NULL,
  cve          TEXT NOT NULL,
  PRIMARY KEY (advisory_id, cve)
);
CREATE INDEX advisory_cves_by_cve ON advisory_cves(cve);
CREATE TABLE kev_catalog (
  cve          TEXT PRIMARY KEY,
  vendor       TEXT NOT NULL,
  product      TEXT NOT NULL,
  name         TEXT NOT NULL,
  date_added   TEXT NOT NULL,
  due_date     TEXT NOT NULL,
  ransomware   BIGINT NOT NULL CHECK (ransomware IN (0, 1)),
  imported_at  BIGINT NOT NULL
);
CREATE TABLE epss_scores (
  cve          TEXT PRIMARY KEY,
  epss         TEXT NOT NULL,
  percentile   TEXT NOT NULL,
  score_date   TEXT NOT NULL,
  imported_at  BIGINT NOT NULL
);
CREATE TABLE ssvc_assessments (
  cve               TEXT PRIMARY KEY,
  exploitation      TEXT NOT NULL,
  automatable       TEXT NOT NULL,
  technical_impact  TEXT NOT NULL,
  imported_at       BIGINT NOT NULL
);
-- Each advisory as the monitor last matched it against the stored inventories.
CREATE TABLE monitored_advisories (
  advisory_id  TEXT PRIMARY KEY,
  modified     BIGINT NOT NULL,
  matched_at   BIGINT NOT NULL,
  findings     BIGINT NOT NULL
);
-- Patch notices: one per operator and advisory revision, signed, with the findings it names.
CREATE TABLE notices (
  id               TEXT PRIMARY KEY,
  org_id           TEXT NOT NULL REFERENCES organizations(id),
  advisory_id      TEXT NOT NULL,
  revision         BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  priority_rank    BIGINT NOT NULL,
  timeline         TEXT NOT NULL,
  deadline_at      BIGINT,
  findings         BIGINT NOT NULL,
  summary          TEXT NOT NULL,
  document         TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('sent', 'acknowledged', 'remediated',
                                                  'verified')),
  acknowledged_at  BIGINT,
  acknowledged_by  TEXT,
  remediation      TEXT CHECK (remediation IN ('fixed', 'mitigated', 'not_affected')),
  justification    TEXT NOT NULL,
  remediation_note TEXT NOT NULL,
  remediated_at    BIGINT,
  remediated_by    TEXT,
  verified_at      BIGINT,
  UNIQUE (org_id, advisory_id, revision)
);
CREATE INDEX notices_by_org ON notices(org_id, state, priority_rank, id);
CREATE TABLE notice_findings (
  notice_id   TEXT NOT NULL REFERENCES notices(id),
  finding_id  TEXT NOT NULL REFERENCES findings(id),
  PRIMARY KEY (notice_id, finding_id)
);
CREATE INDEX notice_findings_by_finding ON notice_findings(finding_id);
-- An operator's webhooks (the HMAC secret is in the secret store) and each notice's deliveries.
CREATE TABLE webhooks (
  id           TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL REFERENCES organizations(id),
  url          TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL,
  disabled_at  BIGINT
);
CREATE INDEX webhooks_by_org ON webhooks(org_id);
CREATE TABLE deliveries (
  id           TEXT PRIMARY KEY,
  notice_id    TEXT NOT NULL REFERENCES notices(id),
  webhook_id   TEXT NOT NULL REFERENCES webhooks(id),
  state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts     BIGINT NOT NULL,
  last_status  BIGINT,
  last_error   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  delivered_at BIGINT,
  UNIQUE (notice_id, webhook_id)
);
CREATE INDEX deliveries_by_webhook ON deliveries(webhook_id, state);
CREATE TABLE feed_imports (
  id           TEXT PRIMARY KEY,
  feed         TEXT NOT NULL CHECK (feed IN ('osv', 'kev', 'epss', 'ssvc')),
  source       TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
  requested_by TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  finished_at  BIGINT,
  records      BIGINT NOT NULL,
  changed      BIGINT NOT NULL,
  skipped      BIGINT NOT NULL,
  problems     TEXT NOT NULL,
  error        TEXT NOT NULL,
  document     TEXT NOT NULL  -- what a queued import applies; '' once finished
);
CREATE INDEX feed_imports_by_time ON feed_imports(requested_at);
-- Findings past their deadlines, escalated to the operator's admins and the clearinghouse: one
-- row per operator and sweep, with the findings it names (items, a JSON array).
CREATE TABLE escalations (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL REFERENCES organizations(id),
  created_at         BIGINT NOT NULL,
  findings           BIGINT NOT NULL,
  earliest_deadline  BIGINT NOT NULL,
  items              TEXT NOT NULL,
  acknowledged_at    BIGINT,
  acknowledged_by    TEXT
);
CREATE INDEX escalations_by_org ON escalations(org_id, created_at);
CREATE INDEX escalations_by_time ON escalations(created_at)
)sql"},
      {16,
       "a finding names the notice that told its operator (findings.notice_id), in place of the "
       "notice_findings table",
       R"sql(
-- Set in the transaction that opens the finding and writes its notice; NULL for the findings an
-- operator's own inventory opened, which no notice tells.
ALTER TABLE findings ADD COLUMN notice_id TEXT;
UPDATE findings SET notice_id = (SELECT nf.notice_id FROM notice_findings nf JOIN notices n ON
  n.id = nf.notice_id WHERE nf.finding_id = findings.id ORDER BY n.created_at, n.id LIMIT 1);
CREATE INDEX findings_by_notice ON findings(notice_id) WHERE notice_id IS NOT NULL;
DROP TABLE notice_findings;
-- A fan-out's notices: who an advisory's revision told already, and a notice's inclusion proof.
CREATE INDEX notices_by_advisory ON notices(advisory_id, revision)
)sql"},
  };
  return kMigrations;
}

}  // namespace bulwark::store
