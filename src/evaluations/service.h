// EvaluationService: the server side of designation. Evaluators register threshold policies
// before any run may use them (pre-registration: a policy is named by the hash of its bytes and
// never changes), import suites (kept encrypted), and start evaluations of a model version under
// a policy. An evaluation's samples run as jobs (kSampleJobKind) on any worker, through the
// gateway, under the program office's own access on the version's open window: the lab's
// credential never leaves the gateway, and every call is the gateway's ledger entry. Samples run
// in an order shuffled by a seed the evaluation records; the decision is made under the policy
// when every sample is recorded, or, for a sequential policy, at the first crossing in that
// order. An evaluator then recommends, and a director, another person, designates: a ledger
// entry naming the policy, the samples' hash and the decision, which answers the lab's inquiry
// (the lab sees the outcome, the date and an opaque policy reference, nothing else).
//
// Faults: a sample that fails on infrastructure is retried and never counted as the model's
// failure; a worker that dies mid-sample leaves its job to be leased again, and a sample's result
// is recorded once (the first to commit). An evaluation whose window closes pauses with that
// reason, at the first sample that finds it closed or at the sweep (kSweepJobKind), whichever is
// first; resuming needs an open window of the version.
//
// The state machine is in rules.h; docs/evaluations.md describes it all.
//
// Thread-safety: every method may be called from any thread; state is in the database.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/audit.h"
#include "access/authorizer.h"
#include "base/clock.h"
#include "base/status.h"
#include "evals/agent_loop.h"
#include "evals/policy.h"
#include "evals/report.h"
#include "evals/task.h"
#include "evaluations/types.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "review/service.h"
#include "secrets/secret_store.h"
#include "store/database.h"

namespace bulwark::evaluations {

inline constexpr std::string_view kSampleJobKind = "evaluations.sample";
inline constexpr std::string_view kSweepJobKind = "evaluations.sweep";
inline constexpr std::string_view kValidateJobKind = "evaluations.validate";
// Attempts of a sample that fails on infrastructure before its evaluation pauses.
inline constexpr int kSampleAttempts = 5;
// The most samples one page of Samples holds.
inline constexpr int kMaxSamplePage = 1000;

struct StartRequest {
  std::string version_id;
  std::string policy_hash;
  std::string suite_hash;  // "": the first of the policy's suites that is imported
  int64_t epochs = 1;
  std::optional<uint64_t> seed;  // none: a random one, recorded
  std::string inquiry_id;        // the lab's accepted inquiry it answers; "" for none
};

// How a worker runs samples: the gateway's base URL ("http://127.0.0.1:8080/gateway/v1"), the
// sandbox, and the agent's options.
struct SampleRunnerOptions {
  std::string gateway_url;
  evals::SandboxFactory sandboxes;
  evals::AgentOptions agent;
  double request_timeout_s = 300;
};

class EvaluationService {
 public:
  EvaluationService(store::Database& db, const Clock& clock, const secrets::SecretStore& secrets,
                    review::ReviewService& review, access::AuditTrail* audit);

  // Pre-registration. InvalidArgument for a policy that does not parse; AlreadyExists for
  // another policy with the same id and version (a registered policy never changes); the same
  // bytes again return the registration there is.
  StatusOr<RegisteredPolicy> RegisterPolicy(const access::Principal& actor, std::string_view yaml);
  StatusOr<std::vector<RegisteredPolicy>> ListPolicies(const access::Principal& actor);

