// `bulwark eval report` as a user runs it: a run log written by the harness's own RunLog (its
// transcripts hostile), reported with its suite and a threshold policy as JSON, Markdown and one
// HTML file; a torn last record reported and gone past; and the refusals, with exit status 2
// and the reason.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

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

std::string FileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Two epochs of every task of the smoke suite; the first task always passes, the others in
// their first epoch only. Every transcript tries to break out of the page that shows it.
void WriteRun(const evals::Suite& suite, const std::string& path) {
  StatusOr<std::unique_ptr<evals::RunLog>> log = evals::RunLog::Open(
      path, {suite.name, suite.version, suite.ContentHash(), "openai", "m\"<b>", "", 2, ""});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  for (int epoch = 1; epoch <= 2; ++epoch) {
    for (size_t i = 0; i < suite.tasks.size(); ++i) {
      evals::SampleResult r;
      r.task_id = suite.tasks[i].id;
      r.epoch = epoch;
      r.passed = i == 0 || epoch == 1;
      r.end = r.passed ? evals::SampleEnd::kPassed : evals::SampleEnd::kMessageLimit;
      r.transcript.push_back(
          {"assistant", "</script><script>alert('pwned')</script> \"quotes\" 'too'", "", ""});
      ASSERT_TRUE((*log)->Append(r).ok());
    }
  }
}

std::string WritePolicy(const evals::Suite& suite, const std::string& dir,
                        const std::string& hash) {
  const std::string path = dir + "/policy.yaml";
  std::ofstream(path) << "id: smoke-threshold\nversion: 1\nsuites:\n  - name: " << suite.name
                      << "\n    hash: " << hash
                      << "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    threshold: 0.3\n"
                         "  - id: easy\n    metric: pass_rate\n    threshold: 0.5\n"
                         "    difficulties: [easy]\nmin_tasks: 2\n";
  return path;
}

