// bulwark worker: runs background jobs from the database's queue; bulwark jobs: looks at the
// queue, retries dead jobs, and probes that workers are running. `bulwark serve` embeds the same
// worker (see RegisterPlatformJobs).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>

#include "api/http_server.h"
#include "api/jobs_routes.h"
#include "api/ledger_audit.h"
#include "base/log.h"
#include "base/time_format.h"
#include "clearinghouse/service.h"
#include "cli/commands.h"
#include "evals/sandbox.h"
#include "evaluations/service.h"
#include "jobs/queue.h"
#include "jobs/worker.h"

namespace bulwark::cli {

std::string DefaultWorkerName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "worker") + "-" + std::to_string(getpid());
}

Status RegisterPlatformJobs(jobs::Worker& worker, ledger::TransparencyLog& log,
                            Duration checkpoint_every) {
  // Signs a checkpoint of the ledger (nothing new is signed when nothing was appended). A
  // refusal means the log was tampered with: the job fails loudly and is retried.
  worker.Register(std::string(kLedgerCheckpointJob), [&log](const jobs::Job&, jobs::JobContext&) {
    return log.SignCheckpoint().status();
  });
  // Records which worker ran it, in the transaction that completes it: a way to see that
  // workers are running, and that each job takes effect once.
  worker.Register(std::string(kProbeJob), [&worker](const jobs::Job& job, jobs::JobContext& ctx) {
    return ctx.Commit([&](store::Transaction& tx) {
      return tx
          .Execute(
              "INSERT INTO job_probes (job_id, worker, completions, completed_at) VALUES "
              "(?, ?, 1, ?) ON CONFLICT (job_id) DO UPDATE SET completions = "
              "job_probes.completions + 1",
              {job.id, worker.name(), ToUnixMicros(SystemClock::Get().Now())})
          .status();
    });
  });
  // Done jobs are kept a week (to see what ran, and to keep idempotency keys), then deleted.
  worker.Register(std::string(kPruneJobsJob), [&worker](const jobs::Job&, jobs::JobContext&) {
    return worker.queue().PruneDone(SystemClock::Get().Now() - Days(7)).status();
  });
  BW_RETURN_IF_ERROR(
      worker.EnsureSchedule("jobs-prune", std::string(kPruneJobsJob), "{}", Hours(1)));
  return worker.EnsureSchedule("ledger-checkpoint", std::string(kLedgerCheckpointJob), "{}",
                               checkpoint_every);
}

Status RegisterReviewJobs(jobs::Worker& worker, review::ReviewService& review) {
  worker.Register(std::string(review::kSweepJobKind),
                  [&review](const jobs::Job&, jobs::JobContext&) {
                    StatusOr<int64_t> closed = review.SweepWindows();
                    if (closed.ok() && *closed > 0) {
                      Log(LogLevel::kInfo, "access windows closed at their end",
                          {{"windows", std::to_string(*closed)}});
                    }
                    return closed.status();
                  });
  worker.Register(
      std::string(review::kDefensiveSweepJobKind), [&review](const jobs::Job&, jobs::JobContext&) {
        StatusOr<int64_t> expired = review.SweepDefensiveAccess();
        if (expired.ok() && *expired > 0) {
          Log(LogLevel::kInfo, "defensive access expired", {{"grants", std::to_string(*expired)}});
        }
        return expired.status();
      });
  worker.Register(
      std::string(review::kRetentionSweepJobKind), [&review](const jobs::Job&, jobs::JobContext&) {
        StatusOr<int64_t> purged = review.SweepRetainedContent();
        if (purged.ok() && *purged > 0) {
          Log(LogLevel::kInfo, "retained content purged", {{"calls", std::to_string(*purged)}});
        }
        return purged.status();
      });
  BW_RETURN_IF_ERROR(worker.EnsureSchedule("review-windows-sweep",
                                           std::string(review::kSweepJobKind), "{}", Minutes(1)));
  BW_RETURN_IF_ERROR(worker.EnsureSchedule(
      "review-defensive-sweep", std::string(review::kDefensiveSweepJobKind), "{}", Minutes(5)));
  return worker.EnsureSchedule("review-content-sweep", std::string(review::kRetentionSweepJobKind),
                               "{}", Minutes(5));
}

evaluations::SampleRunnerOptions SampleRunner(const std::string& gateway_url) {
  evaluations::SampleRunnerOptions runner;
  runner.gateway_url = gateway_url;
  runner.sandboxes = [](const evals::SandboxSpec& spec) { return evals::Sandbox::Start(spec); };
  return runner;
}

