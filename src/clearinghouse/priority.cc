#include "clearinghouse/priority.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "clearinghouse/rules.h"

namespace bulwark::clearinghouse {
namespace {

// Most urgent first: 0 for three days and a forensic investigation, 4 for a fix on upgrade.
int64_t TimelineTier(ssvc::RemediationTimeline timeline) {
  switch (timeline) {
    case ssvc::RemediationTimeline::kThreeDaysAndForensics:
      return 0;
    case ssvc::RemediationTimeline::kThreeDays:
      return 1;
    case ssvc::RemediationTimeline::kFourteenDays:
      return 2;
    case ssvc::RemediationTimeline::kSixtyDays:
      return 3;
    case ssvc::RemediationTimeline::kOnSystemUpgrade:
      return 4;
  }
  return 4;
}

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

Priority Prioritize(const PriorityInputs& in) {
  Priority out;
  std::vector<PriorityFactor>& f = out.factors;

  // The SSVC inputs, given or assumed.
  const ssvc::Exploitation exploitation =
      in.exploitation.value_or(in.in_kev ? ssvc::Exploitation::kActive : ssvc::Exploitation::kNone);
  const bool automatable = in.automatable.value_or(false);
  const ssvc::TechnicalImpact technical_impact = in.technical_impact.value_or(
      in.cvss && *in.cvss >= 9.0 ? ssvc::TechnicalImpact::kTotal : ssvc::TechnicalImpact::kPartial);
  const auto given = [](bool known) { return known ? "" : " (assumed)"; };

  out.timeline = ssvc::Bod2604Timeline({.in_kev = in.in_kev,
                                        .publicly_exposed = in.publicly_exposed,
                                        .automatable = automatable,
                                        .technical_impact = technical_impact});
  out.deadline = RemediationDeadline(out.timeline, in.known_at);
  f.push_back({"BOD 26-04 timeline", std::string(ssvc::Name(out.timeline)),
               "first: the directive's deadline, from In KEV, Publicly Exposed, Automatable and "
               "Technical Impact"});
  f.push_back({"Publicly exposed", in.publicly_exposed ? "yes" : "no",
               "the asset's exposure, an input of the timeline"});
  f.push_back({"Automatable",
               std::string(automatable ? "yes" : "no") + given(in.automatable.has_value()),
               "an input of the timeline and of the CISA decision"});
  f.push_back(
      {"Technical impact",
       std::string(ssvc::Name(technical_impact)) + (in.technical_impact ? ""
                                                    : in.cvss ? " (assumed from the CVSS score)"
                                                              : " (assumed)"),
       "an input of the timeline and of the CISA decision"});

  out.cisa_level = ssvc::CisaCoordinatorDecision({.exploitation = exploitation,
                                                  .automatable = automatable,
                                                  .technical_impact = technical_impact,
                                                  .mission_well_being = in.mission_well_being});
  f.push_back({"CISA decision", std::string(ssvc::Name(out.cisa_level)),
               "second: orders findings of one timeline"});
  f.push_back({"Exploitation",
               std::string(ssvc::Name(exploitation)) + (in.exploitation ? ""
                                                        : in.in_kev     ? " (assumed from KEV)"
                                                                        : " (assumed)"),
               "an input of the CISA decision"});
  f.push_back({"Mission and well-being impact", std::string(ssvc::Name(in.mission_well_being)),
               "the asset's, an input of the CISA decision"});

  f.push_back(
      {"KEV", in.in_kev ? (in.kev_ransomware ? "yes (used in ransomware campaigns)" : "yes") : "no",
       "third: exploited in the wild first, ransomware use before other use"});
  const double epss = std::clamp(in.epss.value_or(0.0), 0.0, 1.0);
  f.push_back({"EPSS", in.epss ? Fixed(epss, 4) : "not scored",
               "fourth: a likelier exploitation in the next 30 days first"});
  const double cvss = std::clamp(in.cvss.value_or(0.0), 0.0, 10.0);
  f.push_back({"CVSS", in.cvss ? Fixed(cvss, 1) : "not scored", "last: a higher score first"});

  // rank: timeline tier, CISA level (act first), KEV with ransomware, KEV, then EPSS in basis
  // points and CVSS in tenths, each descending.
  const int64_t level = 3 - static_cast<int64_t>(out.cisa_level);
  const int64_t kev = in.in_kev ? (in.kev_ransomware ? 0 : 1) : 2;
  const int64_t epss_points = 10000 - std::llround(epss * 10000);
  const int64_t cvss_tenths = 100 - std::llround(cvss * 10);
  out.rank = (((TimelineTier(out.timeline) * 4 + level) * 3 + kev) * 10001 + epss_points) * 101 +
             cvss_tenths;
  return out;
}

}  // namespace bulwark::clearinghouse
