// bulwark purl: package URLs on the command line.
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/input_lines.h"
#include "vuln/purl.h"

namespace bulwark::cli {
namespace {

// Prints one line for `text`: its canonical form, or "error: <message>". Returns whether it
// parsed.
bool PrintCanonical(std::string_view text) {
  StatusOr<vuln::PackageUrl> purl = vuln::ParsePackageUrl(text);
  if (!purl.ok()) {
    std::cout << "error: " << purl.status().message() << "\n";
    return false;
  }
  std::cout << purl->ToString() << "\n";
  return true;
}

}  // namespace

void AddPurlCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* cmd = app.add_subcommand("purl", "Package URLs (package-url/purl-spec)");
  cmd->require_subcommand(1);
  auto* sub = cmd->add_subcommand(
      "canonical",
      "Print the canonical form of each PURL, one line each, or \"error: <message>\" for one "
      "that is invalid; exit 1 if any is");
  auto purls = std::make_shared<std::vector<std::string>>();
  sub->add_option("PURL", *purls,
                  "Package URLs; with none, one per line from standard input (blank lines "
                  "skipped)");
  actions[sub] = [purls] {
    bool all_valid = true;
    if (!purls->empty()) {
      for (const std::string& purl : *purls) all_valid = PrintCanonical(purl) && all_valid;
    } else {
      std::string line;
      while (ReadInputLine(std::cin, line)) {
        std::string_view purl = TrimmedLine(line);
        if (purl.empty()) continue;
        all_valid = PrintCanonical(purl) && all_valid;
      }
    }
    return all_valid ? 0 : 1;
  };
}

}  // namespace bulwark::cli
