// bulwark scan: matches an SBOM against advisories (a directory, a zip or a file of OSV
// records, or a prebuilt index) without a server, and reports in a table, JSON, SARIF or
// CycloneDX VEX. Exit status: 0 clean, 1 findings at or above --fail-on, 2 an error.

#include <algorithm>
#include <array>
#include <cstdio>
#include <iostream>
#include <map>

#include "base/clock.h"
#include "base/file.h"
#include "base/progress.h"
#include "base/text.h"
#include "cli/commands.h"
#include "vuln/advisory_index.h"
#include "vuln/advisory_source.h"
#include "vuln/sbom.h"
#include "vuln/scan.h"
#include "vuln/scan_report.h"

namespace bulwark::cli {
namespace {

constexpr int kFindings = 1;
constexpr int kError = 2;
constexpr size_t kMaxProblemsShown = 20;

struct ScanOptions {
  std::string sbom;
  std::string advisories;
  std::string index;
  std::string format = "table";
  std::string fail_on = "any";
  std::string output;
};

int Error(const Status& status) {
  std::cerr << "bulwark scan: " << status.message() << "\n";
  return kError;
}

// Builds an index from OSV records, reporting records that were skipped.
StatusOr<vuln::AdvisoryIndex> IndexFromAdvisories(const std::string& path) {
  std::vector<vuln::AdvisoryProblem> problems;
  Progress progress("advisories", 0, stderr, SystemClock::Get());
  StatusOr<vuln::AdvisoryIndex> index = vuln::BuildIndexFromSources({path}, &problems, &progress);
  progress.Finish();
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) {
    std::cerr << "bulwark scan: skipped " << PrintableText(problems[i].file) << ": "
              << PrintableText(problems[i].reason) << "\n";
  }
  if (problems.size() > kMaxProblemsShown) {
    std::cerr << "bulwark scan: ... and " << problems.size() - kMaxProblemsShown
              << " more skipped records\n";
  }
  return index;
}

std::string Pad(std::string_view s, size_t width) {
  std::string out(s);
  if (out.size() < width) out.append(width - out.size(), ' ');
  return out;
}

std::string ComponentName(const vuln::SbomComponent& c) {
  if (!c.purl.empty()) return c.purl;
  std::string name = c.group.empty() ? c.name : c.group + "/" + c.name;
  return c.version.empty() ? name : name + "@" + c.version;
}

std::string Table(const vuln::Sbom& sbom, const vuln::ScanResult& result,
                  const std::string& source) {
  std::string out;
  std::map<vuln::SeverityLevel, size_t> by_level;
  for (const vuln::Finding& f : result.findings) ++by_level[f.severity];
  out += PrintableText(source) + ": " + std::to_string(result.components) + " components, " +
         std::to_string(result.matched) + " matched against advisories, " +
         std::to_string(result.findings.size()) + " findings";
  if (!result.findings.empty()) {
    std::string levels;
    for (auto it = by_level.rbegin(); it != by_level.rend(); ++it) {
      levels += (levels.empty() ? "" : ", ") + std::to_string(it->second) + " " +
                std::string(vuln::SeverityLevelName(it->first));
    }
    out += " (" + levels + ")";
  }
  out += "\n";
  if (!result.findings.empty()) {
    std::vector<std::array<std::string, 6>> rows = {
        {"SEVERITY", "ADVISORY", "ALIASES", "PACKAGE", "INSTALLED", "UPGRADE TO"}};
    for (const vuln::Finding& f : result.findings) {
      std::string aliases;
      for (const std::string& a : f.aliases) {
        if (a.starts_with("CVE-")) aliases += (aliases.empty() ? "" : " ") + a;
      }
      std::string level(vuln::SeverityLevelName(f.severity));
      if (f.score) {
        char score[16];
        std::snprintf(score, sizeof(score), " %.1f", *f.score);
        level += score;
      }
      rows.push_back({level, PrintableText(f.advisory_id),
                      aliases.empty() ? "-" : PrintableText(aliases), PrintableText(f.package_name),
                      PrintableText(f.installed_version),
                      f.upgrade_to.empty() ? "-" : PrintableText(f.upgrade_to)});
    }
    std::array<size_t, 6> width{};
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    }
    out += "\n";
    for (const auto& row : rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) {
        line += i + 1 == row.size() ? row[i] : Pad(row[i], width[i] + 2);
      }
      out += line + "\n";
    }
  }
  if (!result.unmatched.empty()) {
    std::map<std::string, size_t> reasons;
    for (const vuln::UnmatchedComponent& u : result.unmatched) ++reasons[u.reason];
    out += "\n" + std::to_string(result.unmatched.size()) + " components could not be matched:\n";
    for (const auto& [reason, count] : reasons) {
      out += "  " + std::to_string(count) + " × " + PrintableText(reason);
      for (const vuln::UnmatchedComponent& u : result.unmatched) {
        if (u.reason == reason) {
          out += " (e.g. " + PrintableText(ComponentName(sbom.components[u.component])) + ")";
          break;
        }
      }
      out += "\n";
    }
  }
  return out;
}

