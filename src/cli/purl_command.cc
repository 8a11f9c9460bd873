// bulwark purl: package URLs on the command line.
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "vuln/purl.h"

namespace bulwark::cli {
namespace {

// Lines of standard input are kept up to this many bytes; the parser refuses anything this
// long, so a longer line is reported as too long without being held whole in memory.
constexpr size_t kMaxLineBytes = 1024 * 1024;

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

// Reads one line (without its "\n") into `line`, keeping at most kMaxLineBytes + 1 bytes of it.
// Returns false at the end of input.
bool ReadLine(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* buffer = in.rdbuf();
  bool read_any = false;
  for (int c = buffer->sbumpc(); c != std::char_traits<char>::eof(); c = buffer->sbumpc()) {
    read_any = true;
    if (c == '\n') return true;
    if (line.size() <= kMaxLineBytes) line += static_cast<char>(c);
  }
  return read_any;
}

// A line without the blanks around it (a CRLF file leaves "\r" on each line).
std::string_view Trimmed(std::string_view line) {
  const size_t start = line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return {};
  return line.substr(start, line.find_last_not_of(" \t\r") + 1 - start);
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
      while (ReadLine(std::cin, line)) {
        std::string_view purl = Trimmed(line);
        if (purl.empty()) continue;
        all_valid = PrintCanonical(purl) && all_valid;
      }
    }
    return all_valid ? 0 : 1;
  };
}

}  // namespace bulwark::cli
