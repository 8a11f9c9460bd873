// SSVC (Stakeholder-Specific Vulnerability Categorization) decisions and the remediation
// timelines of CISA's BOD 26-04, each from its published decision table, for the
// clearinghouse's priorities and deadlines.
//
// - The CISA coordinator decision (CISA Levels 1.1.0 over Exploitation 1.1.0, Automatable 2.0.0,
//   Technical Impact 1.0.0 and Mission and Well-Being Impact 1.0.0): Track, Track*, Attend, Act.
// - The deployer's patch application priority (1.0.0, over Exploitation, System Exposure 1.0.1,
//   Automatable and Human Impact 2.0.2): Defer, Scheduled, Out-of-Cycle, Immediate.
// - Human Impact 2.0.2 from Safety Impact 2.0.1 and Mission Impact 2.0.0.
// - BOD 26-04's remediation timeline (1.0.0, over In KEV, Publicly Exposed, Automatable and
//   Technical Impact): fix on system upgrade, 60 days, 14 days, 3 days, or 3 days and a forensic
//   investigation.
//
// Every decision point's values are in the order the tables list them, lowest first; names are
// SSVC's lower-case spellings ("public poc", "mef support crippled"), which Parse* also reads.
//
// Thread-safety: pure functions.
//
//   Bod2604Timeline({.in_kev = true, .publicly_exposed = true, .automatable = false,
//                    .technical_impact = TechnicalImpact::kTotal});
//   // RemediationTimeline::kThreeDaysAndForensics
#pragma once

#include <optional>
#include <string_view>

#include "base/clock.h"

namespace bulwark::ssvc {

enum class Exploitation { kNone, kPublicPoc, kActive };
enum class TechnicalImpact { kPartial, kTotal };
enum class MissionWellBeing { kLow, kMedium, kHigh };
enum class SystemExposure { kSmall, kControlled, kOpen };
enum class SafetyImpact { kNegligible, kMarginal, kCritical, kCatastrophic };
enum class MissionImpact { kDegraded, kMefSupportCrippled, kMefFailure, kMissionFailure };
enum class HumanImpact { kLow, kMedium, kHigh, kVeryHigh };

enum class CisaLevel { kTrack, kTrackStar, kAttend, kAct };
enum class DeployerPriority { kDefer, kScheduled, kOutOfCycle, kImmediate };
enum class RemediationTimeline {
  kOnSystemUpgrade,
  kSixtyDays,
  kFourteenDays,
  kThreeDays,
  kThreeDaysAndForensics,
};

struct CoordinatorInputs {
  Exploitation exploitation = Exploitation::kNone;
  bool automatable = false;
  TechnicalImpact technical_impact = TechnicalImpact::kPartial;
  MissionWellBeing mission_well_being = MissionWellBeing::kLow;
};
CisaLevel CisaCoordinatorDecision(const CoordinatorInputs& inputs);

struct DeployerInputs {
  Exploitation exploitation = Exploitation::kNone;
  SystemExposure exposure = SystemExposure::kSmall;
  bool automatable = false;
  HumanImpact human_impact = HumanImpact::kLow;
};
DeployerPriority DeployerDecision(const DeployerInputs& inputs);

HumanImpact HumanImpactOf(SafetyImpact safety, MissionImpact mission);

struct Bod2604Inputs {
  bool in_kev = false;
  bool publicly_exposed = false;
  bool automatable = false;
  TechnicalImpact technical_impact = TechnicalImpact::kPartial;
};
RemediationTimeline Bod2604Timeline(const Bod2604Inputs& inputs);
// The time a timeline allows: 3, 14 or 60 days; none for "fix on system upgrade".
std::optional<Duration> TimelineDuration(RemediationTimeline timeline);

// SSVC's spellings: "none", "public poc", "active"; "partial", "total"; "low", "medium", "high";
// "small", "controlled", "open"; "negligible", "marginal", "critical", "catastrophic";
// "degraded", "mef support crippled", "mef failure", "mission failure"; "low", "medium", "high",
// "very high"; "track", "track*", "attend", "act"; "defer", "scheduled", "out-of-cycle",
// "immediate"; "fix on system upgrade", "60 days", "14 days", "3 days", "3 days & forensic
// investigation".
std::string_view Name(Exploitation v);
std::string_view Name(TechnicalImpact v);
std::string_view Name(MissionWellBeing v);
std::string_view Name(SystemExposure v);
std::string_view Name(SafetyImpact v);
std::string_view Name(MissionImpact v);
std::string_view Name(HumanImpact v);
std::string_view Name(CisaLevel v);
std::string_view Name(DeployerPriority v);
std::string_view Name(RemediationTimeline v);

// The value named `name` (case-insensitive), or nullopt.
std::optional<Exploitation> ParseExploitation(std::string_view name);
std::optional<TechnicalImpact> ParseTechnicalImpact(std::string_view name);
std::optional<MissionWellBeing> ParseMissionWellBeing(std::string_view name);
std::optional<SystemExposure> ParseSystemExposure(std::string_view name);
std::optional<SafetyImpact> ParseSafetyImpact(std::string_view name);
std::optional<MissionImpact> ParseMissionImpact(std::string_view name);
std::optional<HumanImpact> ParseHumanImpact(std::string_view name);

}  // namespace bulwark::ssvc
