// bulwark advisories: importing OSV advisories into the database, showing them, and building
// the index file `bulwark scan --index` loads.
//
//   bulwark advisories import osv/Go/all.zip advisory-database/advisories
//   bulwark advisories show GHSA-vp9c-fpxx-744v
//   bulwark advisories index -o advisories.idx
#include <chrono>
#include <cstdio>
#include <iostream>

#include "base/progress.h"
#include "base/text.h"
#include "clearinghouse/service.h"
#include "cli/commands.h"
#include "vuln/advisory_index.h"
#include "vuln/advisory_store.h"

namespace bulwark::cli {
namespace {

// How many skipped records are listed before summing up the rest.
constexpr size_t kProblemsListed = 20;

// Lists skipped records on standard output, at most kProblemsListed of them.
void ListSkipped(const std::vector<vuln::AdvisoryProblem>& problems) {
  for (size_t i = 0; i < problems.size() && i < kProblemsListed; ++i) {
    std::cout << "skipped " << PrintableText(problems[i].file) << ": "
              << PrintableText(problems[i].reason) << "\n";
  }
  if (problems.size() > kProblemsListed) {
    std::cout << "... and " << problems.size() - kProblemsListed << " more\n";
  }
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
    std::cerr << "bulwark: import stopped: " << PrintableText(report.status().message()) << "\n";
    return 2;
  }
  // A worker matches what changed against the operators' inventories.
  clearinghouse::ClearinghouseService clearinghouse(**db, SystemClock::Get());
  if (Status queued =
          (*db)->Transact(store::TxMode::kReadWrite,
                          [&](store::Transaction& tx) { return clearinghouse.QueueMonitor(tx); });
      !queued.ok()) {
    std::cerr << "bulwark: the clearinghouse's monitor was not queued: "
              << PrintableText(queued.message()) << "\n";
  }
  std::cout << "read " << report->read << ", new " << report->inserted << ", updated "
            << report->updated << ", unchanged " << report->unchanged << ", skipped "
            << report->problems.size() << "\n";
  ListSkipped(report->problems);
  return report->problems.empty() ? 0 : 1;
}

int Show(const GlobalOptions& global, const std::string& id) {
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  vuln::AdvisoryStore store(**db, SystemClock::Get());
  StatusOr<std::optional<std::string>> json = store.FindJson(id);
  if (!json.ok()) return Fail(json.status());
  if (!json->has_value()) {
    std::cerr << "bulwark: no advisory " << PrintableText(id) << " in the database\n";
    return 1;
  }
  std::cout << **json;
  if (!(*json)->empty() && (*json)->back() != '\n') std::cout << "\n";
  return 0;
}

// Builds the index file `bulwark scan --index` loads: from `paths` when given, else from every
// advisory in the database. Exit codes as for import.
int Index(const GlobalOptions& global, const std::vector<std::string>& paths,
          const std::string& output) {
  Time start = SystemClock::Get().Now();
  std::vector<vuln::AdvisoryProblem> problems;
  StatusOr<vuln::AdvisoryIndex> index = vuln::AdvisoryIndex();
  Progress progress("index", 0, stderr, SystemClock::Get());
  if (!paths.empty()) {
    index = vuln::BuildIndexFromSources(paths, &problems, &progress);
  } else {
    StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
    if (!db.ok()) return Fail(db.status());
    vuln::AdvisoryStore store(**db, SystemClock::Get());
    if (StatusOr<int64_t> count = store.Count(); count.ok()) progress.AddToTotal(*count);
    vuln::AdvisoryIndexBuilder builder;
    Status walked = store.ForEach([&](vuln::Advisory&& advisory) {
      if (Status added = builder.Add(advisory); !added.ok()) {
        problems.push_back({advisory.id, added.message()});
      }
      progress.Advance();
      return Status();
    });
    if (walked.ok()) {
      index = std::move(builder).Finish();
    } else {
      index = walked;
    }
  }
  progress.Finish();
  if (!index.ok()) {
    std::cerr << "bulwark: index not written: " << PrintableText(index.status().message()) << "\n";
    return 2;
  }
  if (Status saved = index->Save(output); !saved.ok()) return Fail(saved);
  double seconds = std::chrono::duration<double>(SystemClock::Get().Now() - start).count();
  char summary[160];
  std::snprintf(summary, sizeof summary,
                "indexed %zu advisories on %zu packages into %s (%.1f MiB) in %.2f s\n",
                index->advisory_count(), index->package_count(), output.c_str(),
                static_cast<double>(index->bytes().size()) / (1 << 20), seconds);
  std::cout << summary;
  ListSkipped(problems);
  return problems.empty() ? 0 : 1;
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

  CLI::App* index = advisories->add_subcommand(
      "index",
      "Build the advisory index file that `bulwark scan --index` loads in milliseconds: from "
      "the given directories, zips or files, or else from every advisory in the database");
  auto index_paths = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  index->add_option("paths", *index_paths, "OSV sources (default: the database)");
  index->add_option("--output,-o", *output, "The index file to write")->required();
  actions[index] = [&global, index_paths, output] { return Index(global, *index_paths, *output); };
}

}  // namespace bulwark::cli
