// Tests of the SSVC decisions and BOD 26-04 timelines against every row of the published tables
// in ../shared/conformance/ssvc, and a few rows by hand.
#include "ssvc/ssvc.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace bulwark::ssvc {
namespace {

// The rows of a decision table: "row,A,B,...,OUTCOME" after a header line, as cells. A cell may
// be quoted (the headers are). Skips the test when the file is absent.
std::vector<std::vector<std::string>> ReadTable(const std::string& name, size_t columns) {
  const std::string path = std::string(BULWARK_SOURCE_DIR) + "/../shared/conformance/ssvc/" + name;
  std::vector<std::vector<std::string>> rows;
  if (!std::filesystem::exists(path)) return rows;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> cells(1);
    for (char c : line) {
      if (c == ',') {
        cells.emplace_back();
      } else if (c != '"') {
        cells.back() += c;
      }
    }
    EXPECT_EQ(cells.size(), columns) << line;
    if (cells.size() == columns) rows.push_back(cells);
  }
  return rows;
}

bool Yes(const std::string& cell) {
  EXPECT_TRUE(cell == "yes" || cell == "no") << cell;
  return cell == "yes";
}

template <typename T>
T Must(std::optional<T> value, const std::string& cell) {
  EXPECT_TRUE(value.has_value()) << "'" << cell << "' is not a known value";
  return value.value_or(T{});
}

#define SKIP_IF_ABSENT(rows, name) \
  if ((rows).empty()) GTEST_SKIP() << "../shared/conformance/ssvc/" << (name) << " is absent"

TEST(Ssvc, EveryRowOfTheCisaCoordinatorTable) {
  const auto rows = ReadTable("cisa_coordinator_2_0_3.csv", 6);
  SKIP_IF_ABSENT(rows, "cisa_coordinator_2_0_3.csv");
  EXPECT_EQ(rows.size(), 36u);
  for (const auto& r : rows) {
    const CoordinatorInputs in{Must(ParseExploitation(r[1]), r[1]), Yes(r[2]),
                               Must(ParseTechnicalImpact(r[3]), r[3]),
                               Must(ParseMissionWellBeing(r[4]), r[4])};
    EXPECT_EQ(Name(CisaCoordinatorDecision(in)), r[5]) << "row " << r[0];
  }
}

TEST(Ssvc, EveryRowOfTheDeployerTable) {
  const auto rows = ReadTable("deployer_patch_application_priority_1_0_0.csv", 6);
  SKIP_IF_ABSENT(rows, "deployer_patch_application_priority_1_0_0.csv");
  EXPECT_EQ(rows.size(), 72u);
  for (const auto& r : rows) {
    const DeployerInputs in{Must(ParseExploitation(r[1]), r[1]),
                            Must(ParseSystemExposure(r[2]), r[2]), Yes(r[3]),
                            Must(ParseHumanImpact(r[4]), r[4])};
    EXPECT_EQ(Name(DeployerDecision(in)), r[5]) << "row " << r[0];
  }
}

TEST(Ssvc, EveryRowOfTheHumanImpactTable) {
  const auto rows = ReadTable("human_impact_1_0_0.csv", 4);
  SKIP_IF_ABSENT(rows, "human_impact_1_0_0.csv");
  EXPECT_EQ(rows.size(), 16u);
  for (const auto& r : rows) {
    EXPECT_EQ(Name(HumanImpactOf(Must(ParseSafetyImpact(r[1]), r[1]),
                                 Must(ParseMissionImpact(r[2]), r[2]))),
              r[3])
        << "row " << r[0];
  }
}

TEST(Ssvc, EveryRowOfTheBod2604Table) {
  const auto rows = ReadTable("cisa_bod_26_04_1_0_0.csv", 6);
  SKIP_IF_ABSENT(rows, "cisa_bod_26_04_1_0_0.csv");
  EXPECT_EQ(rows.size(), 16u);
  for (const auto& r : rows) {
    const Bod2604Inputs in{Yes(r[1]), Yes(r[2]), Yes(r[3]), Must(ParseTechnicalImpact(r[4]), r[4])};
    EXPECT_EQ(Name(Bod2604Timeline(in)), r[5]) << "row " << r[0];
  }
}

TEST(Ssvc, RowsByHand) {
  EXPECT_EQ(CisaCoordinatorDecision(
                {Exploitation::kActive, true, TechnicalImpact::kTotal, MissionWellBeing::kHigh}),
            CisaLevel::kAct);
  EXPECT_EQ(CisaCoordinatorDecision(
                {Exploitation::kNone, false, TechnicalImpact::kTotal, MissionWellBeing::kHigh}),
            CisaLevel::kTrackStar);
  EXPECT_EQ(
      DeployerDecision({Exploitation::kActive, SystemExposure::kOpen, true, HumanImpact::kHigh}),
      DeployerPriority::kImmediate);
  EXPECT_EQ(
      DeployerDecision({Exploitation::kNone, SystemExposure::kSmall, false, HumanImpact::kLow}),
      DeployerPriority::kDefer);
  EXPECT_EQ(HumanImpactOf(SafetyImpact::kCritical, MissionImpact::kDegraded), HumanImpact::kMedium);
  EXPECT_EQ(Bod2604Timeline({.in_kev = true,
                             .publicly_exposed = true,
                             .automatable = false,
                             .technical_impact = TechnicalImpact::kTotal}),
            RemediationTimeline::kThreeDaysAndForensics);
  EXPECT_EQ(Bod2604Timeline({.in_kev = false,
                             .publicly_exposed = false,
                             .automatable = true,
                             .technical_impact = TechnicalImpact::kPartial}),
            RemediationTimeline::kSixtyDays);
  EXPECT_EQ(Bod2604Timeline({}), RemediationTimeline::kOnSystemUpgrade);
}

TEST(Ssvc, TimelinesAndNames) {
  EXPECT_FALSE(TimelineDuration(RemediationTimeline::kOnSystemUpgrade).has_value());
  EXPECT_EQ(TimelineDuration(RemediationTimeline::kSixtyDays), Hours(24 * 60));
  EXPECT_EQ(TimelineDuration(RemediationTimeline::kFourteenDays), Hours(24 * 14));
  EXPECT_EQ(TimelineDuration(RemediationTimeline::kThreeDaysAndForensics), Hours(24 * 3));
  EXPECT_EQ(ParseExploitation("Public PoC"), Exploitation::kPublicPoc);
  EXPECT_EQ(ParseHumanImpact("very high"), HumanImpact::kVeryHigh);
  EXPECT_FALSE(ParseSystemExposure("wide open").has_value());
  EXPECT_FALSE(ParseMissionImpact("").has_value());
  EXPECT_EQ(Name(RemediationTimeline::kThreeDaysAndForensics), "3 days & forensic investigation");
}

}  // namespace
}  // namespace bulwark::ssvc
