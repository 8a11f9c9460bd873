#include "evaluations/service.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <filesystem>

#include "access/policy.h"
#include "base/encoding.h"
#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/random.h"
#include "base/text.h"
#include "base/time_format.h"
#include "evals/model_provider.h"
#include "evals/run_log.h"
#include "evals/stats.h"
#include "evals/suite_codec.h"
#include "evals/validity.h"
#include "evaluations/sealed_suite.h"

namespace bulwark::evaluations {
namespace {

namespace json = boost::json;
using access::Principal;
using secrets::SecretBytes;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

constexpr std::string_view kEvaluationSelect =
    "SELECT e.id, e.version_id, m.org_id, m.name, v.version, e.window_id, "
    "COALESCE(e.inquiry_id, ''), e.policy_hash, p.policy_id, p.version, e.suite_hash, s.name, "
    "e.epochs, e.seed, e.state, e.pause_reason, e.samples_total, e.samples_done, "
    "e.samples_passed, e.infrastructure_errors, e.prefix_done, e.started_by, e.started_at, "
    "e.updated_at, e.completed_at, COALESCE(e.outcome, ''), COALESCE(e.samples_used, 0), "
    "COALESCE(e.decision, ''), COALESCE(e.samples_sha256, ''), COALESCE(e.recommendation, ''), "
    "COALESCE(e.rationale, ''), COALESCE(e.recommended_by, ''), e.recommended_at, "
    "COALESCE(e.designated_by, ''), e.designated_at, COALESCE(e.designation_note, ''), "
    "e.key_id, e.generation, v.provider "
    "FROM evaluations e JOIN model_versions v ON v.id = e.version_id "
    "JOIN review_models m ON m.id = v.model_id JOIN eval_policies p ON p.hash = e.policy_hash "
    "JOIN eval_suites s ON s.hash = e.suite_hash";

struct Stored {
  Evaluation e;
  std::string key_id;
  int64_t generation = 0;
};

Stored ReadEvaluation(const Row& r) {
  Stored out;
  Evaluation& e = out.e;
  e.id = r.Text(0);
  e.version_id = r.Text(1);
  e.lab_org_id = r.Text(2);
  e.gateway_model = review::ModelId(r.Text(3), r.Text(4));
  e.window_id = r.Text(5);
  e.inquiry_id = r.Text(6);
  e.policy_hash = r.Text(7);
  e.policy_id = r.Text(8);
  e.policy_version = r.Int(9);
  e.suite_hash = r.Text(10);
  e.suite_name = r.Text(11);
  e.epochs = r.Int(12);
  e.seed = static_cast<uint64_t>(r.Int(13));
  e.state = ParseEvaluationState(r.Text(14)).value_or(EvaluationState::kRunning);
  e.pause_reason = r.Text(15);
  e.samples_total = r.Int(16);
  e.samples_done = r.Int(17);
  e.samples_passed = r.Int(18);
  e.infrastructure_errors = r.Int(19);
  e.prefix_done = r.Int(20);
  e.started_by = r.Text(21);
  e.started_at = FromUnixMicros(r.Int(22));
  e.updated_at = FromUnixMicros(r.Int(23));
  e.completed_at = r.OptionalTime(24);
  e.outcome = r.Text(25);
  e.samples_used = r.Int(26);
  e.decision = r.Text(27);
  e.samples_sha256 = r.Text(28);
  e.recommendation = r.Text(29);
  e.rationale = r.Text(30);
  e.recommended_by = r.Text(31);
  e.recommended_at = r.OptionalTime(32);
  e.designated_by = r.Text(33);
  e.designated_at = r.OptionalTime(34);
  e.designation_note = r.Text(35);
  out.key_id = r.Text(36);
  out.generation = r.Int(37);
  e.gateway_protocol = r.Text(38);
  return out;
}

constexpr std::string_view kSampleSelect =
    "SELECT position, task_id, epoch, COALESCE(sample_end, ''), COALESCE(passed, 0), "
    "COALESCE(attempts, 0), COALESCE(messages, 0), COALESCE(input_tokens, 0), "
    "COALESCE(output_tokens, 0), COALESCE(milliseconds, 0), COALESCE(transcript_sha256, ''), "
    "infrastructure_errors, last_error, recorded_at FROM eval_samples";

EvaluationSample ReadSample(const Row& r) {
  EvaluationSample s;
  s.position = r.Int(0);
  s.task_id = r.Text(1);
  s.epoch = r.Int(2);
  s.end = r.Text(3);
  s.passed = r.Int(4) != 0;
  s.attempts = r.Int(5);
  s.messages = r.Int(6);
  s.input_tokens = r.Int(7);
  s.output_tokens = r.Int(8);
  s.milliseconds = r.Int(9);
  s.transcript_sha256 = r.Text(10);
  s.infrastructure_errors = r.Int(11);
  s.last_error = r.Text(12);
  s.recorded_at = r.OptionalTime(13);
  s.recorded = s.recorded_at.has_value();
  return s;
}

RegisteredPolicy ReadPolicy(const Row& r) {
  RegisteredPolicy p;
  p.hash = r.Text(0);
  p.policy_id = r.Text(1);
  p.version = r.Int(2);
  p.description = r.Text(3);
  p.sequential = r.Int(4) != 0;
  const std::string suites = r.Text(5);
  for (std::string_view rest = suites; !rest.empty();) {
    const size_t comma = rest.find(',');
    p.suite_hashes.emplace_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  p.registered_at = FromUnixMicros(r.Int(6));
  p.registered_by = r.Text(7);
  return p;
}

constexpr std::string_view kPolicySelect =
    "SELECT hash, policy_id, version, description, sequential, suites, registered_at, "
    "registered_by FROM eval_policies";

StoredSuite ReadSuite(const Row& r) {
  StoredSuite s{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), FromUnixMicros(r.Int(5)),
                r.Text(6)};
  s.validity = r.Text(7);
  s.validity_report = r.Text(8);
  s.checked_at = r.OptionalTime(9);
  return s;
}

constexpr std::string_view kSuiteSelect =
    "SELECT hash, name, version, description, tasks, imported_at, imported_by, validity, "
    "validity_report, checked_at FROM eval_suites";

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

json::object RateJson(const evals::stats::PassRate& r) {
  return json::object{{"rate", r.rate},
                      {"tasks", r.tasks},
                      {"samples", r.samples},
                      {"min_epochs", r.min_epochs},
                      {"max_epochs", r.max_epochs},
                      {"standard_error", r.standard_error},
                      {"level", r.level},
                      {"lower", r.lower},
                      {"upper", r.upper},
                      {"method", r.method},
                      {"effective_tasks", r.effective_tasks}};
}

std::string DecisionJson(const evals::Policy& policy, const evals::Decision& d) {
  json::array criteria;
  for (const evals::CriterionResult& r : d.criteria) {
    json::object c{{"id", r.criterion.id},
                   {"metric", r.criterion.metric},
                   {"threshold", r.criterion.threshold},
                   {"level", r.criterion.level},
                   {"decision", std::string(evals::OutcomeName(r.outcome))},
                   {"reason", r.reason},
                   {"pass_rate", RateJson(r.rate)}};
    if (d.sequential) {
      c["log_evidence_above"] = r.log_evidence_above;
      c["log_evidence_below"] = r.log_evidence_below;
    }
    criteria.push_back(std::move(c));
  }
  return json::serialize(json::object{
      {"decision", std::string(evals::OutcomeName(d.outcome))},
      {"rule", d.reason},
      {"policy",
       json::object{{"id", policy.id}, {"version", policy.version}, {"hash", policy.hash}}},
      {"criteria", std::move(criteria)},
      {"sequential", d.sequential},
      {"samples_used", d.samples_used},
      {"tasks_to_settle", d.tasks_to_settle}});
}

std::string TranscriptJson(const evals::SampleResult& result) {
  json::array entries;
  for (const evals::TranscriptEntry& t : result.transcript) {
    json::object o{{"kind", t.kind}, {"text", t.text}};
    if (!t.tool.empty()) o["tool"] = t.tool;
    if (!t.call_id.empty()) o["call_id"] = t.call_id;
    if (t.kind == "tool_output") {
      o["exit_code"] = t.exit_code;
      o["timed_out"] = t.timed_out;
    }
    entries.push_back(std::move(o));
  }
  return json::serialize(entries);
}

evals::SampleSummary SummaryOf(const EvaluationSample& s) {
  evals::SampleSummary summary;
  summary.task_id = s.task_id;
  summary.epoch = static_cast<int>(s.epoch);
  summary.end = s.end;
  summary.passed = s.passed;
  summary.score = s.passed ? 1 : 0;
  return summary;
}

// Connections a sample runner's model client keeps to the gateway, at most.
constexpr int kProviderConnections = 256;

// The positions after the gap-free prefix that a sample's transaction looks up in one statement.
constexpr int64_t kPrefixProbe = 8;

// One line of the samples' hash: what the decision rests on, in order.
std::string SampleLine(const EvaluationSample& s) {
  return json::serialize(json::object{{"position", s.position},
                                      {"task", s.task_id},
                                      {"epoch", s.epoch},
                                      {"end", s.end},
                                      {"passed", s.passed},
                                      {"transcript_sha256", s.transcript_sha256}}) +
         "\n";
}

secrets::SecretRef KeyRef(const std::string& evaluation_id) {
  return {"evaluations", evaluation_id, "gateway_key"};
}
secrets::SecretRef SuiteRef(const std::string& hash) { return {"eval_suites", hash, "content"}; }
secrets::SecretRef PolicyRef(const std::string& hash) { return {"eval_policies", hash, "text"}; }
secrets::SecretRef TranscriptRef(const std::string& evaluation_id, int64_t position) {
  return {"eval_samples", evaluation_id + "#" + std::to_string(position), "transcript"};
}

}  // namespace

EvaluationService::EvaluationService(store::Database& db, const Clock& clock,
                                     const secrets::SecretStore& secrets,
                                     review::ReviewService& review, access::AuditTrail* audit)
    : db_(db),
      clock_(clock),
      secrets_(secrets),
      review_(review),
      audit_(audit),
      queue_(db, clock) {}

Status EvaluationService::Run(TxMode mode, const std::function<Status(Transaction&)>& fn) {
  return access::TransactRecordingDenial(db_, audit_, mode, fn);
}

StatusOr<access::Decision> EvaluationService::Require(Transaction& tx, const Principal& actor,
                                                      std::string_view action,
                                                      const std::string& object) {
  BW_ASSIGN_OR_RETURN(access::Decision d,
                      authorizer_.Check(tx, actor, action, access::kPlatform, clock_.Now()));
  if (d.allowed) return d;
  access::NoteDenial(actor, action, object);
  return Status(StatusCode::kPermissionDenied, d.reason, {{"action", std::string(action)}});
}

Status EvaluationService::Audit(Transaction& tx, const Principal& actor, std::string_view action,
                                const std::string& object, std::vector<std::string> grants,
                                std::vector<std::pair<std::string, std::string>> facts) {
  if (audit_ == nullptr) return OkStatus();
  return audit_->Record(
      tx, {actor, std::string(action), object, true, std::move(grants), std::move(facts)});
}

StatusOr<Evaluation> EvaluationService::Load(Transaction& tx, const std::string& id) {
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query(std::string(kEvaluationSelect) + " WHERE e.id = ?", {id}));
  if (rows.empty()) return NotFoundError("no evaluation " + id);
  return ReadEvaluation(rows[0]).e;
}

