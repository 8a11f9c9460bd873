// bulwark: the one command of the product. `bulwark --help` lists the subcommands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/config_file.h"

namespace bulwark::cli {
namespace {

// The deepest subcommand given on the command line.
const CLI::App* Selected(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return Selected(*sub);
  return &app;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Bulwark: benchmarks AI models' cyber capability, runs the voluntary pre-release review "
      "of frontier models, and coordinates vulnerability clearing, on a signed ledger.\n\n"
      "Options come from flags, then BULWARK_* environment variables, then the --config file.",
      "bulwark"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--config", global.config, "TOML configuration file (see docs/configuration.md)")
      ->envname("BULWARK_CONFIG");
  app.add_option("--database", global.database,
                 "Database URL: sqlite:PATH or postgresql://USER@HOST:PORT/DB")
      ->envname("BULWARK_DATABASE")
      ->capture_default_str();
  app.add_option("--log-level", global.log_level, "debug, info, warning or error")
      ->envname("BULWARK_LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}))
      ->capture_default_str();

  app.add_option("--ledger-key", global.ledger_key,
                 "The ledger's signing key file (made on first use, or by `bulwark ledger "
                 "keygen`); default: ledger.key beside the SQLite database, or var/ledger.key")
      ->envname("BULWARK_LEDGER_KEY");
  app.add_option("--secrets-key", global.secrets_key,
                 "The key file that encrypts secrets at rest (`bulwark keys init`); default: "
                 "secrets.key beside the SQLite database, or var/secrets.key")
      ->envname("BULWARK_SECRETS_KEY");
  app.add_option("--secrets-previous-key", global.secrets_previous_key,
                 "The key file used before a rotation, still read until `bulwark keys rotate` "
                 "finishes")
      ->envname("BULWARK_SECRETS_PREVIOUS_KEY");

  Actions actions;
  AddServeCommand(app, global, actions);
  AddMigrateCommand(app, global, actions);
  AddAdminCommand(app, global, actions);
  AddLedgerCommand(app, global, actions);
  AddPurlCommand(app, global, actions);
  AddCvssCommand(app, global, actions);
  AddAdvisoriesCommand(app, global, actions);
  AddScanCommand(app, global, actions);
  AddEvalCommand(app, global, actions);
  AddSuiteCommand(app, global, actions);
  AddMockModelCommand(app, global, actions);
  AddKeysCommand(app, global, actions);
  AddWorkerCommand(app, global, actions);
  AddClearinghouseCommand(app, global, actions);
  CLI::App* version = app.add_subcommand("version", "Print the version and exit");
  actions[version] = [] {
    std::cout << "bulwark " << kBulwarkVersion << "\n";
    return 0;
  };
  AddVersionCommand(*version, global, actions);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!global.config.empty()) {
    if (Status s = ApplyConfigFile(app, global.config); !s.ok()) {
      std::fprintf(stderr, "bulwark: %s\n", s.message().c_str());
      return 2;
    }
  }
  LogLevel level;
  if (ParseLogLevel(global.log_level, &level)) SetLogLevel(level);
  auto action = actions.find(Selected(app));
  if (action == actions.end()) {
    std::cerr << Selected(app)->help();
    return 2;
  }
  return action->second();
}

}  // namespace
}  // namespace bulwark::cli

int main(int argc, char** argv) { return bulwark::cli::Main(argc, argv); }
