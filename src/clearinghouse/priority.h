// A finding's priority, and why: the order in which the clearinghouse asks operators to patch.
//
// The order is lexicographic over what matters most first:
//   1. the BOD 26-04 remediation timeline (3 days and a forensic investigation, 3 days, 14 days,
//      60 days, fix on system upgrade), from In KEV, Publicly Exposed, Automatable and Technical
//      Impact: the deadline the directive sets;
//   2. the CISA coordinator decision (act, attend, track*, track), which adds Exploitation and the
//      asset's Mission and Well-Being Impact;
//   3. KEV membership (exploited in the wild), then its ransomware use;
//   4. the EPSS probability of exploitation in the next 30 days, higher first;
//   5. the CVSS score, higher first.
// `rank` packs them into one integer, smaller first, so that a database index orders millions of
// findings; each factor says its value, where it came from, and how it moved the order.
//
// An input an advisory does not give is assumed, and the factor says so: Exploitation is
// "active" for a KEV entry, "none" otherwise; Automatable "no"; Technical Impact "total" for a
// CVSS score of 9.0 or more, "partial" otherwise. CISA's Vulnrichment gives the three where it has
// assessed the vulnerability.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "ssvc/ssvc.h"

namespace bulwark::clearinghouse {

struct PriorityInputs {
  bool in_kev = false;
  bool kev_ransomware = false;  // KEV's knownRansomwareCampaignUse is "Known"
  std::optional<double> epss;   // probability, 0 to 1
  std::optional<double> cvss;   // the advisory's CVSS score, 0 to 10
  std::optional<ssvc::Exploitation> exploitation;
  std::optional<bool> automatable;
  std::optional<ssvc::TechnicalImpact> technical_impact;
  bool publicly_exposed = false;                                                // the asset's
  ssvc::MissionWellBeing mission_well_being = ssvc::MissionWellBeing::kMedium;  // the asset's
  Time known_at;  // when the finding became known to apply to the asset
};

// One thing that set the priority.
struct PriorityFactor {
  std::string name;    // "BOD 26-04 timeline", "CISA decision", "KEV", "EPSS", "CVSS", ...
  std::string value;   // "14 days", "attend", "yes (ransomware)", "0.9412", "9.8"
  std::string effect;  // how it moved the order, in words
};

struct Priority {
  ssvc::RemediationTimeline timeline = ssvc::RemediationTimeline::kOnSystemUpgrade;
  std::optional<Time> deadline;  // known_at plus the timeline's days
  ssvc::CisaLevel cisa_level = ssvc::CisaLevel::kTrack;
  int64_t rank = 0;  // smaller first
  std::vector<PriorityFactor> factors;
};

Priority Prioritize(const PriorityInputs& inputs);

}  // namespace bulwark::clearinghouse