// ---- Policies and suites ----

StatusOr<RegisteredPolicy> EvaluationService::RegisterPolicy(const Principal& actor,
                                                             std::string_view yaml) {
  BW_ASSIGN_OR_RETURN(evals::Policy policy, evals::ParsePolicy(yaml));
  RegisteredPolicy out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, policy.hash));
    BW_ASSIGN_OR_RETURN(store::ResultSet same,
                        tx.Query(std::string(kPolicySelect) + " WHERE hash = ?", {policy.hash}));
    if (!same.empty()) {
      out = ReadPolicy(same[0]);
      return OkStatus();
    }
    std::string suites;
    for (const evals::PolicySuite& suite : policy.suites) {
      suites += (suites.empty() ? "" : ",") + suite.hash;
    }
    const Status insert =
        tx.Execute(
              "INSERT INTO eval_policies (hash, policy_id, version, description, "
              "sequential, suites, registered_at, registered_by) VALUES (?,?,?,?,?,?,?,?)",
              {policy.hash, policy.id, policy.version, policy.description,
               int64_t{policy.sequential}, suites, ToUnixMicros(clock_.Now()), actor.user_id})
            .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists,
                    "policy " + policy.id + " version " + std::to_string(policy.version) +
                        " is registered with other content; a registered policy never changes: "
                        "give the new one another version",
                    {{"rule", "policy_registered_once"}});
    }
    BW_RETURN_IF_ERROR(insert);
    BW_RETURN_IF_ERROR(secrets_.Put(tx, PolicyRef(policy.hash), yaml));
    BW_ASSIGN_OR_RETURN(store::ResultSet row,
                        tx.Query(std::string(kPolicySelect) + " WHERE hash = ?", {policy.hash}));
    out = ReadPolicy(row[0]);
    // The ledger entry is the pre-registration: it names the hash, and runs come after it.
    return Audit(tx, actor, "evaluation.policy.register", policy.hash, d.grants,
                 {{"policy_id", policy.id},
                  {"version", std::to_string(policy.version)},
                  {"sequential", policy.sequential ? "true" : "false"},
                  {"suites", suites}});
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<RegisteredPolicy>> EvaluationService::ListPolicies(const Principal& actor) {
  std::vector<RegisteredPolicy> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(
        Require(tx, actor, access::actions::kEvaluationRead, "eval_policies").status());
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kPolicySelect) +
                                 " ORDER BY registered_at DESC, policy_id, version DESC"));
    for (const Row& r : rows) out.push_back(ReadPolicy(r));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<StoredSuite> EvaluationService::ImportSuite(const Principal& actor,
                                                     const evals::Suite& suite) {
  BW_RETURN_IF_ERROR(evals::ValidateSuite(suite));
  const std::string hash = suite.ContentHash();
  StoredSuite out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, hash));
    BW_ASSIGN_OR_RETURN(store::ResultSet same,
                        tx.Query(std::string(kSuiteSelect) + " WHERE hash = ?", {hash}));
    if (same.empty()) {
      BW_RETURN_IF_ERROR(
          tx.Execute("INSERT INTO eval_suites (hash, name, version, description, tasks, "
                     "imported_at, imported_by, validity, validity_report) VALUES "
                     "(?,?,?,?,?,?,?,'checking','')",
                     {hash, suite.name, suite.version, suite.description,
                      static_cast<int64_t>(suite.tasks.size()), ToUnixMicros(clock_.Now()),
                      actor.user_id})
              .status());
      BW_RETURN_IF_ERROR(secrets_.Put(tx, SuiteRef(hash), evals::EncodeSuite(suite)));
      // The validity checks run in the sandbox, on a worker.
      BW_RETURN_IF_ERROR(
          queue_
              .Enqueue(tx, {.kind = std::string(kValidateJobKind),
                            .payload = json::serialize(json::object{{"suite", hash}}),
                            .idempotency_key = hash})
              .status());
      BW_RETURN_IF_ERROR(Audit(tx, actor, "evaluation.suite.import", hash, d.grants,
                               {{"suite", suite.name},
                                {"version", suite.version},
                                {"tasks", std::to_string(suite.tasks.size())}}));
    }
    BW_ASSIGN_OR_RETURN(store::ResultSet row,
                        tx.Query(std::string(kSuiteSelect) + " WHERE hash = ?", {hash}));
    out = ReadSuite(row[0]);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<StoredSuite> EvaluationService::ImportSuiteDocument(const Principal& actor,
                                                             std::string_view document) {
  StatusOr<evals::Suite> suite = IsSealedBundle(document)
                                     ? OpenSealedSuite(document, secrets_.keyring())
                                     : evals::DecodeSuite(document);
  if (suite.status().code() == StatusCode::kDataLoss) {
    // Nothing stored is damaged: the file given is, and the person who gave it can act on it.
    return Status(StatusCode::kInvalidArgument, suite.status().message(), {{"field", "body"}});
  }
  if (!suite.ok()) return suite.status();
  return ImportSuite(actor, *suite);
}

