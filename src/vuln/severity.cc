#include "vuln/severity.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string>

namespace bulwark::vuln {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// One metric of a vector: its name, and the weight of each allowed value.
struct Metric {
  std::string_view name;
  std::string_view values;  // one letter per value
  std::array<double, 4> weights;
};

// Splits "A:B/C:D" and looks each metric up in `metrics`, filling `letters` in metric order.
// Every base metric must appear exactly once; the temporal and environmental metrics named in
// `others` may appear (they do not change the base score); anything else is malformed.
template <size_t N>
bool ReadMetrics(std::string_view vector, const std::array<Metric, N>& metrics,
                 std::initializer_list<std::string_view> others, std::array<char, N>& letters) {
  letters.fill(0);
  size_t seen = 0;
  while (!vector.empty()) {
    size_t slash = vector.find('/');
    std::string_view part = vector.substr(0, slash);
    vector = slash == std::string_view::npos ? std::string_view() : vector.substr(slash + 1);
    size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon + 1 == part.size()) return false;
    std::string_view name = part.substr(0, colon);
    std::string_view value = part.substr(colon + 1);
    bool known = false;
    for (size_t i = 0; i < N; ++i) {
      if (metrics[i].name != name) continue;
      if (letters[i] != 0 || value.size() != 1 ||
          metrics[i].values.find(value[0]) == std::string_view::npos) {
        return false;
      }
      letters[i] = value[0];
      ++seen;
      known = true;
    }
    if (!known && std::find(others.begin(), others.end(), name) == others.end()) return false;
  }
  return seen == N;
}

template <size_t N>
double Weight(const std::array<Metric, N>& metrics, const std::array<char, N>& letters, size_t i) {
  return metrics[i].weights[metrics[i].values.find(letters[i])];
}

// CVSS 3.1's Roundup, defined on integers to avoid floating-point surprises (spec Appendix A).
double RoundUp31(double value) {
  auto scaled = static_cast<int64_t>(std::llround(value * 100000.0));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return static_cast<double>(scaled / 10000 + 1) / 10.0;
}

// CVSS 3.0's round-up to one decimal.
double RoundUp30(double value) { return std::ceil(value * 10.0) / 10.0; }

SeverityLevel LevelOfRating(std::string_view rating) {
  if (EqualsIgnoreCase(rating, "critical")) return SeverityLevel::kCritical;
  if (EqualsIgnoreCase(rating, "high") || EqualsIgnoreCase(rating, "important")) {
    return SeverityLevel::kHigh;
  }
  if (EqualsIgnoreCase(rating, "moderate") || EqualsIgnoreCase(rating, "medium")) {
    return SeverityLevel::kMedium;
  }
  if (EqualsIgnoreCase(rating, "low") || EqualsIgnoreCase(rating, "negligible")) {
    return SeverityLevel::kLow;
  }
  return SeverityLevel::kUnknown;
}

SeverityLevel LevelOfCvssV2Score(double score) {
  if (score < 4.0) return score == 0 ? SeverityLevel::kNone : SeverityLevel::kLow;
  if (score < 7.0) return SeverityLevel::kMedium;
  return SeverityLevel::kHigh;
}

