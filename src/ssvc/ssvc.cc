#include "ssvc/ssvc.h"

#include <array>
#include <cstddef>

namespace bulwark::ssvc {
namespace {

// The decision tables, one letter per row, the rows in the order the published tables list them:
// each decision point varies slower than the next, its values lowest first.

// CISA Levels 1.1.0: Exploitation x Automatable x Technical Impact x Mission and Well-Being.
// t Track, * Track*, a Attend, A Act.
constexpr std::string_view kCisaLevels =
    "ttt"
    "tt*"
    "tta"
    "tta"  // none
    "tt*"
    "t*a"
    "tta"
    "t*a"  // public poc
    "tta"
    "taA"
    "aaA"
    "aAA";  // active

// Deployer patch application priority 1.0.0: Exploitation x System Exposure x Automatable x
// Human Impact. d Defer, s Scheduled, o Out-of-Cycle, i Immediate.
constexpr std::string_view kDeployerPriorities =
    "ddss"
    "dsss"
    "dsss"
    "ssss"
    "dsss"
    "ssso"  // none: small, controlled, open (no, yes)
    "dsss"
    "ssss"
    "dsss"
    "ssso"
    "ssso"
    "ssoo"  // public poc
    "ssoo"
    "sooo"
    "ssoo"
    "oooo"
    "sooi"
    "ooii";  // active

// Human Impact 2.0.2: Safety Impact x Mission Impact. l low, m medium, h high, v very high.
constexpr std::string_view kHumanImpacts =
    "llmv"
    "llmv"
    "mhhv"
    "vvvv";

// CISA BOD 26-04 1.0.0, indexed by In KEV x Publicly Exposed x Automatable x Technical Impact
// (no before yes, partial before total). u on system upgrade, 6 sixty days, 1 fourteen days,
// 3 three days, f three days and a forensic investigation.
constexpr std::string_view kBodTimelines =
    "uu66"
    "6113"
    "111f"
    "1f3f";

template <typename T, size_t N>
std::optional<T> Parse(std::string_view name, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    const std::string_view known = names[i];
    if (known.size() != name.size()) continue;
    bool same = true;
    for (size_t j = 0; j < name.size() && same; ++j) {
      char c = name[j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == known[j];
    }
    if (same) return static_cast<T>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 3> kExploitation = {"none", "public poc", "active"};
constexpr std::array<std::string_view, 2> kTechnicalImpact = {"partial", "total"};
constexpr std::array<std::string_view, 3> kMissionWellBeing = {"low", "medium", "high"};
constexpr std::array<std::string_view, 3> kSystemExposure = {"small", "controlled", "open"};
constexpr std::array<std::string_view, 4> kSafetyImpact = {"negligible", "marginal", "critical",
                                                           "catastrophic"};
constexpr std::array<std::string_view, 4> kMissionImpact = {"degraded", "mef support crippled",
                                                            "mef failure", "mission failure"};
constexpr std::array<std::string_view, 4> kHumanImpact = {"low", "medium", "high", "very high"};
constexpr std::array<std::string_view, 4> kCisaLevel = {"track", "track*", "attend", "act"};
constexpr std::array<std::string_view, 4> kDeployerPriority = {"defer", "scheduled", "out-of-cycle",
                                                               "immediate"};
constexpr std::array<std::string_view, 5> kRemediationTimeline = {
    "fix on system upgrade", "60 days", "14 days", "3 days", "3 days & forensic investigation"};

size_t Index(auto value) { return static_cast<size_t>(value); }

}  // namespace

CisaLevel CisaCoordinatorDecision(const CoordinatorInputs& in) {
  const size_t row =
      ((Index(in.exploitation) * 2 + (in.automatable ? 1 : 0)) * 2 + Index(in.technical_impact)) *
          3 +
      Index(in.mission_well_being);
  switch (kCisaLevels[row]) {
    case 't':
      return CisaLevel::kTrack;
    case '*':
      return CisaLevel::kTrackStar;
    case 'a':
      return CisaLevel::kAttend;
    default:
      return CisaLevel::kAct;
  }
}

DeployerPriority DeployerDecision(const DeployerInputs& in) {
  const size_t row =
      ((Index(in.exploitation) * 3 + Index(in.exposure)) * 2 + (in.automatable ? 1 : 0)) * 4 +
      Index(in.human_impact);
  switch (kDeployerPriorities[row]) {
    case 'd':
      return DeployerPriority::kDefer;
    case 's':
      return DeployerPriority::kScheduled;
    case 'o':
      return DeployerPriority::kOutOfCycle;
    default:
      return DeployerPriority::kImmediate;
  }
}

HumanImpact HumanImpactOf(SafetyImpact safety, MissionImpact mission) {
  switch (kHumanImpacts[Index(safety) * 4 + Index(mission)]) {
    case 'l':
      return HumanImpact::kLow;
    case 'm':
      return HumanImpact::kMedium;
    case 'h':
      return HumanImpact::kHigh;
    default:
      return HumanImpact::kVeryHigh;
  }
}

RemediationTimeline Bod2604Timeline(const Bod2604Inputs& in) {
  const size_t row = (in.in_kev ? 8 : 0) + (in.publicly_exposed ? 4 : 0) +
                     (in.automatable ? 2 : 0) + Index(in.technical_impact);
  switch (kBodTimelines[row]) {
    case 'u':
      return RemediationTimeline::kOnSystemUpgrade;
    case '6':
      return RemediationTimeline::kSixtyDays;
    case '1':
      return RemediationTimeline::kFourteenDays;
    case '3':
      return RemediationTimeline::kThreeDays;
    default:
      return RemediationTimeline::kThreeDaysAndForensics;
  }
}

std::optional<Duration> TimelineDuration(RemediationTimeline timeline) {
  switch (timeline) {
    case RemediationTimeline::kOnSystemUpgrade:
      return std::nullopt;
    case RemediationTimeline::kSixtyDays:
      return Hours(24 * 60);
    case RemediationTimeline::kFourteenDays:
      return Hours(24 * 14);
    case RemediationTimeline::kThreeDays:
    case RemediationTimeline::kThreeDaysAndForensics:
      return Hours(24 * 3);
  }
  return std::nullopt;
}

std::string_view Name(Exploitation v) { return kExploitation[Index(v)]; }
std::string_view Name(TechnicalImpact v) { return kTechnicalImpact[Index(v)]; }
std::string_view Name(MissionWellBeing v) { return kMissionWellBeing[Index(v)]; }
std::string_view Name(SystemExposure v) { return kSystemExposure[Index(v)]; }
std::string_view Name(SafetyImpact v) { return kSafetyImpact[Index(v)]; }
std::string_view Name(MissionImpact v) { return kMissionImpact[Index(v)]; }
std::string_view Name(HumanImpact v) { return kHumanImpact[Index(v)]; }
std::string_view Name(CisaLevel v) { return kCisaLevel[Index(v)]; }
std::string_view Name(DeployerPriority v) { return kDeployerPriority[Index(v)]; }
std::string_view Name(RemediationTimeline v) { return kRemediationTimeline[Index(v)]; }

std::optional<Exploitation> ParseExploitation(std::string_view name) {
  return Parse<Exploitation>(name, kExploitation);
}
std::optional<TechnicalImpact> ParseTechnicalImpact(std::string_view name) {
  return Parse<TechnicalImpact>(name, kTechnicalImpact);
}
std::optional<MissionWellBeing> ParseMissionWellBeing(std::string_view name) {
  return Parse<MissionWellBeing>(name, kMissionWellBeing);
}
std::optional<SystemExposure> ParseSystemExposure(std::string_view name) {
  return Parse<SystemExposure>(name, kSystemExposure);
}
std::optional<SafetyImpact> ParseSafetyImpact(std::string_view name) {
  return Parse<SafetyImpact>(name, kSafetyImpact);
}
std::optional<MissionImpact> ParseMissionImpact(std::string_view name) {
  return Parse<MissionImpact>(name, kMissionImpact);
}
std::optional<HumanImpact> ParseHumanImpact(std::string_view name) {
  return Parse<HumanImpact>(name, kHumanImpact);
}

}  // namespace bulwark::ssvc