namespace {

struct WorkerCommandOptions {
  std::string name;
  std::vector<std::string> kinds;
  int concurrency = 4;
  int lease_seconds = 60;
  int checkpoint_seconds = 60;
  std::string metrics_listen;
  std::string gateway_url;
};

volatile std::sig_atomic_t g_stop = 0;
extern "C" void OnStopSignal(int) { g_stop = 1; }

int RunWorker(const GlobalOptions& global, const WorkerCommandOptions& options) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  // Jobs read secrets (a lab's API key, a confidential suite): like `serve`, a worker refuses
  // to start without the key that opens them.
  StatusOr<secrets::Keyring> keyring = OpenSecretsKeyring(global, **db);
  if (!keyring.ok()) return Fail(keyring.status());
  StatusOr<std::unique_ptr<ledger::TransparencyLog>> log = OpenLedger(global, **db, false);
  if (!log.ok()) return Fail(log.status());
  jobs::Worker worker(**db, SystemClock::Get(),
                      {.name = options.name.empty() ? DefaultWorkerName() : options.name,
                       .kinds = options.kinds,
                       .concurrency = options.concurrency,
                       .lease = Seconds(options.lease_seconds)});
  if (Status s = RegisterPlatformJobs(worker, **log, Seconds(options.checkpoint_seconds));
      !s.ok()) {
    return Fail(s);
  }
  api::LedgerAuditTrail audit(**log, SystemClock::Get());
  secrets::SecretStore secrets(*keyring, SystemClock::Get());
  review::ReviewService review(**db, SystemClock::Get(), secrets, &audit);
  if (Status s = RegisterReviewJobs(worker, review); !s.ok()) return Fail(s);
  evaluations::EvaluationService evaluations(**db, SystemClock::Get(), secrets, review, &audit);
  evaluations::SampleRunnerOptions runner = SampleRunner(options.gateway_url);
  if (Status s = evaluations.RegisterJobs(worker, runner); !s.ok()) return Fail(s);
  clearinghouse::ClearinghouseService clearinghouse(**db, SystemClock::Get(), &audit,
                                                    &(*log)->signer(), &secrets);
  if (Status s = clearinghouse.RegisterJobs(worker); !s.ok()) return Fail(s);
  // /metrics and /healthz, when asked for.
  api::Metrics metrics;
  api::Router router;
  std::unique_ptr<api::HttpServer> server;
  jobs::JobQueue queue(**db, SystemClock::Get());
  if (!options.metrics_listen.empty()) {
    size_t colon = options.metrics_listen.rfind(':');
    api::HttpServerOptions server_options;
    server_options.address = options.metrics_listen.substr(0, colon);
    server_options.port = static_cast<uint16_t>(
        std::stoi(colon == std::string::npos ? "0" : options.metrics_listen.substr(colon + 1)));
    server_options.access_log = false;
    api::RegisterWorkerMetricsRoutes(router, metrics, queue, &worker);
    server = std::make_unique<api::HttpServer>(server_options, router, metrics);
    if (Status s = server->Start(); !s.ok()) return Fail(s);
    std::cout << "metrics on http://" << server_options.address << ":" << server->port()
              << "/metrics" << std::endl;
  }
  std::signal(SIGTERM, OnStopSignal);
  std::signal(SIGINT, OnStopSignal);
  worker.Start();
  Log(LogLevel::kInfo, "worker started",
      {{"worker", worker.name()}, {"concurrency", std::to_string(options.concurrency)}});
  std::cout << "worker " << worker.name() << " is running; SIGTERM drains and stops it"
            << std::endl;
  while (g_stop == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  worker.Stop();
  int64_t completed = 0;
  for (const auto& [kind, counts] : worker.Counts()) completed += counts.completed;
  Log(LogLevel::kInfo, "worker stopped",
      {{"worker", worker.name()}, {"completed", std::to_string(completed)}});
  return 0;
}

std::string FormatOptionalTime(const std::optional<Time>& t) { return t ? FormatRfc3339(*t) : "-"; }

}  // namespace

void AddWorkerCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  auto options = std::make_shared<WorkerCommandOptions>();
  CLI::App* worker = app.add_subcommand(
      "worker", "Run background jobs from the database's queue until SIGTERM, which drains");
  worker->add_option("--name", options->name, "This worker's name (default: HOST-PID)")
      ->envname("BULWARK_WORKER_NAME");
  worker->add_option("--kinds", options->kinds, "Run only these job kinds (default: all)")
      ->delimiter(',')
      ->envname("BULWARK_WORKER_KINDS");
  worker->add_option("--concurrency", options->concurrency, "Jobs run at once")
      ->envname("BULWARK_WORKER_CONCURRENCY")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  worker
      ->add_option("--lease-seconds", options->lease_seconds,
                   "How long a job stays leased without a heartbeat")
      ->check(CLI::Range(5, 86400))
      ->capture_default_str();
  worker
      ->add_option("--checkpoint-seconds", options->checkpoint_seconds,
                   "How often the ledger signs a checkpoint")
      ->envname("BULWARK_CHECKPOINT_SECONDS")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  worker
      ->add_option("--metrics-listen", options->metrics_listen,
                   "HOST:PORT serving /metrics and /healthz (default: none)")
      ->envname("BULWARK_WORKER_METRICS_LISTEN");
  worker
      ->add_option("--gateway-url", options->gateway_url,
                   "The gateway evaluations call models through, as "
                   "http://HOST:PORT/gateway/v1 of a bulwark serve")
      ->envname("BULWARK_GATEWAY_URL");
  actions[worker] = [&global, options] { return RunWorker(global, *options); };

  CLI::App* jobs_cmd = app.add_subcommand("jobs", "The job queue: its state, dead jobs, probes");
  jobs_cmd->require_subcommand(1);

  CLI::App* stats = jobs_cmd->add_subcommand("stats", "Jobs per kind and state");
  actions[stats] = [&global] {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    jobs::JobQueue queue(**db, SystemClock::Get());
    StatusOr<std::vector<jobs::QueueStats>> stats = queue.Stats();
    if (!stats.ok()) return Fail(stats.status());
    std::cout << "KIND                  QUEUED  LEASED  FAILED    DEAD      DONE  OLDEST WAITING\n";
    for (const jobs::QueueStats& q : *stats) {
      std::printf("%-20s %7lld %7lld %7lld %7lld %9lld  %s\n", q.kind.c_str(),
                  static_cast<long long>(q.queued), static_cast<long long>(q.leased),
                  static_cast<long long>(q.failed), static_cast<long long>(q.dead),
                  static_cast<long long>(q.done), FormatOptionalTime(q.oldest_waiting).c_str());
    }
    return 0;
  };

  CLI::App* dead = jobs_cmd->add_subcommand("dead", "List dead jobs with their last error");
  auto dead_kind = std::make_shared<std::string>();
  dead->add_option("--kind", *dead_kind, "Only this kind");
  actions[dead] = [&global, dead_kind] {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    jobs::JobQueue queue(**db, SystemClock::Get());
    StatusOr<jobs::JobPage> page = queue.List(jobs::JobState::kDead, *dead_kind, 500, "");
    if (!page.ok()) return Fail(page.status());
    for (const jobs::Job& job : page->items) {
      std::cout << job.id << "  " << job.kind << "  attempts " << job.attempts << "  "
                << job.last_error << "\n";
    }
    return 0;
  };

  CLI::App* retry = jobs_cmd->add_subcommand("retry", "Put a dead job back in the queue");
  auto retry_id = std::make_shared<std::string>();
  retry->add_option("job", *retry_id, "The job's id (job_...)")->required();
  actions[retry] = [&global, retry_id] {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    jobs::JobQueue queue(**db, SystemClock::Get());
    StatusOr<jobs::Job> job = queue.Retry(*retry_id);
    if (!job.ok()) return Fail(job.status());
    std::cout << job->id << " is queued again\n";
    return 0;
  };

  CLI::App* probe = jobs_cmd->add_subcommand(
      "probe", "Enqueue probe jobs, which any worker completes; --wait reports when all ran");
  auto count = std::make_shared<int>(1);
  auto wait_seconds = std::make_shared<int>(0);
  probe->add_option("--count", *count, "How many")->check(CLI::Range(1, 10000000));
  probe->add_option("--wait", *wait_seconds, "Wait up to this many seconds for them to run");
  actions[probe] = [&global, count, wait_seconds] {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    jobs::JobQueue queue(**db, SystemClock::Get());
    std::vector<std::string> ids;
    const int64_t since = ToUnixMicros(SystemClock::Get().Now());
    constexpr int kBatch = 1000;
    for (int done = 0; done < *count;) {
      const int n = std::min(kBatch, *count - done);
      Status s = (*db)->Transact(store::TxMode::kQueue, [&](store::Transaction& tx) -> Status {
        const std::vector<jobs::JobSpec> specs(n, jobs::JobSpec{.kind = std::string(kProbeJob)});
        BW_ASSIGN_OR_RETURN(std::vector<std::string> batch, queue.EnqueueMany(tx, specs));
        ids.insert(ids.end(), batch.begin(), batch.end());
        return OkStatus();
      });
      if (!s.ok()) return Fail(s);
      done += n;
    }
    std::cout << "enqueued " << ids.size() << " probe jobs" << std::endl;
    if (*wait_seconds <= 0) return 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*wait_seconds);
    int64_t ran = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      Status s = (*db)->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
        BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                            tx.Query("SELECT COUNT(*) FROM jobs WHERE kind = ? AND state = "
                                     "'done' AND created_at >= ?",
                                     {std::string(kProbeJob), since}));
        ran = rows[0].Int(0);
        return OkStatus();
      });
      if (!s.ok()) return Fail(s);
      if (ran >= static_cast<int64_t>(ids.size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::cout << ran << " probe jobs done" << std::endl;
    return ran >= static_cast<int64_t>(ids.size()) ? 0 : 1;
  };
}

}  // namespace bulwark::cli