  // Keeps the suite, encrypted, and queues its tasks' validity checks (kValidateJobKind): an
  // evaluation runs only a suite whose every task was found valid. The same content again
  // returns what is there.
  StatusOr<StoredSuite> ImportSuite(const access::Principal& actor, const evals::Suite& suite);
  // Imports a suite document (evals/suite_codec.h) or a sealed bundle (sealed_suite.h), opened
  // in memory with this platform's keys; InvalidArgument, FailedPrecondition or DataLoss as
  // OpenSealedSuite and DecodeSuite say.
  StatusOr<StoredSuite> ImportSuiteDocument(const access::Principal& actor,
                                            std::string_view document);
  // A task of an imported suite as people with clearance read it: without its flag, checker or
  // reference solution, which no API returns. Each read is a ledger entry.
  StatusOr<evals::Task> ReadTask(const access::Principal& actor, const std::string& suite_hash,
                                 const std::string& task_id);
  // A sample's transcript (JSON, as recorded), for people with clearance; each read is ledgered.
  StatusOr<std::string> ReadTranscript(const access::Principal& actor, const std::string& id,
                                       int64_t position);
  StatusOr<std::vector<StoredSuite>> ListSuites(const access::Principal& actor);

  StatusOr<Evaluation> Start(const access::Principal& actor, const StartRequest& request);
  StatusOr<Evaluation> Get(const access::Principal& actor, const std::string& id);
  StatusOr<std::vector<Evaluation>> List(const access::Principal& actor);
  // Up to `limit` samples from position `from` on. InvalidArgument for a negative position or a
  // limit outside 1 to kMaxSamplePage.
  StatusOr<SamplePage> Samples(const access::Principal& actor, const std::string& id, int64_t from,
                               int limit);
  // The evaluation's report (evals/report.h, with its suite and policy) as far as it has run:
  // its samples in the order's positions, up to the samples the decision used once it is
  // decided, else as far as they are recorded without a gap. Until it is decided, the report's
  // decision is of those samples only. Infrastructure errors are not results and are not in it.
  // Writes the evaluation's samples as ReportOf takes them, in the run's order, with their
  // transcripts, as a new run log at `path` (evals/run_log.h; AlreadyExists when the file is
  // there): `bulwark eval decide` on it with the policy reproduces the decision, and `bulwark
  // eval report` gives the report with its sample viewer. For people with clearance (the
  // transcripts); ledgered, naming how many samples and their hash.
  Status ExportRunLog(const access::Principal& actor, const std::string& id,
                      const std::string& path);
  // The service's clock, for what is stamped outside it (a report's generated_at).
  Time Now() const { return clock_.Now(); }
  StatusOr<evals::Report> ReportOf(const access::Principal& actor, const std::string& id,
                                   const evals::ReportOptions& options);
  StatusOr<Evaluation> Pause(const access::Principal& actor, const std::string& id);
  StatusOr<Evaluation> Resume(const access::Principal& actor, const std::string& id);
  StatusOr<Evaluation> Cancel(const access::Principal& actor, const std::string& id);
  StatusOr<Evaluation> Recommend(const access::Principal& actor, const std::string& id,
                                 const std::string& recommendation, const std::string& rationale);
  StatusOr<Evaluation> Designate(const access::Principal& actor, const std::string& id,
                                 const std::string& note);

  // Pauses the running evaluations whose window is no longer open; returns how many.
  StatusOr<int64_t> SweepAccess();

  // Registers the sample job and the sweep on `worker`. `options` outlives the worker.
  Status RegisterJobs(jobs::Worker& worker, const SampleRunnerOptions& options);

  // Runs the task validity checks of an imported suite (evals/validity.h) and records the
  // verdict: the worker's side of an import.
  Status CheckSuite(const jobs::Job& job, jobs::JobContext& ctx,
                    const SampleRunnerOptions& options);

  // Runs one sample job: the worker's side.
  Status RunSample(const jobs::Job& job, jobs::JobContext& ctx, const SampleRunnerOptions& options);