int RunScan(const ScanOptions& options) {
  if (options.advisories.empty() == options.index.empty()) {
    std::cerr << "bulwark scan: give exactly one of --advisories DIR|ZIP|FILE or --index FILE\n";
    return kError;
  }
  std::optional<vuln::SeverityLevel> threshold;
  if (options.fail_on != "any" && options.fail_on != "none") {
    threshold = vuln::ParseSeverityLevel(options.fail_on);
    if (!threshold || *threshold == vuln::SeverityLevel::kUnknown ||
        *threshold == vuln::SeverityLevel::kNone) {
      std::cerr << "bulwark scan: --fail-on takes any, low, medium, high, critical or none\n";
      return kError;
    }
  }

  StatusOr<std::string> document = ReadFileToString(options.sbom, vuln::kMaxSbomBytes);
  if (!document.ok()) return Error(document.status());
  StatusOr<vuln::Sbom> sbom = vuln::ParseSbom(*document);
  if (!sbom.ok()) {
    return Error(Status(sbom.status().code(), options.sbom + ": " + sbom.status().message()));
  }

  StatusOr<vuln::AdvisoryIndex> index = options.index.empty()
                                            ? IndexFromAdvisories(options.advisories)
                                            : vuln::AdvisoryIndex::Load(options.index);
  if (!index.ok()) return Error(index.status());

  vuln::ScanResult result = vuln::ScanSbom(*sbom, *index);
  vuln::ReportContext context{options.sbom, std::string(kBulwarkVersion), SystemClock::Get().Now()};
  std::string report;
  if (options.format == "table") {
    report = Table(*sbom, result, options.sbom);
  } else if (options.format == "json") {
    report = vuln::ScanReportJson(*sbom, result, context);
  } else if (options.format == "sarif") {
    report = vuln::ScanReportSarif(*sbom, result, context);
  } else {
    report = vuln::ScanReportCycloneDxVex(*sbom, result, context);
  }
  if (options.output.empty()) {
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
  } else {
    FILE* f = std::fopen(options.output.c_str(), "wb");
    bool ok = f != nullptr && std::fwrite(report.data(), 1, report.size(), f) == report.size();
    if (f != nullptr) ok = std::fclose(f) == 0 && ok;
    if (!ok) return Error(Status(StatusCode::kUnavailable, "cannot write " + options.output));
  }

  if (options.fail_on == "none") return 0;
  for (const vuln::Finding& f : result.findings) {
    // An unknown severity has not been shown to be below any threshold.
    if (!threshold || f.severity == vuln::SeverityLevel::kUnknown || f.severity >= *threshold) {
      return kFindings;
    }
  }
  return 0;
}

}  // namespace

void AddScanCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  auto options = std::make_shared<ScanOptions>();
  CLI::App* scan = app.add_subcommand(
      "scan",
      "Match an SBOM (CycloneDX JSON/XML, SPDX 2.3 JSON) against OSV advisories. Exit status: 0 "
      "clean, 1 findings at or above --fail-on, 2 an error");
  scan->add_option("sbom", options->sbom, "The SBOM file (\"-\" for standard input)")->required();
  scan->add_option("--advisories", options->advisories,
                   "OSV advisories: a directory of JSON files, a zip of them (all.zip), or a file");
  scan->add_option("--index", options->index,
                   "A prebuilt advisory index (bulwark advisories index), loaded in milliseconds");
  scan->add_option("--format", options->format, "table, json, sarif or cyclonedx-vex")
      ->check(CLI::IsMember({"table", "json", "sarif", "cyclonedx-vex"}))
      ->capture_default_str();
  scan->add_option("--fail-on", options->fail_on,
                   "Exit 1 when a finding is at least this severe: any, low, medium, high, "
                   "critical, or none (findings of unknown severity meet every threshold)")
      ->capture_default_str();
  scan->add_option("--output", options->output, "Write the report to this file");
  actions[scan] = [options] { return RunScan(*options); };
}

}  // namespace bulwark::cli
