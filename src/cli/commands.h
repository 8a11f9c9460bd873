// The subcommands of the bulwark command. Each Add*Command registers its options on the
// CLI11 app and, in `actions`, what each (sub)subcommand runs once flags, environment and the
// configuration file are all read. An action returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "access/credentials.h"
#include "access/directory.h"
#include "base/status.h"
#include "clearinghouse/service.h"
#include "evaluations/service.h"
#include "jobs/worker.h"
#include "ledger/transparency_log.h"
#include "review/service.h"
#include "secrets/key_file.h"
#include "store/database.h"

namespace bulwark::cli {

inline constexpr std::string_view kBulwarkVersion = "0.1.0";

struct GlobalOptions {
  std::string config;
  std::string database = "sqlite:var/bulwark.db";
  std::string log_level = "info";
  std::string ledger_key;  // "" = ledger.key beside the SQLite file, or var/ledger.key
  // "" = secrets.key beside the SQLite file, or var/secrets.key
  std::string secrets_key;
  // "" = none; else a key that still unwraps secrets until a rotation finishes
  std::string secrets_previous_key;
};

// Opens the configured database, creating the folder of an SQLite file, and migrates it.
StatusOr<std::unique_ptr<store::Database>> OpenAndMigrate(const GlobalOptions& options);

// The ledger key file: --ledger-key, else ledger.key beside the SQLite database, else
// var/ledger.key.
std::string LedgerKeyPath(const GlobalOptions& global);

// Opens the ledger on `db` with its key (see LedgerKeyPath); with `create_key`, makes the key
// when the file does not exist yet (first start of a server).
StatusOr<std::unique_ptr<ledger::TransparencyLog>> OpenLedger(const GlobalOptions& global,
                                                              store::Database& db, bool create_key);

// The secrets key file: --secrets-key, else secrets.key beside the SQLite database, else
// var/secrets.key.
std::string SecretsKeyPath(const GlobalOptions& global);

// Reads the secrets keyring (SecretsKeyPath and --secrets-previous-key) and proves it opens
// the secrets stored in `db`; an error names the key file and what is wrong. What `bulwark
// serve` checks before it starts.
StatusOr<secrets::Keyring> OpenSecretsKeyring(const GlobalOptions& global, store::Database& db);

// Prints a status to standard error as "bulwark: <message>" and returns exit code 1 (2 for a
// usage error).
int Fail(const Status& status);

using Actions = std::map<const CLI::App*, std::function<int()>>;

void AddServeCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddAdminCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddLedgerCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddPurlCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddCvssCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
// Adds `compare` under `app`, the `version` subcommand.
void AddVersionCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddAdvisoriesCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddScanCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddSuiteCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddEvalCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
// `eval stats` and `eval plan`, under `eval`.
void AddEvalStatsCommands(CLI::App& eval, Actions& actions);
// --format text|json, text by default: the option of the commands that print either.
void AddFormatOption(CLI::App& command, std::string* format);
// `eval report`, under `eval`.
void AddEvalReportCommand(CLI::App& eval, Actions& actions);
void AddMockModelCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddKeysCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
// `bulwark worker` and `bulwark jobs`.
void AddWorkerCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);
void AddClearinghouseCommand(CLI::App& app, const GlobalOptions& global, Actions& actions);

// The clearinghouse's part of the demo: the clearinghouse's staff, the Go advisories and the KEV
// catalog from `shared_dir` (built-in ones when it is absent), and the operators' assets with
// their inventories (real SBOMs from `shared_dir`, small built-in ones otherwise).
// `clock` is the service's: the seed sets it back to write forty days of history, and leaves it
// where it found it.
Status SeedClearinghouseDemo(access::Directory& directory,
                             clearinghouse::ClearinghouseService& clearinghouse, FakeClock& clock,
                             const std::string& shared_dir);

// The kinds of job the platform itself runs.
inline constexpr std::string_view kLedgerCheckpointJob = "ledger.checkpoint";
inline constexpr std::string_view kProbeJob = "jobs.probe";
inline constexpr std::string_view kPruneJobsJob = "jobs.prune";

// Registers the platform's own job handlers on `worker` (signing ledger checkpoints, probes,
// deleting done jobs after a week) and their schedules.
Status RegisterPlatformJobs(jobs::Worker& worker, ledger::TransparencyLog& log,
                            Duration checkpoint_every);

// Registers the review program's jobs: the sweep that records the access windows that ended
// and revokes their keys, every minute.
Status RegisterReviewJobs(jobs::Worker& worker, review::ReviewService& review);

// How this process's worker runs evaluation samples: in the sandbox, calling models through the
// gateway at `gateway_url`.
evaluations::SampleRunnerOptions SampleRunner(const std::string& gateway_url);

// HOST-PID, a worker's default name.
std::string DefaultWorkerName();

}  // namespace bulwark::cli
