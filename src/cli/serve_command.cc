// bulwark serve: the HTTP API and the web console on one address.
#include <iostream>
#include <thread>

#include "access/directory.h"
#include "api/app.h"
#include "api/console_files.h"
#include "api/http_server.h"
#include "api/ledger_audit.h"
#include "base/log.h"
#include "cli/commands.h"
#include "jobs/worker.h"

namespace bulwark::cli {
namespace {

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string tls_cert;
  std::string tls_key;
  int io_threads = 2;
  int worker_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  size_t body_limit = 10 * 1024 * 1024;
  int drain_seconds = 30;
  bool no_access_log = false;
  double rate = 50;
  double burst = 200;
  double sign_ins_per_minute = 10;
  int max_concurrent_sign_ins = 2;
  int checkpoint_seconds = 60;
  std::string web_root;  // "": found beside the binary (console_files.h)
  bool no_worker = false;
  int worker_concurrency = 2;
  std::vector<std::string> osv_sync;  // directories, zips or JSON files of OSV advisories
  int osv_sync_minutes = 60;
};

StatusOr<std::pair<std::string, uint16_t>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("--listen must be HOST:PORT, such as 127.0.0.1:8080");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535 || host.empty()) {
    return InvalidArgumentError("--listen must be HOST:PORT with a port from 0 to 65535");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

int Serve(const GlobalOptions& global, const ServeOptions& options) {
  StatusOr<std::pair<std::string, uint16_t>> address = SplitListen(options.listen);
  if (!address.ok()) return Fail(address.status());
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return Fail(InvalidArgumentError("give both --tls-cert and --tls-key, or neither"));
  }
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  // Refuses to start when the secrets key is missing or cannot open the stored secrets.
  StatusOr<secrets::Keyring> keyring = OpenSecretsKeyring(global, **db);
  if (!keyring.ok()) return Fail(keyring.status());

  access::PasswordHasher hasher(access::PasswordHasher::Cost::kInteractive,
                                options.max_concurrent_sign_ins, Seconds(5));
  StatusOr<std::unique_ptr<ledger::TransparencyLog>> log = OpenLedger(global, **db, true);
  if (!log.ok()) return Fail(log.status());
  api::LedgerAuditTrail audit(**log, SystemClock::Get());
  access::Directory directory(**db, SystemClock::Get(), hasher, &audit);
  api::Metrics metrics;
  api::AppOptions app_options;
  app_options.requests_per_second = options.rate;
  app_options.request_burst = options.burst;
  app_options.sign_ins_per_minute = options.sign_ins_per_minute;
  app_options.secure_cookies = !options.tls_cert.empty();
  secrets::SecretStore secrets(*keyring, SystemClock::Get());
  review::ReviewService review(**db, SystemClock::Get(), secrets, &audit);
  review::Gateway gateway(review, **db, secrets, &audit);
  evaluations::EvaluationService evaluations(**db, SystemClock::Get(), secrets, review, &audit);
  clearinghouse::ClearinghouseService clearinghouse(**db, SystemClock::Get(), &audit,
                                                    &(*log)->signer(), &secrets);
  api::App app(directory, review, gateway, evaluations, clearinghouse, **log, **db,
               SystemClock::Get(), metrics, app_options);
  // The embedded worker runs every kind of job, the ledger's checkpoint schedule among them;
  // --no-worker leaves them to `bulwark worker` processes.
  std::unique_ptr<jobs::Worker> worker;
  // Evaluations call the model through this server's own gateway (the address is known once it
  // listens, before the worker starts).
  evaluations::SampleRunnerOptions runner = SampleRunner("");
  if (!options.no_worker) {
    worker = std::make_unique<jobs::Worker>(
        **db, SystemClock::Get(),
        jobs::WorkerOptions{.name = DefaultWorkerName(),
                            .concurrency = options.worker_concurrency});
    if (Status s = RegisterPlatformJobs(*worker, **log, Seconds(options.checkpoint_seconds));
        !s.ok()) {
      return Fail(s);
    }
    if (Status s = RegisterReviewJobs(*worker, review); !s.ok()) return Fail(s);
    if (Status s = evaluations.RegisterJobs(*worker, runner); !s.ok()) return Fail(s);
    if (Status s = clearinghouse.RegisterJobs(*worker); !s.ok()) return Fail(s);
    if (Status s = clearinghouse.ScheduleOsvSync(*worker, options.osv_sync,
                                                 Minutes(options.osv_sync_minutes));
        !s.ok()) {
      return Fail(s);
    }
    app.set_worker(worker.get());
  }
  api::Router router;
  app.Register(router);
  StatusOr<std::shared_ptr<const api::ConsoleFiles>> console = api::LoadConsole(options.web_root);
  if (!console.ok()) return Fail(console.status());
  api::ServeConsole(router, *console);

  api::HttpServerOptions server_options;
  server_options.address = address->first;
  server_options.port = address->second;
  server_options.io_threads = options.io_threads;
  server_options.worker_threads = options.worker_threads;
  server_options.blocking_threads = options.max_concurrent_sign_ins;
  server_options.body_limit = options.body_limit;
  server_options.tls_cert_file = options.tls_cert;
  server_options.tls_key_file = options.tls_key;
  server_options.drain_timeout = Seconds(options.drain_seconds);
  server_options.access_log = !options.no_access_log;
  api::HttpServer server(server_options, router, metrics);
  if (Status s = server.Start(); !s.ok()) return Fail(s);

  std::string scheme = options.tls_cert.empty() ? "http" : "https";
  std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  std::string url = scheme + "://" + host + ":" + std::to_string(server.port());
  Log(LogLevel::kInfo, "listening",
      {{"url", url}, {"database", global.database.substr(0, global.database.find('@'))}});
  std::cout << "Bulwark is listening on " << url << "  (console: " << url << "/, API: " << url
            << "/api/v1, OpenAPI: " << url << "/api/v1/openapi.json). Ctrl-C stops it."
            << std::endl;
  runner.gateway_url =
      "http://" +
      (address->first == "0.0.0.0" || address->first == "::" ? std::string("127.0.0.1") : host) +
      ":" + std::to_string(server.port()) + "/gateway/v1";
  if (!options.tls_cert.empty()) runner.gateway_url.replace(0, 4, "https");
  if (worker) worker->Start();
  server.RunUntilSignal();
  if (worker) worker->Stop();
  // A last checkpoint covers everything appended until the stop.
  if (StatusOr<ledger::SignedCheckpoint> c = (*log)->SignCheckpoint(); !c.ok()) {
    Log(LogLevel::kError, "ledger checkpoint refused", {{"error", c.status().ToString()}});
  }
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Run the HTTP API server; migrates the database first. SIGTERM drains and stops");
  serve->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->envname("BULWARK_LISTEN")
      ->capture_default_str();
  serve->add_option("--tls-cert", options->tls_cert, "PEM certificate chain; enables HTTPS")
      ->envname("BULWARK_TLS_CERT");
  serve->add_option("--tls-key", options->tls_key, "PEM private key for --tls-cert")
      ->envname("BULWARK_TLS_KEY");
  serve->add_option("--io-threads", options->io_threads, "Threads doing network I/O")
      ->envname("BULWARK_IO_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--worker-threads", options->worker_threads, "Threads running request handlers")
      ->envname("BULWARK_WORKER_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve->add_option("--body-limit", options->body_limit, "Largest request body in bytes")
      ->envname("BULWARK_BODY_LIMIT")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 31))
      ->capture_default_str();
  serve
      ->add_option("--drain-seconds", options->drain_seconds,
                   "How long SIGTERM waits for requests in flight")
      ->envname("BULWARK_DRAIN_SECONDS")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  serve->add_flag("--no-access-log", options->no_access_log, "Do not log each request")
      ->envname("BULWARK_NO_ACCESS_LOG");
  serve->add_option("--rate-limit", options->rate, "Requests per second per principal")
      ->envname("BULWARK_RATE_LIMIT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--rate-burst", options->burst, "Burst of requests per principal")
      ->envname("BULWARK_RATE_BURST")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--sign-in-limit", options->sign_ins_per_minute,
                   "Sign-ins per minute per client address and per email")
      ->envname("BULWARK_SIGN_IN_LIMIT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--max-concurrent-sign-ins", options->max_concurrent_sign_ins,
                   "Password checks (64 MiB each) allowed at once")
      ->envname("BULWARK_MAX_CONCURRENT_SIGN_INS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve
      ->add_option("--checkpoint-seconds", options->checkpoint_seconds,
                   "How often the ledger signs a checkpoint (a scheduled job)")
      ->envname("BULWARK_CHECKPOINT_SECONDS")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  serve
      ->add_flag("--no-worker", options->no_worker,
                 "Run no background jobs here (an API replica; `bulwark worker` runs them)")
      ->envname("BULWARK_NO_WORKER");
  serve
      ->add_option("--worker-concurrency", options->worker_concurrency,
                   "Background jobs the embedded worker runs at once")
      ->envname("BULWARK_WORKER_CONCURRENCY")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve
      ->add_option("--osv-sync", options->osv_sync,
                   "Import OSV advisories from this directory, zip or JSON file on a schedule "
                   "(repeatable); the monitor then matches what changed")
      ->envname("BULWARK_OSV_SYNC")
      ->delimiter(',');
  serve->add_option("--osv-sync-minutes", options->osv_sync_minutes, "Minutes between OSV syncs")
      ->envname("BULWARK_OSV_SYNC_MINUTES")
      ->check(CLI::Range(1, 7 * 24 * 60))
      ->capture_default_str();
  serve
      ->add_option("--web-root", options->web_root,
                   "Folder of the built web console (web/dist); default: found beside the binary")
      ->envname("BULWARK_WEB_ROOT");
  actions[serve] = [&global, options] { return Serve(global, *options); };
}

}  // namespace bulwark::cli
