// `bulwark eval stats` and `bulwark eval plan` as a user runs them: a run log written by the
// harness's own RunLog, read with its suite for the breakdowns; the plan's pass lines; and the
// refusals, with exit status 2 and the reason.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <functional>

#include "evals/run_log.h"
#include "evals/task.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark {
namespace {

namespace json = boost::json;

const std::string kSmoke = std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke";

int Bulwark(const std::string& args, std::string* out) {
  return testing::RunShell(std::string(BULWARK_BINARY) + " " + args + " 2>&1", out);
}

// Writes a run log of `suite` at `path` with `epochs` samples of each task, the i-th task's
// sample of `epoch` passing when `passes(i, epoch)`.
::testing::AssertionResult WriteRun(const evals::Suite& suite, const std::string& path, int epochs,
                                    const std::function<bool(size_t, int)>& passes) {
  StatusOr<std::unique_ptr<evals::RunLog>> log = evals::RunLog::Open(
      path, {suite.name, suite.version, suite.ContentHash(), "openai", "m", "", epochs, ""});
  if (!log.ok()) return ::testing::AssertionFailure() << log.status().ToString();
  for (size_t i = 0; i < suite.tasks.size(); ++i) {
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      evals::SampleResult r;
      r.task_id = suite.tasks[i].id;
      r.epoch = epoch;
      r.passed = passes(i, epoch);
      r.end = r.passed ? evals::SampleEnd::kPassed : evals::SampleEnd::kMessageLimit;
      if (Status s = (*log)->Append(r); !s.ok()) {
        return ::testing::AssertionFailure() << s.ToString();
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(EvalStatsCliTest, ARunLogsStatisticsWithItsSuitesBreakdowns) {
  StatusOr<evals::Suite> suite = evals::LoadSuite(kSmoke);
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  testing::TempDir dir;
  const std::string path = dir.path() + "/smoke.runlog";
  // Every task twice: the first passes both epochs, the others one of two.
  ASSERT_TRUE(WriteRun(*suite, path, 2, [](size_t i, int epoch) { return i == 0 || epoch == 1; }));
  std::string out;
  ASSERT_EQ(Bulwark("eval stats " + path + " --suite " + kSmoke + " --k 1,2 --format json", &out),
            0)
      << out;
  json::value v = json::parse(out);
  const json::object& rate = v.at("pass_rate").as_object();
  const double tasks = static_cast<double>(suite->tasks.size());
  EXPECT_EQ(rate.at("tasks").as_int64(), static_cast<int64_t>(tasks));
  EXPECT_EQ(rate.at("samples").as_int64(), static_cast<int64_t>(2 * tasks));
  EXPECT_NEAR(rate.at("rate").as_double(), (1 + 0.5 * (tasks - 1)) / tasks, 1e-12);
  EXPECT_EQ(rate.at("method").as_string(), "clopper-pearson-design-effect");
  EXPECT_LT(rate.at("lower").as_double(), rate.at("rate").as_double());
  EXPECT_GT(rate.at("upper").as_double(), rate.at("rate").as_double());
  // pass@2 of a task passing one of two samples is 1.
  EXPECT_NEAR(v.at("pass_at_k").at(1).at("value").as_double(), 1.0, 1e-12);
  EXPECT_FALSE(v.at("by_category").as_array().empty());
  EXPECT_FALSE(v.at("by_difficulty").as_array().empty());
  EXPECT_TRUE(v.at("time_horizon").is_object());
  // The text says the same, with its method and level.
  ASSERT_EQ(Bulwark("eval stats " + path, &out), 0) << out;
  EXPECT_NE(out.find("one-sided 95% bounds"), std::string::npos) << out;
  EXPECT_NE(out.find("clustered by task"), std::string::npos) << out;
  // Against a run that passed every sample: this run's rate is lower by (tasks - 1) / (2 tasks).
  const std::string better = dir.path() + "/better.runlog";
  ASSERT_TRUE(WriteRun(*suite, better, 2, [](size_t, int) { return true; }));
  ASSERT_EQ(Bulwark("eval stats " + path + " --compare " + better + " --format json", &out), 0)
      << out;
  v = json::parse(out);
  EXPECT_EQ(v.at("comparison").at("shared_tasks").as_int64(), static_cast<int64_t>(tasks));
  EXPECT_NEAR(v.at("comparison").at("difference").as_double(), -(tasks - 1) / (2 * tasks), 1e-12);
  EXPECT_LT(v.at("comparison").at("low").as_double(), v.at("comparison").at("high").as_double());
  ASSERT_EQ(Bulwark("eval stats " + path + " --compare " + better, &out), 0) << out;
  EXPECT_NE(out.find("shared tasks"), std::string::npos) << out;
  // Refusals: another suite's content, a missing log, a file that is no log.
  const std::string other = dir.path() + "/other-suite";
  ASSERT_EQ(
      testing::RunShell("cp -r " + kSmoke + " " + other +
                            " && sed -i 's/^version: .*/version: 9.9.9/' " + other + "/suite.yaml",
                        &out),
      0)
      << out;
  EXPECT_EQ(Bulwark("eval stats " + path + " --suite " + other, &out), 2);
  EXPECT_NE(out.find("suite content"), std::string::npos) << out;
  EXPECT_EQ(Bulwark("eval stats " + dir.path() + "/missing.runlog", &out), 2);
  EXPECT_NE(out.find("cannot open run log"), std::string::npos) << out;
  EXPECT_EQ(Bulwark("eval stats " + kSmoke + "/suite.yaml", &out), 2);
  EXPECT_NE(out.find("not a Bulwark run log"), std::string::npos) << out;
}

TEST(EvalStatsCliTest, ARunIsDecidedUnderAThresholdPolicy) {
  StatusOr<evals::Suite> suite = evals::LoadSuite(kSmoke);
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  testing::TempDir dir;
  const std::string path = dir.path() + "/smoke.runlog";
  ASSERT_TRUE(WriteRun(*suite, path, 1, [](size_t, int) { return true; }));
  const std::string policy = dir.path() + "/policy.yaml";
  std::ofstream(policy) << "id: demo\nversion: 1\nsuites:\n  - name: " << suite->name
                        << "\n    hash: " << suite->ContentHash()
                        << "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    "
                           "threshold: 0.3\nmin_tasks: 5\n";
  std::string out;
  ASSERT_EQ(Bulwark("eval decide " + path + " --policy " + policy + " --format json", &out), 0)
      << out;
  json::value v = json::parse(out);
  // Every one of the smoke suite's tasks passed: the lower 95% bound (0.05^(1/n)) is above 0.3.
  EXPECT_EQ(v.at("decision").as_string(), "exceeds");
  EXPECT_EQ(v.at("policy").at("id").as_string(), "demo");
  EXPECT_TRUE(v.at("policy").at("hash").as_string().starts_with("sha256:"));
  EXPECT_EQ(v.at("criteria").at(0).at("decision").as_string(), "exceeds");
  // A policy that names another suite content refuses the run, saying so.
  std::ofstream(policy) << "id: demo\nversion: 1\nsuites:\n  - name: " << suite->name
                        << "\n    hash: sha256:" << std::string(64, '0')
                        << "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    "
                           "threshold: 0.3\n";
  EXPECT_EQ(Bulwark("eval decide " + path + " --policy " + policy, &out), 2);
  EXPECT_NE(out.find("does not name"), std::string::npos) << out;
  std::ofstream(policy) << "id: demo\nversion: 1\nthreshold: high\n";
  EXPECT_EQ(Bulwark("eval decide " + path + " --policy " + policy, &out), 2);
  EXPECT_NE(out.find("policy field"), std::string::npos) << out;
}

TEST(EvalStatsCliTest, ThePlanGivesTasksAndPassLines) {
  std::string out;
  ASSERT_EQ(Bulwark("eval plan --threshold 0.5 --effect 0.2 --format json", &out), 0) << out;
  json::value v = json::parse(out);
  EXPECT_EQ(v.at("tasks").as_int64(), 37);
  EXPECT_EQ(v.at("exceeds_at").as_int64(), 24);
  EXPECT_EQ(v.at("below_at").as_int64(), 13);
  EXPECT_LE(v.at("alpha_above").as_double(), 0.05);
  EXPECT_GE(v.at("power_above").as_double(), 0.8);
  ASSERT_EQ(Bulwark("eval plan --threshold 0.5 --effect 0.2", &out), 0) << out;
  EXPECT_NE(out.find("37 tasks"), std::string::npos) << out;
  EXPECT_EQ(Bulwark("eval plan --threshold 0.5 --effect 0.7", &out), 2);
  EXPECT_NE(out.find("effect"), std::string::npos) << out;
}

}  // namespace
}  // namespace bulwark
