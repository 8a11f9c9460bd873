// bulwark suite seal: makes a sealed suite, the encrypted file a confidential suite travels in to
// the server, which alone opens it (evaluations/sealed_suite.h). It is sealed with the platform's
// secrets key (--secrets-key, as the server's), and the suite must declare a canary.
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "evals/importers.h"
#include "evaluations/sealed_suite.h"
#include "secrets/key_file.h"

namespace bulwark::cli {
namespace {

int SealCommand(const GlobalOptions& global, const std::string& dir, const std::string& out) {
  constexpr std::string_view kCommand = "suite seal";
  auto fail = [&](const Status& s) {
    std::cerr << "bulwark " << kCommand << ": " << s.message() << "\n";
    return 2;
  };
  StatusOr<evals::Suite> suite = evals::LoadSuite(dir);
  if (!suite.ok()) return fail(suite.status());
  StatusOr<secrets::Keyring> keyring = secrets::OpenKeyring(SecretsKeyPath(global));
  if (!keyring.ok()) return fail(keyring.status());
  StatusOr<std::string> bundle = evaluations::SealSuite(*suite, keyring->primary());
  if (!bundle.ok()) return fail(bundle.status());
  const std::string path = out.empty() ? suite->name + ".sealed.json" : out;
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << *bundle;
    if (!file) return fail(Status(StatusCode::kUnavailable, "cannot write " + path));
  }
  std::cout << "sealed " << suite->name << " " << suite->version << " (" << suite->tasks.size()
            << " tasks, " << suite->ContentHash() << ") into " << path << " with key "
            << keyring->primary().id() << "; import it with POST /api/v1/evaluations/suites\n";
  return 0;
}

}  // namespace

void AddSuiteCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* suite = app.add_subcommand("suite", "Confidential suites: seal one for the server");
  suite->require_subcommand(1);
  auto dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  CLI::App* seal = suite->add_subcommand(
      "seal", "Encrypt a suite folder with the platform's secrets key into one sealed file");
  seal->add_option("suite", *dir, "A suite folder or suite.yaml (it must declare a canary)")
      ->required();
  seal->add_option("-o,--out", *out, "Where to write it (default: NAME.sealed.json)");
  actions[seal] = [&global, dir, out] { return SealCommand(global, *dir, *out); };
}

}  // namespace bulwark::cli