StatusOr<evals::Task> EvaluationService::ReadTask(const Principal& actor,
                                                  const std::string& suite_hash,
                                                  const std::string& task_id) {
  evals::Task out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kSuiteContentRead, suite_hash));
    StatusOr<std::shared_ptr<const evals::Suite>> suite = SuiteIn(tx, suite_hash);
    if (suite.status().code() == StatusCode::kNotFound) {
      return NotFoundError("no suite " + suite_hash);
    }
    BW_RETURN_IF_ERROR(suite.status());
    const evals::Task* task = (*suite)->Find(task_id);
    if (task == nullptr) return NotFoundError("no task " + task_id + " in suite " + suite_hash);
    out = *task;
    out.flag.reset();
    out.checker.reset();
    out.solution.clear();
    for (evals::TaskService& service : out.services) service.files.clear();
    return Audit(tx, actor, "suite.content.read", suite_hash, d.grants, {{"task", task_id}});
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::string> EvaluationService::ReadTranscript(const Principal& actor,
                                                        const std::string& id, int64_t position) {
  std::string out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kSuiteContentRead, id));
    BW_RETURN_IF_ERROR(Load(tx, id).status());
    StatusOr<SecretBytes> transcript = secrets_.Get(tx, TranscriptRef(id, position));
    if (transcript.status().code() == StatusCode::kNotFound) {
      return NotFoundError("sample " + std::to_string(position) + " of " + id +
                           " has no transcript (not recorded yet)");
    }
    BW_RETURN_IF_ERROR(transcript.status());
    out = std::string(transcript->view());
    return Audit(tx, actor, "evaluation.transcript.read", id, d.grants,
                 {{"position", std::to_string(position)}});
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<StoredSuite>> EvaluationService::ListSuites(const Principal& actor) {
  std::vector<StoredSuite> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(
        Require(tx, actor, access::actions::kEvaluationRead, "eval_suites").status());
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kSuiteSelect) + " ORDER BY imported_at DESC"));
    for (const Row& r : rows) out.push_back(ReadSuite(r));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::shared_ptr<const evals::Policy>> EvaluationService::PolicyIn(
    Transaction& tx, const std::string& hash) {
  {
    std::lock_guard<std::mutex> lock(policies_mu_);
    auto it = policies_.find(hash);
    if (it != policies_.end()) return it->second;
  }
  BW_ASSIGN_OR_RETURN(SecretBytes text, secrets_.Get(tx, PolicyRef(hash)));
  BW_ASSIGN_OR_RETURN(evals::Policy policy, evals::ParsePolicy(text.view()));
  auto shared = std::make_shared<const evals::Policy>(std::move(policy));
  std::lock_guard<std::mutex> lock(policies_mu_);
  policies_.emplace(hash, shared);
  return shared;
}

StatusOr<std::shared_ptr<const evals::Suite>> EvaluationService::SuiteIn(Transaction& tx,
                                                                         const std::string& hash) {
  {
    std::lock_guard<std::mutex> lock(suites_mu_);
    auto it = suites_.find(hash);
    if (it != suites_.end()) return it->second;
  }
  BW_ASSIGN_OR_RETURN(SecretBytes document, secrets_.Get(tx, SuiteRef(hash)));
  BW_ASSIGN_OR_RETURN(evals::Suite suite, evals::DecodeSuite(document.view()));
  auto shared = std::make_shared<const evals::Suite>(std::move(suite));
  std::lock_guard<std::mutex> lock(suites_mu_);
  suites_.emplace(hash, shared);
  return shared;
}

StatusOr<std::shared_ptr<const SecretBytes>> EvaluationService::GatewayKeyIn(
    Transaction& tx, const std::string& evaluation_id, const std::string& key_id) {
  {
    std::lock_guard<std::mutex> lock(keys_mu_);
    auto it = keys_.find(key_id);
    if (it != keys_.end()) return it->second;
  }
  BW_ASSIGN_OR_RETURN(SecretBytes secret, secrets_.Get(tx, KeyRef(evaluation_id)));
  auto shared = std::make_shared<const SecretBytes>(std::move(secret));
  std::lock_guard<std::mutex> lock(keys_mu_);
  if (keys_.size() >= 256) keys_.clear();  // the keys of evaluations long over
  keys_.emplace(key_id, shared);
  return shared;
}

StatusOr<std::shared_ptr<evals::ModelProvider>> EvaluationService::ProviderFor(
    const std::string& key_id, const std::string& gateway_model, review::Provider protocol,
    const SecretBytes& key, const SampleRunnerOptions& options) {
  {
    std::lock_guard<std::mutex> lock(providers_mu_);
    auto it = providers_.find(key_id);
    if (it != providers_.end()) return it->second;
  }
  evals::ProviderConfig config;
  config.protocol = protocol == review::Provider::kAnthropic ? evals::Protocol::kAnthropic
                                                             : evals::Protocol::kOpenAi;
  config.base_url = options.gateway_url;
  config.model = gateway_model;
  config.api_key = std::string(key.view());
  config.request_timeout_s = options.request_timeout_s;
  config.max_retries = 3;
  // The worker's own concurrency bounds the calls; this keeps a connection for each of them.
  config.max_concurrency = kProviderConnections;
  BW_ASSIGN_OR_RETURN(std::unique_ptr<evals::ModelProvider> made, evals::NewModelProvider(config));
  std::shared_ptr<evals::ModelProvider> shared = std::move(made);
  std::lock_guard<std::mutex> lock(providers_mu_);
  if (providers_.size() >= 64) providers_.clear();  // the clients of evaluations long over
  return providers_.emplace(key_id, shared).first->second;
}

// ---- Starting and steering ----

StatusOr<review::Window> EvaluationService::OpenWindowOf(Transaction& tx,
                                                         const std::string& version_id) {
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query("SELECT id FROM review_windows WHERE version_id = ? AND "
                               "closed_at IS NULL ORDER BY starts_at DESC",
                               {version_id}));
  const Time now = clock_.Now();
  for (const Row& row : rows) {
    BW_ASSIGN_OR_RETURN(review::Window window, review_.WindowIn(tx, row.Text(0)));
    if (window.StateAt(now) == review::WindowState::kOpen) return window;
  }
  return Status(StatusCode::kFailedPrecondition,
                "the version has no open access window: the lab opens one for the review",
                {{"rule", "evaluation_needs_open_window"}});
}

StatusOr<review::IssuedGatewayKey> EvaluationService::IssueKey(const Principal& actor,
                                                               const std::string& window_id,
                                                               const std::string& evaluation_id) {
  BW_ASSIGN_OR_RETURN(review::PartnerGrant grant, review_.OpenOfficeAccess(actor, window_id));
  return review_.IssueGatewayKey(actor, grant.id, "evaluation " + evaluation_id, std::nullopt);
}

Status EvaluationService::EnqueueSamples(Transaction& tx, const Evaluation& evaluation) {
  BW_ASSIGN_OR_RETURN(store::ResultSet generation,
                      tx.Query("SELECT generation FROM evaluations WHERE id = ?", {evaluation.id}));
  const int64_t gen = generation.empty() ? 0 : generation[0].Int(0);
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query("SELECT position FROM eval_samples WHERE evaluation_id = ? AND "
                               "recorded_at IS NULL ORDER BY position",
                               {evaluation.id}));
  std::vector<jobs::JobSpec> specs;
  specs.reserve(rows.size());
  for (const Row& row : rows) {
    const int64_t position = row.Int(0);
    specs.push_back(jobs::JobSpec{
        .kind = std::string(kSampleJobKind),
        .payload = json::serialize(json::object{
            {"evaluation", evaluation.id}, {"position", position}, {"generation", gen}}),
        // Earlier positions first: the sequential rule reads results in this order.
        .priority = evaluation.samples_total - position,
        .idempotency_key =
            evaluation.id + "#" + std::to_string(gen) + "#" + std::to_string(position),
        .max_attempts = kSampleAttempts});
  }
  return queue_.EnqueueMany(tx, specs).status();
}