std::optional<AssessedSeverity> FromScores(const std::vector<SeverityScore>& scores) {
  for (const SeverityScore& s : scores) {
    if (s.type != "CVSS_V3") continue;
    if (std::optional<double> score = CvssV3BaseScore(s.score)) {
      return AssessedSeverity{LevelOfCvssV3Score(*score), score, "CVSS_V3"};
    }
  }
  for (const SeverityScore& s : scores) {
    if (s.type != "CVSS_V2") continue;
    if (std::optional<double> score = CvssV2BaseScore(s.score)) {
      return AssessedSeverity{LevelOfCvssV2Score(*score), score, "CVSS_V2"};
    }
  }
  for (const SeverityScore& s : scores) {
    if (s.type != "Ubuntu") continue;
    if (SeverityLevel level = LevelOfRating(s.score); level != SeverityLevel::kUnknown) {
      return AssessedSeverity{level, std::nullopt, "rating"};
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view SeverityLevelName(SeverityLevel level) {
  switch (level) {
    case SeverityLevel::kUnknown:
      return "unknown";
    case SeverityLevel::kNone:
      return "none";
    case SeverityLevel::kLow:
      return "low";
    case SeverityLevel::kMedium:
      return "medium";
    case SeverityLevel::kHigh:
      return "high";
    case SeverityLevel::kCritical:
      return "critical";
  }
  return "unknown";
}

std::optional<SeverityLevel> ParseSeverityLevel(std::string_view name) {
  for (auto level : {SeverityLevel::kUnknown, SeverityLevel::kNone, SeverityLevel::kLow,
                     SeverityLevel::kMedium, SeverityLevel::kHigh, SeverityLevel::kCritical}) {
    if (EqualsIgnoreCase(SeverityLevelName(level), name)) return level;
  }
  return std::nullopt;
}

std::optional<double> CvssV3BaseScore(std::string_view vector) {
  bool v30;
  if (vector.starts_with("CVSS:3.0/")) {
    v30 = true;
  } else if (vector.starts_with("CVSS:3.1/")) {
    v30 = false;
  } else {
    return std::nullopt;
  }
  static const std::array<Metric, 8> kMetrics = {{
      {"AV", "NALP", {0.85, 0.62, 0.55, 0.2}},
      {"AC", "LH", {0.77, 0.44}},
      {"PR", "NLH", {0.85, 0.62, 0.27}},
      {"UI", "NR", {0.85, 0.62}},
      {"S", "UC", {0, 0}},
      {"C", "HLN", {0.56, 0.22, 0}},
      {"I", "HLN", {0.56, 0.22, 0}},
      {"A", "HLN", {0.56, 0.22, 0}},
  }};
  std::array<char, 8> m;
  if (!ReadMetrics(
          vector.substr(9), kMetrics,
          {"E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"},
          m)) {
    return std::nullopt;
  }
  bool changed = m[4] == 'C';
  double privileges = Weight(kMetrics, m, 2);
  if (changed && m[2] == 'L') privileges = 0.68;
  if (changed && m[2] == 'H') privileges = 0.5;
  double iss = 1 - (1 - Weight(kMetrics, m, 5)) * (1 - Weight(kMetrics, m, 6)) *
                       (1 - Weight(kMetrics, m, 7));
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double exploitability =
      8.22 * Weight(kMetrics, m, 0) * Weight(kMetrics, m, 1) * privileges * Weight(kMetrics, m, 3);
  if (impact <= 0) return 0.0;
  double raw = changed ? std::min(1.08 * (impact + exploitability), 10.0)
                       : std::min(impact + exploitability, 10.0);
  return v30 ? RoundUp30(raw) : RoundUp31(raw);
}

std::optional<double> CvssV2BaseScore(std::string_view vector) {
  if (vector.starts_with("(") && vector.ends_with(")")) {
    vector = vector.substr(1, vector.size() - 2);
  }
  static const std::array<Metric, 6> kMetrics = {{
      {"AV", "LAN", {0.395, 0.646, 1.0}},
      {"AC", "HML", {0.35, 0.61, 0.71}},
      {"Au", "MSN", {0.45, 0.56, 0.704}},
      {"C", "NPC", {0, 0.275, 0.660}},
      {"I", "NPC", {0, 0.275, 0.660}},
      {"A", "NPC", {0, 0.275, 0.660}},
  }};
  std::array<char, 6> m;
  if (!ReadMetrics(vector, kMetrics, {"E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR"}, m)) {
    return std::nullopt;
  }
  double impact = 10.41 * (1 - (1 - Weight(kMetrics, m, 3)) * (1 - Weight(kMetrics, m, 4)) *
                                   (1 - Weight(kMetrics, m, 5)));
  double exploitability =
      20 * Weight(kMetrics, m, 0) * Weight(kMetrics, m, 1) * Weight(kMetrics, m, 2);
  double f = impact == 0 ? 0 : 1.176;
  double score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
  return std::round(score * 10.0) / 10.0;
}

SeverityLevel LevelOfCvssV3Score(double score) {
  if (score == 0) return SeverityLevel::kNone;
  if (score < 4.0) return SeverityLevel::kLow;
  if (score < 7.0) return SeverityLevel::kMedium;
  if (score < 9.0) return SeverityLevel::kHigh;
  return SeverityLevel::kCritical;
}

AssessedSeverity AssessSeverity(const Advisory& advisory, const AffectedPackage* package) {
  if (package != nullptr) {
    if (std::optional<AssessedSeverity> s = FromScores(package->severity)) return *s;
    if (SeverityLevel level = LevelOfRating(package->rating); level != SeverityLevel::kUnknown) {
      return {level, std::nullopt, "rating"};
    }
  }
  if (std::optional<AssessedSeverity> s = FromScores(advisory.severity)) return *s;
  if (SeverityLevel level = LevelOfRating(advisory.rating); level != SeverityLevel::kUnknown) {
    return {level, std::nullopt, "rating"};
  }
  return {};
}

}  // namespace bulwark::vuln
