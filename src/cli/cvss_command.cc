// bulwark cvss: CVSS scores on the command line.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "cli/commands.h"
#include "cli/input_lines.h"
#include "cvss/cvss.h"

namespace bulwark::cli {
namespace {

std::string OneDecimal(double score) {
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", score);
  return text;
}

// Prints one line for `vector`: "SCORE SEVERITY", its scores as a JSON object with `json`, or
// "error: <message>". Returns whether it scored.
bool PrintScore(std::string_view vector, bool json) {
  StatusOr<cvss::CvssScore> score = cvss::ScoreCvss(vector);
  if (!score.ok()) {
    std::cout << "error: " << score.status().message() << "\n";
    return false;
  }
  if (!json) {
    std::cout << OneDecimal(score->score) << " " << score->severity << "\n";
    return true;
  }
  boost::json::object out{{"vector", vector},
                          {"version", cvss::CvssVersionName(score->version)},
                          {"score", OneDecimal(score->score)},
                          {"severity", score->severity},
                          {"base", OneDecimal(score->base)}};
  if (score->temporal) out["temporal"] = OneDecimal(*score->temporal);
  if (score->environmental) out["environmental"] = OneDecimal(*score->environmental);
  if (!score->nomenclature.empty()) out["nomenclature"] = score->nomenclature;
  if (!score->macrovector.empty()) out["macrovector"] = score->macrovector;
  std::cout << boost::json::serialize(out) << "\n";
  return true;
}

}  // namespace

void AddCvssCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* cmd = app.add_subcommand("cvss", "CVSS scores (v2, v3.0, v3.1 and v4.0)");
  cmd->require_subcommand(1);
  auto* sub = cmd->add_subcommand(
      "score",
      "Print \"SCORE SEVERITY\" for each vector, one line each (the environmental score when "
      "the vector has environmental metrics, else the temporal or threat score, else the base "
      "score), or \"error: <message>\" for one that is malformed; exit 1 if any is");
  struct Options {
    std::vector<std::string> vectors;
    bool stdin_lines = false;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  sub->add_option("VECTOR", o->vectors, "CVSS vectors (CVSS:3.1/AV:N/..., CVSS:4.0/..., AV:N/...)");
  sub->add_flag("--stdin", o->stdin_lines,
                "Read the vectors from standard input, one a line (blank lines skipped)");
  sub->add_flag("--json", o->json,
                "Print each vector's scores as a JSON object a line: version, base, temporal, "
                "environmental, score, severity (v4.0: nomenclature and macrovector)");
  actions[sub] = [o] {
    if (o->vectors.empty() && !o->stdin_lines) {
      return Fail(InvalidArgumentError("give vectors, or --stdin to read them a line each"));
    }
    bool all_valid = true;
    for (const std::string& vector : o->vectors)
      all_valid = PrintScore(vector, o->json) && all_valid;
    if (o->stdin_lines) {
      std::string line;
      while (ReadInputLine(std::cin, line)) {
        std::string_view vector = TrimmedLine(line);
        if (vector.empty()) continue;
        all_valid = PrintScore(vector, o->json) && all_valid;
      }
    }
    return all_valid ? 0 : 1;
  };
}

}  // namespace bulwark::cli