StatusOr<Evaluation> EvaluationService::Start(const Principal& actor, const StartRequest& request) {
  if (request.epochs < 1 || request.epochs > 100) {
    return Status(StatusCode::kInvalidArgument, "epochs must be from 1 to 100",
                  {{"field", "epochs"}});
  }
  // The version as the actor may see it (404 otherwise).
  BW_ASSIGN_OR_RETURN(review::ModelVersion version, review_.GetVersion(actor, request.version_id));
  const std::string id = NewId("evl");
  std::string window_id;
  std::string suite_hash = request.suite_hash;
  // What must hold before a key is issued, read once; checked again in the transaction.
  Status ready = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRun, id).status());
    BW_ASSIGN_OR_RETURN(review::Window window, OpenWindowOf(tx, version.id));
    window_id = window.id;
    return OkStatus();
  });
  if (!ready.ok()) return ready;
  BW_ASSIGN_OR_RETURN(review::IssuedGatewayKey key, IssueKey(actor, window_id, id));
  const uint64_t seed = request.seed.value_or(SecureRandom::Get().Uint64());
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, id));
    BW_ASSIGN_OR_RETURN(
        store::ResultSet registered,
        tx.Query(std::string(kPolicySelect) + " WHERE hash = ?", {request.policy_hash}));
    if (registered.empty()) {
      return Status(StatusCode::kFailedPrecondition,
                    "policy " + request.policy_hash +
                        " is not registered: an evaluation runs only under a policy registered "
                        "before it",
                    {{"field", "policy_hash"}, {"rule", "policy_preregistered"}});
    }
    BW_ASSIGN_OR_RETURN(std::shared_ptr<const evals::Policy> registered_policy,
                        PolicyIn(tx, request.policy_hash));
    const evals::Policy& policy = *registered_policy;
    if (suite_hash.empty()) {
      for (const evals::PolicySuite& named : policy.suites) {
        BW_ASSIGN_OR_RETURN(store::ResultSet found,
                            tx.Query("SELECT hash FROM eval_suites WHERE hash = ?", {named.hash}));
        if (!found.empty()) {
          suite_hash = named.hash;
          break;
        }
      }
      if (suite_hash.empty()) {
        return Status(StatusCode::kFailedPrecondition,
                      "none of the suites policy " + policy.id + " names is imported",
                      {{"rule", "policy_suite_imported"}});
      }
    } else if (std::none_of(policy.suites.begin(), policy.suites.end(),
                            [&](const evals::PolicySuite& n) { return n.hash == suite_hash; })) {
      return Status(StatusCode::kFailedPrecondition,
                    "policy " + policy.id + " does not name suite " + suite_hash +
                        " (a suite whose content changed is another suite)",
                    {{"field", "suite_hash"}, {"rule", "policy_names_suite"}});
    }
    if (request.epochs < policy.min_epochs) {
      return Status(StatusCode::kInvalidArgument,
                    "policy " + policy.id + " needs at least " + std::to_string(policy.min_epochs) +
                        " epochs",
                    {{"field", "epochs"}});
    }
    BW_ASSIGN_OR_RETURN(store::ResultSet stored,
                        tx.Query(std::string(kSuiteSelect) + " WHERE hash = ?", {suite_hash}));
    if (stored.empty()) {
      return Status(StatusCode::kFailedPrecondition, "suite " + suite_hash + " is not imported",
                    {{"field", "suite_hash"}});
    }
    if (const StoredSuite checked = ReadSuite(stored[0]); checked.validity != "valid") {
      return Status(StatusCode::kFailedPrecondition,
                    "suite " + checked.name + " " + checked.version +
                        (checked.validity == "checking"
                             ? " is still being checked (its tasks' validity checks run first)"
                             : " failed its tasks' validity checks: a policy runs only suites "
                               "whose every task is valid (see its validity report)"),
                    {{"field", "suite_hash"}, {"rule", "suite_validated"}});
    }
    StatusOr<std::shared_ptr<const evals::Suite>> suite = SuiteIn(tx, suite_hash);
    BW_RETURN_IF_ERROR(suite.status());
    BW_ASSIGN_OR_RETURN(review::Window window, OpenWindowOf(tx, version.id));
    if (window.id != window_id) return AbortedError("the version's window changed; try again");
    if (!request.inquiry_id.empty()) {
      BW_ASSIGN_OR_RETURN(review::Inquiry inquiry, review_.InquiryIn(tx, request.inquiry_id));
      if (inquiry.version_id != version.id) {
        return Status(StatusCode::kInvalidArgument, "the inquiry is about another version",
                      {{"field", "inquiry_id"}});
      }
      if (inquiry.state != review::InquiryState::kUnderEvaluation) {
        BW_RETURN_IF_ERROR(
            review_.MoveInquiryIn(tx, inquiry.id, review::InquiryState::kUnderEvaluation));
      }
    }
    std::vector<std::string> task_ids;
    for (const evals::Task& task : (*suite)->tasks) task_ids.push_back(task.id);
    const auto order = SampleOrder(task_ids, request.epochs, seed);
    const int64_t now = ToUnixMicros(clock_.Now());
    BW_RETURN_IF_ERROR(
        tx.Execute(
              "INSERT INTO evaluations (id, version_id, window_id, inquiry_id, policy_hash, "
              "suite_hash, epochs, seed, generation, state, pause_reason, key_id, samples_total, "
              "samples_done, samples_passed, infrastructure_errors, prefix_done, started_by, "
              "started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,0,'running','',?,?,0,0,0,0,?,?,?)",
              {id, version.id, window.id,
               request.inquiry_id.empty() ? Value{} : Value{request.inquiry_id},
               request.policy_hash, suite_hash, request.epochs, static_cast<int64_t>(seed),
               key.key.id, static_cast<int64_t>(order.size()), actor.user_id, now, now})
            .status());
    constexpr size_t kRowsPerInsert = 200;
    for (size_t start = 0; start < order.size(); start += kRowsPerInsert) {
      const size_t end = std::min(order.size(), start + kRowsPerInsert);
      std::string sql =
          "INSERT INTO eval_samples (evaluation_id, position, task_id, epoch, "
          "infrastructure_errors, last_error) VALUES ";
      std::vector<Value> params;
      for (size_t i = start; i < end; ++i) {
        sql += i == start ? "(?,?,?,?,0,'')" : ",(?,?,?,?,0,'')";
        params.insert(params.end(), {id, static_cast<int64_t>(i), order[i].first, order[i].second});
      }
      BW_RETURN_IF_ERROR(tx.Execute(sql, params).status());
    }
    BW_RETURN_IF_ERROR(secrets_.Put(tx, KeyRef(id), key.secret));
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    BW_RETURN_IF_ERROR(EnqueueSamples(tx, out));
    return Audit(tx, actor, "evaluation.start", id, d.grants,
                 {{"version", version.id},
                  {"window", window.id},
                  {"policy", request.policy_hash},
                  {"suite", suite_hash},
                  {"epochs", std::to_string(request.epochs)},
                  {"seed", std::to_string(seed)},
                  {"samples", std::to_string(order.size())},
                  {"inquiry", request.inquiry_id}});
  });
  if (!s.ok()) {
    // The key was issued for nothing: it goes.
    Status revoked = review_.RevokeGatewayKey(actor, key.key.id).status();
    if (!revoked.ok()) {
      Log(LogLevel::kError, "could not revoke an evaluation's unused key",
          {{"key", key.key.id}, {"error", revoked.ToString()}});
    }
    return s;
  }
  return out;
}