 private:
  // A transaction whose refusal (Require) is recorded in the audit trail once it rolled back.
  Status Run(store::TxMode mode, const std::function<Status(store::Transaction&)>& fn);
  StatusOr<access::Decision> Require(store::Transaction& tx, const access::Principal& actor,
                                     std::string_view action, const std::string& object);
  Status Audit(store::Transaction& tx, const access::Principal& actor, std::string_view action,
               const std::string& object, std::vector<std::string> grants,
               std::vector<std::pair<std::string, std::string>> facts = {});
  StatusOr<Evaluation> Load(store::Transaction& tx, const std::string& id);
  // Moves a running evaluation to paused with `reason`, revoking nothing (its key stays for a
  // resume under the same window). In `tx`.
  Status PauseIn(store::Transaction& tx, const Evaluation& evaluation, const std::string& reason,
                 const access::Principal& actor);
  // After a sample is recorded, in its transaction, which holds the evaluation's row and moved
  // its gap-free prefix on from `prefix_before` (`evaluation`: its state, prefix_done,
  // samples_total, policy_hash, suite_hash, key_id and started_by, as updated): decides when the
  // policy can. A fixed policy reads the samples once, at the end; a sequential one reads those
  // recorded since the last decision this process looked for, and all of them once, at the end.
  Status Advance(store::Transaction& tx, const std::string& id, int64_t prefix_before,
                 const store::Row& evaluation);
  // The registered policy `hash`, parsed once per process (a registered policy never changes).
  StatusOr<std::shared_ptr<const evals::Policy>> PolicyIn(store::Transaction& tx,
                                                          const std::string& hash);
  StatusOr<std::shared_ptr<const evals::Suite>> SuiteIn(store::Transaction& tx,
                                                        const std::string& hash);
  // The secret of the evaluation's gateway key `key_id`, read once per process: a key's secret
  // never changes (a resume under a new window issues a new key).
  StatusOr<std::shared_ptr<const secrets::SecretBytes>> GatewayKeyIn(
      store::Transaction& tx, const std::string& evaluation_id, const std::string& key_id);
  // The model client of the evaluation's gateway key `key_id`, made once per process and shared
  // by the worker's threads, so that its connections to the gateway are kept alive from one
  // sample to the next.
  StatusOr<std::shared_ptr<evals::ModelProvider>> ProviderFor(const std::string& key_id,
                                                              const std::string& gateway_model,
                                                              review::Provider protocol,
                                                              const secrets::SecretBytes& key,
                                                              const SampleRunnerOptions& options);
  // The version's window open now, or FailedPrecondition saying why there is none.
  StatusOr<review::Window> OpenWindowOf(store::Transaction& tx, const std::string& version_id);
  // Opens the program office's access on `window_id` and issues the evaluation's key; returns
  // the key's id and secret.
  StatusOr<review::IssuedGatewayKey> IssueKey(const access::Principal& actor,
                                              const std::string& window_id,
                                              const std::string& evaluation_id);
  Status EnqueueSamples(store::Transaction& tx, const Evaluation& evaluation);

  store::Database& db_;
  const Clock& clock_;
  const secrets::SecretStore& secrets_;
  review::ReviewService& review_;
  access::AuditTrail* audit_;
  access::Authorizer authorizer_;
  jobs::JobQueue queue_;

  std::mutex suites_mu_;
  std::map<std::string, std::shared_ptr<const evals::Suite>> suites_;  // GUARDED_BY(suites_mu_)
  std::mutex keys_mu_;
  // By key id; the keys of running evaluations.
  std::map<std::string, std::shared_ptr<const secrets::SecretBytes>> keys_;  // GUARDED_BY(keys_mu_)
  std::mutex providers_mu_;
  // By key id; the model clients of running evaluations.
  std::map<std::string, std::shared_ptr<evals::ModelProvider>>
      providers_;  // GUARDED_BY(providers_mu_)
  std::mutex policies_mu_;
  std::map<std::string, std::shared_ptr<const evals::Policy>>
      policies_;  // GUARDED_BY(policies_mu_)

  // A sequential evaluation's decision as far as this process has looked: the decider has taken
  // the samples before `position`, each recorded by a transaction that committed (a recorded
  // sample never changes), so that the next Advance goes on from there.
  struct SequentialProgress {
    std::shared_ptr<const evals::Policy> policy;  // the decider's
    std::shared_ptr<const evals::Suite> suite;    // the decider's
    int64_t position = 0;
    evals::SequentialDecider decider;
  };
  std::mutex progress_mu_;
  std::map<std::string, SequentialProgress> progress_;  // GUARDED_BY(progress_mu_), by evaluation
};

}  // namespace bulwark::evaluations
