// bulwark version compare: orders two versions by a scheme's rules, or many pairs read from
// standard input, one answer ("<", "=" or ">") a line.
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "vuln/version.h"

namespace bulwark::cli {
namespace {

// A longer --stdin line is answered with an error instead of being held in memory.
constexpr size_t kMaxLineBytes = 64 * 1024;
// Answers are written in blocks of about this size.
constexpr size_t kOutputBlockBytes = 64 * 1024;

struct CompareOptions {
  std::string scheme;
  std::vector<std::string> versions;
  bool from_stdin = false;
};

char Answer(int comparison) { return comparison < 0 ? '<' : comparison > 0 ? '>' : '='; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Answers for --stdin, written to standard output in large blocks.
class AnswerWriter {
 public:
  AnswerWriter() { buffer_.reserve(kOutputBlockBytes + kMaxLineBytes); }
  ~AnswerWriter() { Flush(); }

  void Line(std::string_view text) {
    buffer_.append(text);
    buffer_.push_back('\n');
    if (buffer_.size() >= kOutputBlockBytes) Flush();
  }

  void Flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stdout);
    buffer_.clear();
  }

 private:
  std::string buffer_;
};

// Compares the "A B" pair on one line and writes the answer, or an error line. Returns
// whether the line was well-formed.
bool AnswerLine(const vuln::VersionOrdering& ordering, std::string_view line, AnswerWriter& out) {
  std::string_view fields[2];
  size_t count = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) break;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (count < 2) fields[count] = line.substr(start, i - start);
    ++count;
  }
  if (count != 2) {
    out.Line("error: expected two versions separated by whitespace, found " +
             std::to_string(count));
    return false;
  }
  char answer = Answer(ordering.Compare(fields[0], fields[1]));
  out.Line(std::string_view(&answer, 1));
  return true;
}

// Answers every line of standard input; returns the exit code.
int CompareStdin(const vuln::VersionOrdering& ordering) {
  AnswerWriter out;
  bool all_well_formed = true;
  std::string pending;    // the start of a line that continues in the next read
  bool overlong = false;  // inside a line longer than kMaxLineBytes, skipping to its end
  auto finish_line = [&](std::string_view line) {
    if (overlong) {
      out.Line("error: line longer than " + std::to_string(kMaxLineBytes) + " bytes");
      all_well_formed = false;
      overlong = false;
      return;
    }
    all_well_formed &= AnswerLine(ordering, line, out);
  };
  std::vector<char> buffer(256 * 1024);
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), stdin)) > 0) {
    std::string_view chunk(buffer.data(), n);
    while (true) {
      size_t newline = chunk.find('\n');
      std::string_view piece = chunk.substr(0, newline);
      if (!overlong && pending.size() + piece.size() > kMaxLineBytes) {
        overlong = true;
        pending.clear();
      }
      if (newline == std::string_view::npos) {
        if (!overlong) pending.append(piece);
        break;
      }
      if (pending.empty()) {
        finish_line(piece);
      } else {
        pending.append(piece);
        finish_line(pending);
        pending.clear();
      }
      chunk.remove_prefix(newline + 1);
    }
  }
  if (overlong || !pending.empty()) finish_line(pending);
  out.Flush();
  if (std::ferror(stdin)) {
    std::fprintf(stderr, "bulwark: cannot read standard input\n");
    return 1;
  }
  return all_well_formed ? 0 : 1;
}

int RunCompare(const CompareOptions& options) {
  StatusOr<vuln::VersionScheme> scheme = vuln::ParseVersionSchemeName(options.scheme);
  if (!scheme.ok()) return Fail(scheme.status());
  const vuln::VersionOrdering& ordering = vuln::OrderingFor(*scheme);
  if (options.from_stdin) {
    if (!options.versions.empty()) {
      return Fail(InvalidArgumentError("give either two versions or --stdin, not both"));
    }
    return CompareStdin(ordering);
  }
  if (options.versions.size() != 2) {
    return Fail(InvalidArgumentError("expected two versions (or --stdin), got " +
                                     std::to_string(options.versions.size())));
  }
  std::printf("%c\n", Answer(ordering.Compare(options.versions[0], options.versions[1])));
  return 0;
}

}  // namespace

void AddVersionCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Compare versions by a scheme's ordering; prints <, = or >. A version that starts with "
      "'-' goes after `--`.");
  auto options = std::make_shared<CompareOptions>();
  compare
      ->add_option("scheme", options->scheme,
                   "A version scheme (dpkg, rpm, apk, pep440, ...) or an ecosystem (Debian:12, "
                   "PyPI, ...)")
      ->required();
  compare->add_option("versions", options->versions, "The two versions A and B");
  compare->add_flag("--stdin", options->from_stdin,
                    "Read one whitespace-separated pair a line from standard input and answer "
                    "each on its own line (\"error: ...\" for a malformed line, exit status 1)");
  actions[compare] = [options] { return RunCompare(*options); };
}

}  // namespace bulwark::cli