StatusOr<Evaluation> EvaluationService::Get(const Principal& actor, const std::string& id) {
  Evaluation out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRead, id).status());
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<std::vector<Evaluation>> EvaluationService::List(const Principal& actor) {
  std::vector<Evaluation> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(
        Require(tx, actor, access::actions::kEvaluationRead, "evaluations").status());
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query(std::string(kEvaluationSelect) + " ORDER BY e.started_at DESC, e.id LIMIT 500"));
    for (const Row& r : rows) out.push_back(ReadEvaluation(r).e);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<SamplePage> EvaluationService::Samples(const Principal& actor, const std::string& id,
                                                int64_t from, int limit) {
  if (from < 0) {
    return Status(StatusCode::kInvalidArgument, "a sample's position is 0 or more",
                  {{"parameter", "cursor"}});
  }
  if (limit < 1 || limit > kMaxSamplePage) {
    return Status(StatusCode::kInvalidArgument,
                  "limit is from 1 to " + std::to_string(kMaxSamplePage) + " samples",
                  {{"parameter", "limit"}});
  }
  SamplePage out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    out = {};
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRead, id).status());
    BW_RETURN_IF_ERROR(Load(tx, id).status());
    // One more than asked for says whether a next page exists.
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query(std::string(kSampleSelect) + " WHERE evaluation_id = ? AND position >= ? ORDER BY "
                                              "position LIMIT ?",
                 {id, from, int64_t{limit} + 1}));
    for (const Row& r : rows) out.items.push_back(ReadSample(r));
    if (out.items.size() > static_cast<size_t>(limit)) {
      out.next = out.items.back().position;
      out.items.pop_back();
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<evals::Report> EvaluationService::ReportOf(const Principal& actor, const std::string& id,
                                                    const evals::ReportOptions& options) {
  evals::RunLogContents run;
  std::shared_ptr<const evals::Suite> suite;
  std::shared_ptr<const evals::Policy> policy;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRead, id).status());
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_ASSIGN_OR_RETURN(suite, SuiteIn(tx, e.suite_hash));
    BW_ASSIGN_OR_RETURN(policy, PolicyIn(tx, e.policy_hash));
    const int64_t upto = e.outcome.empty() ? e.prefix_done : e.samples_used;
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kSampleSelect) +
                                     " WHERE evaluation_id = ? AND position < ? ORDER BY position",
                                 {id, upto}));
    run.header.suite = suite->name;
    run.header.suite_version = suite->version;
    run.header.suite_hash = e.suite_hash;
    run.header.provider = e.gateway_protocol;
    run.header.model = e.gateway_model;
    run.header.epochs = static_cast<int>(e.epochs);
    run.header.started_at = FormatRfc3339(e.started_at);
    for (const Row& r : rows) {
      const EvaluationSample sample = ReadSample(r);
      evals::SampleSummary& summary = run.latest.emplace_back();
      summary.task_id = sample.task_id;
      summary.epoch = static_cast<int>(sample.epoch);
      summary.end = sample.end;
      summary.passed = sample.passed;
      summary.score = sample.passed ? 1 : 0;
      summary.attempts = static_cast<int>(sample.attempts);
      summary.messages = static_cast<int>(sample.messages);
      summary.input_tokens = sample.input_tokens;
      summary.output_tokens = sample.output_tokens;
      summary.seconds = static_cast<double>(sample.milliseconds) / 1000;
    }
    run.records = run.latest.size();
    return OkStatus();
  });
  if (!s.ok()) return s;
  return evals::BuildReport(run, suite.get(), policy.get(), options);
}

namespace {

StatusOr<evals::SampleEnd> SampleEndNamed(std::string_view name) {
  for (evals::SampleEnd end :
       {evals::SampleEnd::kPassed, evals::SampleEnd::kWrongAnswers, evals::SampleEnd::kMessageLimit,
        evals::SampleEnd::kTokenLimit, evals::SampleEnd::kTimeLimit,
        evals::SampleEnd::kProviderError, evals::SampleEnd::kSandboxError}) {
    if (evals::SampleEndName(end) == name) return end;
  }
  return DataLossError("a recorded sample ends \"" + std::string(name) + "\", which is no end");
}

// A transcript as TranscriptJson wrote it.
StatusOr<std::vector<evals::TranscriptEntry>> ParseTranscript(std::string_view text) {
  BW_ASSIGN_OR_RETURN(json::value parsed, ParseJson(text));
  if (!parsed.is_array()) return DataLossError("a stored transcript is not a JSON array");
  std::vector<evals::TranscriptEntry> out;
  for (const json::value& v : parsed.as_array()) {
    if (!v.is_object()) return DataLossError("a stored transcript entry is not an object");
    const json::object& o = v.as_object();
    evals::TranscriptEntry& t = out.emplace_back();
    auto text_of = [&](const char* key) -> std::string {
      const json::value* f = o.if_contains(key);
      return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
    };
    t.kind = text_of("kind");
    t.text = text_of("text");
    t.tool = text_of("tool");
    t.call_id = text_of("call_id");
    if (const json::value* f = o.if_contains("exit_code"); f != nullptr && f->is_int64()) {
      t.exit_code = static_cast<int>(f->as_int64());
    }
    if (const json::value* f = o.if_contains("timed_out"); f != nullptr && f->is_bool()) {
      t.timed_out = f->as_bool();
    }
  }
  return out;
}

}  // namespace

Status EvaluationService::ExportRunLog(const Principal& actor, const std::string& id,
                                       const std::string& path) {
  std::vector<evals::SampleResult> results;
  evals::RunHeader header;
  std::string lines;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    results.clear();
    lines.clear();
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kSuiteContentRead, id));
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_ASSIGN_OR_RETURN(std::shared_ptr<const evals::Suite> suite, SuiteIn(tx, e.suite_hash));
    const int64_t upto = e.outcome.empty() ? e.prefix_done : e.samples_used;
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kSampleSelect) +
                                     " WHERE evaluation_id = ? AND position < ? ORDER BY position",
                                 {id, upto}));
    header.suite = suite->name;
    header.suite_version = suite->version;
    header.suite_hash = e.suite_hash;
    header.provider = e.gateway_protocol;
    header.model = e.gateway_model;
    header.epochs = static_cast<int>(e.epochs);
    header.started_at = FormatRfc3339(e.started_at);
    for (const Row& r : rows) {
      const EvaluationSample sample = ReadSample(r);
      evals::SampleResult& result = results.emplace_back();
      result.task_id = sample.task_id;
      result.epoch = static_cast<int>(sample.epoch);
      BW_ASSIGN_OR_RETURN(result.end, SampleEndNamed(sample.end));
      result.passed = sample.passed;
      result.score = sample.passed ? 1 : 0;
      result.attempts = static_cast<int>(sample.attempts);
      result.messages = static_cast<int>(sample.messages);
      result.usage = {sample.input_tokens, sample.output_tokens};
      result.seconds = static_cast<double>(sample.milliseconds) / 1000;
      BW_ASSIGN_OR_RETURN(SecretBytes transcript,
                          secrets_.Get(tx, TranscriptRef(id, sample.position)));
      BW_ASSIGN_OR_RETURN(result.transcript, ParseTranscript(transcript.view()));
      lines += SampleLine(sample);
    }
    return Audit(tx, actor, "evaluation.run_log.export", id, d.grants,
                 {{"samples", std::to_string(results.size())},
                  {"samples_sha256", "sha256:" + Sha256Hex(lines)}});
  });
  if (!s.ok()) return s;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return AlreadyExistsError(path + " exists already");
  BW_ASSIGN_OR_RETURN(std::unique_ptr<evals::RunLog> log, evals::RunLog::Open(path, header));
  for (const evals::SampleResult& result : results) BW_RETURN_IF_ERROR(log->Append(result));
  return OkStatus();
}

Status EvaluationService::PauseIn(Transaction& tx, const Evaluation& evaluation,
                                  const std::string& reason, const Principal& actor) {
  BW_RETURN_IF_ERROR(CheckTransition(evaluation.state, EvaluationState::kPaused));
  BW_RETURN_IF_ERROR(tx.Execute("UPDATE evaluations SET state = 'paused', pause_reason = ?, "
                                "updated_at = ? WHERE id = ? AND state = 'running'",
                                {reason, ToUnixMicros(clock_.Now()), evaluation.id})
                         .status());
  return Audit(tx, actor, "evaluation.pause", evaluation.id, {}, {{"reason", reason}});
}

