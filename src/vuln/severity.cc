#include "vuln/severity.h"

#include <algorithm>
#include <initializer_list>
#include <string>

#include "cvss/cvss.h"

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

// The base score of a vector of one of `versions` (v4.0's one score), or nullopt.
std::optional<double> BaseScore(std::string_view vector,
                                std::initializer_list<cvss::CvssVersion> versions) {
  StatusOr<cvss::CvssScore> score = cvss::ScoreCvss(vector);
  if (!score.ok() ||
      std::find(versions.begin(), versions.end(), score->version) == versions.end()) {
    return std::nullopt;
  }
  return score->base;
}

std::optional<AssessedSeverity> FromScores(const std::vector<SeverityScore>& scores) {
  using cvss::CvssVersion;
  // v3 first, the version nearly every advisory gives, then v4.0 and v2.
  for (const SeverityScore& s : scores) {
    if (s.type != "CVSS_V3") continue;
    if (std::optional<double> score = BaseScore(s.score, {CvssVersion::kV30, CvssVersion::kV31})) {
      return AssessedSeverity{LevelOfCvssV3Score(*score), score, "CVSS_V3"};
    }
  }
  for (const SeverityScore& s : scores) {
    if (s.type != "CVSS_V4") continue;
    if (std::optional<double> score = BaseScore(s.score, {CvssVersion::kV40})) {
      return AssessedSeverity{LevelOfCvssV3Score(*score), score, "CVSS_V4"};
    }
  }
  for (const SeverityScore& s : scores) {
    if (s.type != "CVSS_V2") continue;
    if (std::optional<double> score = BaseScore(s.score, {CvssVersion::kV2})) {
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
