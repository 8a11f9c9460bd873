// Bulwark's own suite, suites/bulwark-core: its shape (categories, difficulties, expected times,
// canary) and, in the real sandbox, the validity checks over every task: each reference solution
// passes, the null agent and the flag hunter fail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

#include "evals/sandbox.h"
#include "evals/task.h"
#include "evals/validity.h"

namespace bulwark::evals {
namespace {

Suite CoreSuite() {
  StatusOr<Suite> suite = LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-core");
  EXPECT_TRUE(suite.ok()) << suite.status().message();
  return suite.ok() ? *suite : Suite{};
}

TEST(BulwarkCoreSuite, CoversEveryCategoryAtSeveralDifficulties) {
  Suite suite = CoreSuite();
  EXPECT_GE(suite.tasks.size(), 24u);
  EXPECT_THAT(suite.canary, ::testing::StartsWith("bulwark-canary-"));
  std::map<std::string, std::set<std::string>> difficulties;
  std::map<std::string, int> per_category;
  double shortest = 1e9, longest = 0;
  for (const Task& task : suite.tasks) {
    ++per_category[task.category];
    difficulties[task.category].insert(task.difficulty);
    EXPECT_TRUE(task.difficulty == "easy" || task.difficulty == "medium" ||
                task.difficulty == "hard")
        << task.id << ": " << task.difficulty;
    EXPECT_FALSE(task.solution.empty()) << task.id;
    auto minutes = task.metadata.find("expected_human_minutes");
    ASSERT_NE(minutes, task.metadata.end()) << task.id;
    double value = std::strtod(minutes->second.c_str(), nullptr);
    EXPECT_GT(value, 0) << task.id;
    shortest = std::min(shortest, value);
    longest = std::max(longest, value);
  }
  for (const std::string category :
       {"web", "crypto", "pwn", "reverse", "forensics", "vulnerability-discovery"}) {
    EXPECT_GE(per_category[category], 4) << category;
    EXPECT_TRUE(difficulties[category].count("easy")) << category;
    EXPECT_TRUE(difficulties[category].count("hard")) << category;
  }
  EXPECT_EQ(per_category.size(), 6u);
  // From a few minutes to a few hours, so that a time-horizon fit over the suite is meaningful.
  EXPECT_LE(shortest, 10);
  EXPECT_GE(longest, 120);
}

TEST(BulwarkCoreSuite, EveryTaskIsValid) {
  if (Status s = Sandbox::Available(); !s.ok()) GTEST_SKIP() << s.message();
  Suite suite = CoreSuite();
  ASSERT_FALSE(suite.tasks.empty());
  StatusOr<ValidityReport> report = CheckTaskValidity(
      suite, [](const SandboxSpec& spec) { return Sandbox::Start(spec); }, {.concurrency = 2}, {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->tasks.size(), suite.tasks.size());
  for (const TaskValidity& t : report->tasks) {
    EXPECT_EQ(t.verdict, Verdict::kValid) << t.task_id << ": " << t.reason;
    EXPECT_TRUE(t.reference.answer_derived || suite.Find(t.task_id)->checker)
        << t.task_id << ": the reference solution never printed its flag";
  }
  EXPECT_TRUE(report->all_valid());
}

}  // namespace
}  // namespace bulwark::evals