StatusOr<Evaluation> EvaluationService::Pause(const Principal& actor, const std::string& id) {
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRun, id).status());
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_RETURN_IF_ERROR(PauseIn(tx, e, "paused by an evaluator", actor));
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Evaluation> EvaluationService::Resume(const Principal& actor, const std::string& id) {
  // A key for the version's open window, unless the evaluation's own still reaches it.
  std::string window_id;
  bool new_key = false;
  Status ready = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kEvaluationRun, id).status());
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kEvaluationSelect) + " WHERE e.id = ?", {id}));
    if (rows.empty()) return NotFoundError("no evaluation " + id);
    const Stored stored = ReadEvaluation(rows[0]);
    BW_RETURN_IF_ERROR(CheckTransition(stored.e.state, EvaluationState::kRunning));
    BW_ASSIGN_OR_RETURN(review::Window window, OpenWindowOf(tx, stored.e.version_id));
    window_id = window.id;
    BW_ASSIGN_OR_RETURN(
        store::ResultSet key,
        tx.Query("SELECT revoked_at FROM gateway_keys WHERE id = ?", {stored.key_id}));
    new_key = window.id != stored.e.window_id || key.empty() || !key[0].IsNull(0);
    return OkStatus();
  });
  if (!ready.ok()) return ready;
  std::optional<review::IssuedGatewayKey> key;
  if (new_key) {
    BW_ASSIGN_OR_RETURN(review::IssuedGatewayKey issued, IssueKey(actor, window_id, id));
    key = std::move(issued);
  }
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, id));
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_RETURN_IF_ERROR(CheckTransition(e.state, EvaluationState::kRunning));
    const int64_t now = ToUnixMicros(clock_.Now());
    if (key) {
      BW_RETURN_IF_ERROR(tx.Execute("UPDATE evaluations SET window_id = ?, key_id = ? WHERE id = ?",
                                    {window_id, key->key.id, id})
                             .status());
      BW_RETURN_IF_ERROR(secrets_.Put(tx, KeyRef(id), key->secret));
    }
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE evaluations SET state = 'running', pause_reason = '', "
                                  "generation = generation + 1, updated_at = ? WHERE id = ?",
                                  {now, id})
                           .status());
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    BW_RETURN_IF_ERROR(EnqueueSamples(tx, out));
    return Audit(tx, actor, "evaluation.resume", id, d.grants, {{"window", window_id}});
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Evaluation> EvaluationService::Cancel(const Principal& actor, const std::string& id) {
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, id));
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kEvaluationSelect) + " WHERE e.id = ?", {id}));
    if (rows.empty()) return NotFoundError("no evaluation " + id);
    const Stored stored = ReadEvaluation(rows[0]);
    BW_RETURN_IF_ERROR(CheckTransition(stored.e.state, EvaluationState::kCancelled));
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE evaluations SET state = 'cancelled', updated_at = ? "
                                  "WHERE id = ?",
                                  {ToUnixMicros(clock_.Now()), id})
                           .status());
    BW_RETURN_IF_ERROR(review_.RevokeKeyIn(tx, stored.key_id, actor.user_id));
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    return Audit(tx, actor, "evaluation.cancel", id, d.grants);
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Evaluation> EvaluationService::Recommend(const Principal& actor, const std::string& id,
                                                  const std::string& recommendation,
                                                  const std::string& rationale) {
  BW_RETURN_IF_ERROR(ValidateText(rationale, "rationale", 10, 20000));
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationRun, id));
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_RETURN_IF_ERROR(CheckTransition(e.state, EvaluationState::kRecommended));
    BW_RETURN_IF_ERROR(CheckRecommendation(e.outcome, recommendation));
    const int64_t now = ToUnixMicros(clock_.Now());
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE evaluations SET state = 'recommended', recommendation = ?, "
                   "rationale = ?, recommended_by = ?, recommended_at = ?, updated_at = ? WHERE "
                   "id = ? AND state = 'completed'",
                   {recommendation, rationale, actor.user_id, now, now, id})
            .status());
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    return Audit(tx, actor, "evaluation.recommend", id, d.grants,
                 {{"recommendation", recommendation},
                  {"outcome", e.outcome},
                  {"rationale_sha256", Sha256Hex(rationale)}});
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Evaluation> EvaluationService::Designate(const Principal& actor, const std::string& id,
                                                  const std::string& note) {
  if (!note.empty()) BW_RETURN_IF_ERROR(ValidateText(note, "note", 1, 20000));
  Evaluation out;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(access::Decision d,
                        Require(tx, actor, access::actions::kEvaluationDesignate, id));
    BW_ASSIGN_OR_RETURN(Evaluation e, Load(tx, id));
    BW_RETURN_IF_ERROR(CheckTransition(e.state, EvaluationState::kDesignated));
    if (e.recommended_by == actor.user_id) {
      return Status(StatusCode::kPermissionDenied,
                    "the person who recommended does not designate: another director does",
                    {{"rule", "separation_of_duties"}});
    }
    const int64_t now = ToUnixMicros(clock_.Now());
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE evaluations SET state = 'designated', designated_by = ?, "
                   "designated_at = ?, designation_note = ?, updated_at = ? WHERE id = ? AND "
                   "state = 'recommended'",
                   {actor.user_id, now, note, now, id})
            .status());
    const std::string policy_ref = PolicyReference(e.policy_hash);
    if (!e.inquiry_id.empty()) {
      BW_RETURN_IF_ERROR(review_.MoveInquiryIn(tx, e.inquiry_id, review::InquiryState::kAnswered,
                                               e.recommendation, policy_ref, e.id));
    }
    BW_ASSIGN_OR_RETURN(out, Load(tx, id));
    // The designation: covered by the ledger's signed checkpoints from the next one on.
    return Audit(tx, actor, "evaluation.designate", id, d.grants,
                 {{"designation", e.recommendation},
                  {"version", e.version_id},
                  {"inquiry", e.inquiry_id},
                  {"policy", e.policy_hash},
                  {"policy_ref", policy_ref},
                  {"suite", e.suite_hash},
                  {"outcome", e.outcome},
                  {"samples_used", std::to_string(e.samples_used)},
                  {"samples_sha256", e.samples_sha256},
                  {"recommended_by", e.recommended_by}});
  });
  if (!s.ok()) return s;
  return out;
}

// ---- The worker's side ----