TEST(EvalReportCliTest, AReportInEveryFormat) {
  StatusOr<evals::Suite> suite = evals::LoadSuite(kSmoke);
  ASSERT_TRUE(suite.ok()) << suite.status().ToString();
  testing::TempDir dir;
  const std::string log = dir.path() + "/smoke.runlog";
  WriteRun(*suite, log);
  const std::string policy = WritePolicy(*suite, dir.path(), suite->ContentHash());
  const std::string with = log + " --suite " + kSmoke + " --policy " + policy;

  std::string out;
  ASSERT_EQ(Bulwark("eval report " + with + " --format json --k 1,2", &out), 0) << out;
  json::value v = json::parse(out);
  EXPECT_EQ(v.at("format").as_string(), "bulwark-report-1");
  EXPECT_EQ(v.at("run").at("model").as_string(), "m\"<b>");
  EXPECT_EQ(v.at("samples").at("samples").as_int64(),
            static_cast<int64_t>(2 * suite->tasks.size()));
  EXPECT_EQ(v.at("pass_at_k").as_array().size(), 2u);
  EXPECT_FALSE(v.at("by_category").as_array().empty());
  EXPECT_EQ(v.at("decision").at("policy").at("id").as_string(), "smoke-threshold");
  EXPECT_EQ(v.at("decision").at("sequential").as_array().size(), 2u);
  EXPECT_EQ(v.at("sample_index").at("count").as_int64(),
            static_cast<int64_t>(2 * suite->tasks.size()));
  EXPECT_FALSE(v.at("run").at("last_written_at").is_null());
  EXPECT_EQ(out.find("pwned"), std::string::npos) << "transcripts stay in the log";

  ASSERT_EQ(Bulwark("eval report " + with + " --format markdown", &out), 0) << out;
  EXPECT_NE(out.find("## Decision: "), std::string::npos) << out;
  EXPECT_NE(out.find("| Tasks | Samples | Rate | Lower | Upper |"), std::string::npos) << out;
  EXPECT_NE(out.find("m\"&lt;b&gt;"), std::string::npos) << out;

  const std::string html = dir.path() + "/report.html";
  ASSERT_EQ(Bulwark("eval report " + with + " --format html -o " + html, &out), 0) << out;
  EXPECT_EQ(out, "") << "the report goes to its file";
  const std::string page = FileText(html);
  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_NE(page.find("<svg id=\"chart-category\""), std::string::npos);
  EXPECT_NE(page.find("<svg id=\"chart-sequential-0\""), std::string::npos);
  EXPECT_EQ(page.find("pwned"), std::string::npos);
  EXPECT_EQ(page.find("m\"<b>"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(html + ".partial"));

  // Without the suite: no breakdowns; without the policy: no decision.
  ASSERT_EQ(Bulwark("eval report " + log + " --format json", &out), 0) << out;
  v = json::parse(out);
  EXPECT_TRUE(v.at("by_category").is_null());
  EXPECT_TRUE(v.at("decision").is_null());
}

TEST(EvalReportCliTest, ATornRecordIsReportedAndGonePast) {
  StatusOr<evals::Suite> suite = evals::LoadSuite(kSmoke);
  ASSERT_TRUE(suite.ok());
  testing::TempDir dir;
  const std::string log = dir.path() + "/smoke.runlog";
  WriteRun(*suite, log);
  std::filesystem::resize_file(log, std::filesystem::file_size(log) - 7);
  std::string out;
  ASSERT_EQ(
      testing::RunShell(
          std::string(BULWARK_BINARY) + " eval report " + log + " --format json 2>/dev/null", &out),
      0)
      << out;
  json::value v = json::parse(out);
  EXPECT_EQ(v.at("samples").at("torn_records").as_int64(), 1);
  EXPECT_EQ(v.at("samples").at("samples").as_int64(),
            static_cast<int64_t>(2 * suite->tasks.size() - 1));
  ASSERT_EQ(Bulwark("eval report " + log + " --format markdown", &out), 0);
  EXPECT_NE(out.find("1 torn or damaged record in"), std::string::npos) << out;
  EXPECT_NE(out.find("| Torn or damaged records (left out) | 1 |"), std::string::npos) << out;
}

TEST(EvalReportCliTest, WhatDoesNotBelongToTheRunIsRefused) {
  StatusOr<evals::Suite> suite = evals::LoadSuite(kSmoke);
  ASSERT_TRUE(suite.ok());
  testing::TempDir dir;
  const std::string log = dir.path() + "/smoke.runlog";
  WriteRun(*suite, log);
  std::string out;
  // A file that is no run log.
  EXPECT_EQ(Bulwark("eval report " + kSmoke + "/suite.yaml --format json", &out), 2);
  EXPECT_NE(out.find("not a Bulwark run log"), std::string::npos) << out;
  EXPECT_EQ(Bulwark("eval report " + dir.path() + "/missing.runlog --format json", &out), 2);
  EXPECT_NE(out.find("cannot open run log"), std::string::npos) << out;
  // Another suite's content.
  const std::string other = dir.path() + "/other-suite";
  ASSERT_EQ(
      testing::RunShell("cp -r " + kSmoke + " " + other +
                            " && sed -i 's/^version: .*/version: 9.9.9/' " + other + "/suite.yaml",
                        &out),
      0)
      << out;
  EXPECT_EQ(Bulwark("eval report " + log + " --suite " + other + " --format html", &out), 2);
  EXPECT_NE(out.find("suite content"), std::string::npos) << out;
  // A policy that names another suite content, and one that is not a policy.
  const std::string policy = WritePolicy(*suite, dir.path(), "sha256:" + std::string(64, '0'));
  EXPECT_EQ(Bulwark("eval report " + log + " --policy " + policy + " --format html", &out), 2);
  EXPECT_NE(out.find("does not name"), std::string::npos) << out;
  std::ofstream(policy) << "id: x\nversion: 1\nthreshold: high\n";
  EXPECT_EQ(Bulwark("eval report " + log + " --policy " + policy + " --format html", &out), 2);
  EXPECT_NE(out.find("policy field"), std::string::npos) << out;
  // No format, or an unknown one.
  EXPECT_NE(Bulwark("eval report " + log, &out), 0);
  EXPECT_NE(out.find("--format"), std::string::npos) << out;
  EXPECT_NE(Bulwark("eval report " + log + " --format pdf", &out), 0);
  // A file that cannot be written.
  EXPECT_EQ(
      Bulwark("eval report " + log + " --format html -o " + dir.path() + "/no/such/dir/r.html",
              &out),
      2);
  EXPECT_NE(out.find("cannot write"), std::string::npos) << out;
}

}  // namespace
}  // namespace bulwark
