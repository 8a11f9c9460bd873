#include "clearinghouse/priority.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace bulwark::clearinghouse {
namespace {

const Time kKnown = FromUnixMicros(int64_t{1'800'000'000} * 1'000'000);

const PriorityFactor* FactorOf(const Priority& p, const std::string& name) {
  for (const PriorityFactor& f : p.factors) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST(Priority, AnExploitedFlawOnAnExposedCriticalSystemComesFirst) {
  Priority p = Prioritize({.in_kev = true,
                           .kev_ransomware = true,
                           .epss = 0.97,
                           .cvss = 9.8,
                           .automatable = true,
                           .technical_impact = ssvc::TechnicalImpact::kTotal,
                           .publicly_exposed = true,
                           .mission_well_being = ssvc::MissionWellBeing::kHigh,
                           .known_at = kKnown});
  EXPECT_EQ(p.timeline, ssvc::RemediationTimeline::kThreeDaysAndForensics);
  EXPECT_EQ(p.deadline, kKnown + Days(3));
  EXPECT_EQ(p.cisa_level, ssvc::CisaLevel::kAct);
  EXPECT_EQ(p.rank, 0 * 101 + (10000 - 9700) * 101 + (100 - 98));
  ASSERT_NE(FactorOf(p, "Exploitation"), nullptr);
  EXPECT_EQ(FactorOf(p, "Exploitation")->value, "active (assumed from KEV)");
  EXPECT_EQ(FactorOf(p, "KEV")->value, "yes (used in ransomware campaigns)");
}

TEST(Priority, AssumptionsAreNamed) {
  Priority p = Prioritize({.cvss = 9.1, .known_at = kKnown});
  EXPECT_EQ(FactorOf(p, "Technical impact")->value, "total (assumed from the CVSS score)");
  EXPECT_EQ(FactorOf(p, "Automatable")->value, "no (assumed)");
  EXPECT_EQ(FactorOf(p, "Exploitation")->value, "none (assumed)");
  EXPECT_EQ(FactorOf(p, "EPSS")->value, "not scored");
  EXPECT_EQ(p.timeline, ssvc::RemediationTimeline::kOnSystemUpgrade);
  EXPECT_FALSE(p.deadline.has_value());
}

// Each factor orders only what the ones before it leave tied.
TEST(Priority, TheOrderIsLexicographicOverTheFactors) {
  const PriorityInputs base{.epss = 0.5, .cvss = 5.0, .known_at = kKnown};
  auto with = [&](auto change) {
    PriorityInputs in = base;
    change(in);
    return Prioritize(in).rank;
  };
  // A higher CVSS score moves a finding up only among equal EPSS...
  EXPECT_LT(with([](PriorityInputs& in) { in.cvss = 7.0; }), Prioritize(base).rank);
  // ...and EPSS outweighs any CVSS score.
  EXPECT_LT(with([](PriorityInputs& in) { in.epss = 0.51; }),
            with([](PriorityInputs& in) { in.cvss = 10.0; }));
  // KEV outweighs any EPSS; ransomware use comes before other use.
  EXPECT_LT(with([](PriorityInputs& in) {
              in.in_kev = true;
              in.epss = 0.0;
            }),
            with([](PriorityInputs& in) { in.epss = 1.0; }));
  // A shorter BOD timeline outweighs everything else: exposed and automatable (60 days ->
  // 14 days) against a perfect EPSS and CVSS.
  EXPECT_LT(with([](PriorityInputs& in) {
              in.publicly_exposed = true;
              in.automatable = true;
              in.epss = 0.0;
              in.cvss = 0.0;
            }),
            with([](PriorityInputs& in) {
              in.epss = 1.0;
              in.cvss = 10.0;
            }));
}

TEST(Priority, OutOfRangeScoresAreClamped) {
  Priority high = Prioritize({.epss = 7.0, .cvss = 42.0, .known_at = kKnown});
  Priority top = Prioritize({.epss = 1.0, .cvss = 10.0, .known_at = kKnown});
  EXPECT_EQ(high.rank, top.rank);
  EXPECT_GE(Prioritize({.epss = -1.0, .cvss = -5.0, .known_at = kKnown}).rank, 0);
}

}  // namespace
}  // namespace bulwark::clearinghouse