Status EvaluationService::Advance(Transaction& tx, const std::string& id, int64_t prefix_before,
                                  const Row& evaluation) {
  if (ParseEvaluationState(evaluation.Text(0)) != EvaluationState::kRunning) return OkStatus();
  int64_t prefix = evaluation.Int(1);
  const int64_t total = evaluation.Int(2);
  const std::string policy_hash = evaluation.Text(3);
  const std::string suite_hash = evaluation.Text(4);
  if (prefix == prefix_before) return OkStatus();
  if (prefix == prefix_before + kPrefixProbe && prefix < total) {
    // Every position probed was recorded (samples recorded while the evaluation was paused, or
    // a long run finished out of order): on to the first one that is not.
    int64_t end = prefix;
    for (bool recorded = true; recorded && end < total;) {
      BW_ASSIGN_OR_RETURN(store::ResultSet row,
                          tx.Query("SELECT recorded_at FROM eval_samples WHERE evaluation_id = ? "
                                   "AND position = ?",
                                   {id, end}));
      recorded = !row.empty() && !row[0].IsNull(0);
      if (recorded) ++end;
    }
    if (end != prefix) {
      BW_RETURN_IF_ERROR(
          tx.Execute("UPDATE evaluations SET prefix_done = ? WHERE id = ?", {end, id}).status());
      prefix = end;
    }
  }
  BW_ASSIGN_OR_RETURN(std::shared_ptr<const evals::Policy> policy, PolicyIn(tx, policy_hash));
  BW_ASSIGN_OR_RETURN(std::shared_ptr<const evals::Suite> suite, SuiteIn(tx, suite_hash));
  // The samples before `end`, in order, as the decision and the samples' hash read them.
  const auto samples_before = [&](int64_t end) -> StatusOr<std::vector<EvaluationSample>> {
    BW_ASSIGN_OR_RETURN(store::ResultSet recorded,
                        tx.Query(std::string(kSampleSelect) +
                                     " WHERE evaluation_id = ? AND position < ? ORDER BY position",
                                 {id, end}));
    std::vector<EvaluationSample> samples;
    samples.reserve(recorded.size());
    for (const Row& r : recorded) samples.push_back(ReadSample(r));
    return samples;
  };
  std::vector<EvaluationSample> samples;
  evals::Decision decision;
  if (!policy->sequential) {
    if (prefix < total) return OkStatus();
    BW_ASSIGN_OR_RETURN(samples, samples_before(prefix));
    evals::RunLogContents run;
    run.header.suite = suite->name;
    run.header.suite_hash = suite_hash;
    for (const EvaluationSample& sample : samples) run.latest.push_back(SummaryOf(sample));
    BW_ASSIGN_OR_RETURN(decision, evals::Decide(*policy, run, suite.get()));
  } else {
    // The decider goes on from where this process last looked, over the samples recorded since.
    std::optional<SequentialProgress> progress;
    {
      std::lock_guard<std::mutex> lock(progress_mu_);
      auto it = progress_.find(id);
      if (it != progress_.end() && it->second.position <= prefix_before) progress = it->second;
    }
    if (!progress) {
      progress =
          SequentialProgress{policy, suite, 0, evals::SequentialDecider(*policy, suite.get())};
    }
    BW_ASSIGN_OR_RETURN(store::ResultSet recorded,
                        tx.Query("SELECT position, task_id, epoch, sample_end, passed FROM "
                                 "eval_samples WHERE evaluation_id = ? AND position >= ? AND "
                                 "position < ? ORDER BY position",
                                 {id, progress->position, prefix}));
    std::optional<SequentialProgress> committed;  // over the samples others' commits recorded
    for (const Row& r : recorded) {
      if (r.Int(0) == prefix_before) committed = progress;
      evals::SampleSummary summary;
      summary.task_id = r.Text(1);
      summary.epoch = static_cast<int>(r.Int(2));
      summary.end = r.Text(3);
      summary.passed = r.Int(4) != 0;
      summary.score = summary.passed ? 1 : 0;
      progress->position = r.Int(0) + 1;
      if (!progress->decider.Add(summary)) break;
    }
    {
      std::lock_guard<std::mutex> lock(progress_mu_);
      if (progress->decider.decided() || prefix == total) {
        progress_.erase(id);
      } else if (committed) {
        // Evaluations paused or cancelled leave theirs behind; a process holds a few.
        if (progress_.size() >= 64 && !progress_.contains(id)) progress_.clear();
        progress_.insert_or_assign(id, *committed);
      }
    }
    if (!progress->decider.decided() && prefix < total) return OkStatus();  // it goes on
    BW_ASSIGN_OR_RETURN(samples, samples_before(progress->position));
    std::vector<evals::SampleSummary> summaries;
    summaries.reserve(samples.size());
    for (const EvaluationSample& sample : samples) summaries.push_back(SummaryOf(sample));
    decision = progress->decider.Finish(summaries);
  }
  const int64_t used = decision.sequential ? decision.samples_used : prefix;
  std::string lines;
  for (int64_t i = 0; i < used && i < static_cast<int64_t>(samples.size()); ++i) {
    lines += SampleLine(samples[static_cast<size_t>(i)]);
  }
  const std::string samples_sha256 = "sha256:" + Sha256Hex(lines);
  const std::string outcome(evals::OutcomeName(decision.outcome));
  const int64_t now = ToUnixMicros(clock_.Now());
  BW_RETURN_IF_ERROR(
      tx.Execute("UPDATE evaluations SET state = 'completed', outcome = ?, samples_used = ?, "
                 "decision = ?, samples_sha256 = ?, completed_at = ?, updated_at = ? WHERE id = ?",
                 {outcome, used, DecisionJson(*policy, decision), samples_sha256, now, now, id})
          .status());
  // No more calls: the evaluation's key goes with its end.
  BW_RETURN_IF_ERROR(review_.RevokeKeyIn(tx, evaluation.Text(5), evaluation.Text(6)));
  return Audit(tx, access::SystemPrincipal(), "evaluation.complete", id, {},
               {{"outcome", outcome},
                {"policy", policy_hash},
                {"samples_used", std::to_string(used)},
                {"samples_total", std::to_string(total)},
                {"samples_sha256", samples_sha256}});
}

Status EvaluationService::RunSample(const jobs::Job& job, jobs::JobContext& ctx,
                                    const SampleRunnerOptions& options) {
  StatusOr<json::value> payload = ParseJson(job.payload);
  if (!payload.ok()) return InvalidArgumentError("the payload is not JSON");
  JsonFields f(*payload, "sample job");
  const std::string id = f.String("evaluation");
  const int64_t position = f.OptionalInt("position").value_or(-1);
  const int64_t generation = f.OptionalInt("generation").value_or(-1);
  BW_RETURN_IF_ERROR(f.Finish());

  // What the sample needs, read in one transaction; nothing to do when the evaluation moved on.
  EvaluationSample sample;
  std::string gateway_model;
  review::Provider protocol = review::Provider::kOpenAi;
  std::shared_ptr<const evals::Suite> suite;
  std::shared_ptr<const SecretBytes> key;
  std::string key_id;
  review::Window window;
  bool skip = false;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        store::ResultSet rows,
        tx.Query("SELECT e.state, e.generation, e.window_id, e.suite_hash, e.key_id, m.name, "
                 "v.version, v.provider, s.task_id, s.epoch, s.recorded_at FROM evaluations e "
                 "JOIN model_versions v ON v.id = e.version_id JOIN review_models m ON m.id = "
                 "v.model_id JOIN eval_samples s ON s.evaluation_id = e.id WHERE e.id = ? AND "
                 "s.position = ?",
                 {id, position}));
    if (rows.empty()) {
      BW_ASSIGN_OR_RETURN(store::ResultSet found,
                          tx.Query("SELECT id FROM evaluations WHERE id = ?", {id}));
      return FailedPreconditionError(found.empty() ? "no evaluation " + id : "no such sample");
    }
    const Row& r = rows[0];
    sample.position = position;
    sample.task_id = r.Text(8);
    sample.epoch = r.Int(9);
    skip = ParseEvaluationState(r.Text(0)) != EvaluationState::kRunning || r.Int(1) != generation ||
           !r.IsNull(10);
    if (skip) return OkStatus();
    gateway_model = review::ModelId(r.Text(5), r.Text(6));
    protocol = review::ParseProvider(r.Text(7)).value_or(review::Provider::kOpenAi);
    BW_ASSIGN_OR_RETURN(window, review_.WindowIn(tx, r.Text(2)));
    BW_ASSIGN_OR_RETURN(suite, SuiteIn(tx, r.Text(3)));
    key_id = r.Text(4);
    BW_ASSIGN_OR_RETURN(key, GatewayKeyIn(tx, id, key_id));
    return OkStatus();
  }));
  if (skip) return OkStatus();
  const auto pause_for_window = [&]() -> Status {
    std::string reason = "the access window is not open";
    if (window.StateAt(clock_.Now()) == review::WindowState::kClosed) {
      reason = window.close_reason
                   ? "the access window closed (" +
                         std::string(review::CloseReasonName(*window.close_reason)) + ")"
                   : "the access window closed (ended)";
    }
    return db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(Evaluation now, Load(tx, id));
      if (now.state != EvaluationState::kRunning) return OkStatus();
      return PauseIn(tx, now, reason, access::SystemPrincipal());
    });
  };
  if (window.StateAt(clock_.Now()) != review::WindowState::kOpen) return pause_for_window();
  const evals::Task* task = suite->Find(sample.task_id);
  if (task == nullptr) return FailedPreconditionError("the suite has no task " + sample.task_id);

  BW_ASSIGN_OR_RETURN(std::shared_ptr<evals::ModelProvider> provider,
                      ProviderFor(key_id, gateway_model, protocol, *key, options));
  const evals::SampleResult result = evals::RunSample(*task, static_cast<int>(sample.epoch),
                                                      *provider, options.sandboxes, options.agent);

  if (evals::IsInfrastructureError(result.end)) {
    // Never the model's failure: counted apart and tried again; the window may have closed.
    bool stop = false;  // no retry: paused, or not needed any more
    Status noted = db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      stop = false;
      BW_ASSIGN_OR_RETURN(Evaluation now, Load(tx, id));
      // Decided, paused or cancelled meanwhile (its key revoked): the sample is not needed now.
      if (now.state != EvaluationState::kRunning) {
        stop = true;
        return OkStatus();
      }
      BW_RETURN_IF_ERROR(
          tx.Execute("UPDATE eval_samples SET infrastructure_errors = infrastructure_errors + 1, "
                     "last_error = ? WHERE evaluation_id = ? AND position = ? AND recorded_at IS "
                     "NULL",
                     {result.error_message.substr(0, 2000), id, position})
              .status());
      BW_RETURN_IF_ERROR(tx.Execute("UPDATE evaluations SET infrastructure_errors = "
                                    "infrastructure_errors + 1, updated_at = ? WHERE id = ?",
                                    {ToUnixMicros(clock_.Now()), id})
                             .status());
      BW_ASSIGN_OR_RETURN(review::Window current, review_.WindowIn(tx, now.window_id));
      if (current.StateAt(clock_.Now()) != review::WindowState::kOpen) {
        window = current;
        return OkStatus();
      }
      if (job.attempts >= kSampleAttempts) {
        stop = true;
        return PauseIn(tx, now,
                       "sample " + sample.task_id + "#" + std::to_string(sample.epoch) +
                           " failed on infrastructure " + std::to_string(job.attempts) +
                           " times: " + result.error_message.substr(0, 500),
                       access::SystemPrincipal());
      }
      return OkStatus();
    });
    BW_RETURN_IF_ERROR(noted);
    if (window.StateAt(clock_.Now()) != review::WindowState::kOpen) return pause_for_window();
    if (stop) return OkStatus();
    return UnavailableError("sample " + sample.task_id + "#" + std::to_string(sample.epoch) + ": " +
                            std::string(evals::SampleEndName(result.end)) + ": " +
                            result.error_message);
  }

  const std::string transcript = TranscriptJson(result);
  // At READ COMMITTED (kQueue): the samples' transactions take their evaluation's row before
  // they read what the others recorded, and queue there for a moment, rather than all but one
  // failing at SERIALIZABLE and running again.
  return ctx.Commit(
      [&](Transaction& tx) -> Status {
        BW_ASSIGN_OR_RETURN(
            int64_t changed,
            tx.Execute(
                "UPDATE eval_samples SET sample_end = ?, passed = ?, attempts = ?, "
                "messages = ?, input_tokens = ?, output_tokens = ?, milliseconds = ?, "
                "transcript_sha256 = ?, recorded_at = ? WHERE evaluation_id = ? AND "
                "position = ? AND recorded_at IS NULL",
                {std::string(evals::SampleEndName(result.end)), int64_t{result.passed},
                 int64_t{result.attempts}, int64_t{result.messages}, result.usage.input_tokens,
                 result.usage.output_tokens, static_cast<int64_t>(result.seconds * 1000),
                 "sha256:" + Sha256Hex(transcript), ToUnixMicros(clock_.Now()), id, position}));
        if (changed == 0) return OkStatus();  // recorded already: a result counts once
        BW_RETURN_IF_ERROR(secrets_.Put(tx, TranscriptRef(id, position), transcript));
        // The evaluation's row, taken last: the samples' transactions wait for one another there,
        // briefly, and what the others recorded before is then all committed.
        BW_ASSIGN_OR_RETURN(
            store::ResultSet locked,
            tx.Query(std::string("SELECT state, prefix_done FROM evaluations WHERE id = ?") +
                         (db_.backend() == store::Backend::kPostgres ? " FOR UPDATE" : ""),
                     {id}));
        if (locked.empty()) return NotFoundError("no evaluation " + id);
        const int64_t prefix_before = locked[0].Int(1);
        const bool running = ParseEvaluationState(locked[0].Text(0)) == EvaluationState::kRunning;
        // The gap-free prefix moves on while the evaluation runs: to the first of the next
        // positions that is not recorded, each looked up by its key (a plan that no planner
        // statistics change), in the update itself.
        std::string sql =
            "UPDATE evaluations SET samples_done = samples_done + 1, "
            "samples_passed = samples_passed + ?, updated_at = ?";
        std::vector<Value> params = {int64_t{result.passed}, ToUnixMicros(clock_.Now())};
        if (running) {
          sql += ", prefix_done = CASE";
          for (int64_t i = 0; i < kPrefixProbe; ++i) {
            sql +=
                " WHEN NOT EXISTS (SELECT 1 FROM eval_samples WHERE evaluation_id = ? AND "
                "position = ? AND recorded_at IS NOT NULL) THEN CAST(? AS BIGINT)";
            params.insert(params.end(), {id, prefix_before + i, prefix_before + i});
          }
          sql += " ELSE CAST(? AS BIGINT) END";
          params.push_back(prefix_before + kPrefixProbe);
        }
        sql +=
            " WHERE id = ? RETURNING state, prefix_done, samples_total, policy_hash, suite_hash, "
            "key_id, started_by";
        params.push_back(id);
        BW_ASSIGN_OR_RETURN(store::ResultSet evaluation, tx.Query(sql, params));
        if (evaluation.empty()) return NotFoundError("no evaluation " + id);
        return Advance(tx, id, prefix_before, evaluation[0]);
      },
      TxMode::kQueue);
}

