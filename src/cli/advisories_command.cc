// bulwark advisories: importing OSV advisories into the database and showing them.
//
//   bulwark advisories import osv/Go/all.zip advisory-database/advisories
//   bulwark advisories show GHSA-vp9c-fpxx-744v
#include <cstdio>
#include <iostream>

#include "base/progress.h"
#include "cli/commands.h"
#include "vuln/advisory_store.h"

namespace bulwark::cli {
namespace {

// How many skipped records the import lists before summing up the rest.
constexpr size_t kProblemsListed = 20;

// Text from a feed, made safe for a terminal: control characters would let a record move the
// cursor or clear the screen, so they are shown as \xNN.
std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// Exit codes: 0 all imported, 1 some records skipped, 2 the import stopped on an error.
int Import(const GlobalOptions& global, const std::vector<std::string>& paths) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) {
    std::cerr << "bulwark: " << db.status().message() << "\n";
    return 2;
  }
  vuln::AdvisoryStore store(**db, SystemClock::Get());
  Progress progress("import", 0, stderr, SystemClock::Get());
  StatusOr<vuln::ImportReport> report = vuln::ImportAdvisories(paths, store, &progress);
  progress.Finish();
  if (!report.ok()) {
    std::cerr << "bulwark: import stopped: " << Printable(report.status().message()) << "\n";
    return 2;
  }
  std::cout << "read " << report->read << ", new " << report->inserted << ", updated "
            << report->updated << ", unchanged " << report->unchanged << ", skipped "
            << report->problems.size() << "\n";
  for (size_t i = 0; i < report->problems.size() && i < kProblemsListed; ++i) {
    const vuln::AdvisoryProblem& problem = report->problems[i];
    std::cout << "skipped " << Printable(problem.file) << ": " << Printable(problem.reason) << "\n";
  }
  if (report->problems.size() > kProblemsListed) {
    std::cout << "... and " << report->problems.size() - kProblemsListed << " more\n";
  }
  return report->problems.empty() ? 0 : 1;
}

int Show(const GlobalOptions& global, const std::string& id) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  vuln::AdvisoryStore store(**db, SystemClock::Get());
  StatusOr<std::optional<std::string>> json = store.FindJson(id);
  if (!json.ok()) return Fail(json.status());
  if (!json->has_value()) {
    std::cerr << "bulwark: no advisory " << Printable(id) << " in the database\n";
    return 1;
  }
  std::cout << **json;
  if (!(*json)->empty() && (*json)->back() != '\n') std::cout << "\n";
  return 0;
}

}  // namespace

void AddAdvisoriesCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* advisories =
      app.add_subcommand("advisories", "OSV vulnerability advisories: import feeds, show records");
  advisories->require_subcommand(1);

  CLI::App* import = advisories->add_subcommand(
      "import",
      "Import OSV advisories from directories, zips (such as OSV's all.zip) and JSON files. "
      "A record replaces the stored one only when its `modified` time is newer. Exit status: "
      "0 when every record was read, 1 when some were skipped, 2 when the import stopped.");
  auto paths = std::make_shared<std::vector<std::string>>();
  import->add_option("paths", *paths, "Directories, .zip files or .json files")->required();
  actions[import] = [&global, paths] { return Import(global, *paths); };

  CLI::App* show = advisories->add_subcommand("show", "Print an advisory's stored OSV JSON");
  auto id = std::make_shared<std::string>();
  show->add_option("id", *id, "Advisory id, such as GO-2020-0001")->required();
  actions[show] = [&global, id] { return Show(global, *id); };
}

}  // namespace bulwark::cli