StatusOr<int64_t> EvaluationService::SweepAccess() {
  int64_t paused = 0;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    paused = 0;
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query(std::string(kEvaluationSelect) + " WHERE e.state = 'running'"));
    const Time now = clock_.Now();
    for (const Row& row : rows) {
      const Evaluation e = ReadEvaluation(row).e;
      BW_ASSIGN_OR_RETURN(review::Window window, review_.WindowIn(tx, e.window_id));
      if (window.StateAt(now) == review::WindowState::kOpen) continue;
      const std::string reason =
          window.close_reason ? "the access window closed (" +
                                    std::string(review::CloseReasonName(*window.close_reason)) + ")"
                              : "the access window closed (ended)";
      BW_RETURN_IF_ERROR(PauseIn(tx, e, reason, access::SystemPrincipal()));
      ++paused;
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return paused;
}

Status EvaluationService::CheckSuite(const jobs::Job& job, jobs::JobContext& ctx,
                                     const SampleRunnerOptions& options) {
  StatusOr<json::value> payload = ParseJson(job.payload);
  if (!payload.ok()) return InvalidArgumentError("the payload is not JSON");
  JsonFields f(*payload, "validity job");
  const std::string hash = f.String("suite");
  BW_RETURN_IF_ERROR(f.Finish());
  std::shared_ptr<const evals::Suite> suite;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(suite, SuiteIn(tx, hash));
    return OkStatus();
  }));
  evals::ValidityOptions validity;
  validity.concurrency = 2;
  validity.agent = options.agent;
  BW_ASSIGN_OR_RETURN(evals::ValidityReport report,
                      evals::CheckTaskValidity(*suite, options.sandboxes, validity, {}));
  const int errors = report.Count(evals::Verdict::kError);
  const int invalid = report.Count(evals::Verdict::kInvalid);
  if (invalid == 0 && errors > 0 && job.attempts < job.max_attempts) {
    // The sandbox failed on some task: not the suite's fault; checked again.
    return UnavailableError("the validity checks of " + std::to_string(errors) +
                            " tasks met an infrastructure error");
  }
  const std::string verdict = invalid > 0 ? "invalid" : errors > 0 ? "error" : "valid";
  return ctx.Commit([&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE eval_suites SET validity = ?, validity_report = ?, "
                                  "checked_at = ? WHERE hash = ?",
                                  {verdict, json::serialize(evals::ValidityReportJson(report)),
                                   ToUnixMicros(clock_.Now()), hash})
                           .status());
    return Audit(tx, access::SystemPrincipal(), "evaluation.suite.check", hash, {},
                 {{"validity", verdict},
                  {"valid", std::to_string(report.Count(evals::Verdict::kValid))},
                  {"invalid", std::to_string(invalid)},
                  {"error", std::to_string(errors)}});
  });
}

Status EvaluationService::RegisterJobs(jobs::Worker& worker, const SampleRunnerOptions& options) {
  worker.Register(std::string(kValidateJobKind),
                  [this, &options](const jobs::Job& job, jobs::JobContext& ctx) {
                    return CheckSuite(job, ctx, options);
                  });
  worker.Register(std::string(kSampleJobKind),
                  [this, &options](const jobs::Job& job, jobs::JobContext& ctx) {
                    return RunSample(job, ctx, options);
                  });
  worker.Register(std::string(kSweepJobKind), [this](const jobs::Job&, jobs::JobContext&) {
    StatusOr<int64_t> paused = SweepAccess();
    if (paused.ok() && *paused > 0) {
      Log(LogLevel::kInfo, "evaluations paused: their window closed",
          {{"evaluations", std::to_string(*paused)}});
    }
    return paused.status();
  });
  return worker.EnsureSchedule("evaluations-sweep", std::string(kSweepJobKind), "{}", Minutes(1));
}

}  // namespace bulwark::evaluations
