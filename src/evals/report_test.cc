// Reports: the figures are the statistics' own (counts, rates, breakdowns, the horizon, the
// decision and its sequential evidence), the sample index is in log order; the JSON keeps its
// documented shape; Markdown and HTML escape everything from the run log, and the HTML's
// content security policy names exactly its own style and script.
#include "evals/report.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json.hpp>
#include <cmath>
#include <regex>
#include <sstream>

#include "base/encoding.h"
#include "testing/temp_dir.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;

Suite TestSuite() {
  Suite suite;
  suite.name = "report-suite";
  suite.version = "1.0.0";
  const char* categories[] = {"web", "pwn", "crypto"};
  const char* difficulties[] = {"hard", "easy", "medium", "3", "10"};
  for (int i = 0; i < 12; ++i) {
    Task task;
    task.id = "t" + std::to_string(i);
    task.name = "Task " + std::to_string(i);
    task.category = categories[i % 3];
    task.difficulty = difficulties[i % 5];
    task.prompt = "find it";
    task.flag = "FLAG{x}";
    task.metadata["expected_human_minutes"] = std::to_string(1 << (i % 8));
    suite.tasks.push_back(std::move(task));
  }
  return suite;
}

// Task i passes its epoch e when i is small enough for its length: short tasks pass, long ones
// fail; two infrastructure errors; one retried sample.
RunLogContents TestRun(const Suite& suite, int epochs) {
  RunLogContents run;
  run.header = {suite.name,    suite.version, suite.ContentHash(),   "openai", "model-x",
                "http://m/v1", epochs,        "2026-11-22T09:00:00Z"};
  run.header_length = 200;
  uint64_t offset = 200;
  for (int e = 1; e <= epochs; ++e) {
    for (size_t i = 0; i < suite.tasks.size(); ++i) {
      SampleSummary s;
      s.task_id = suite.tasks[i].id;
      s.epoch = e;
      s.passed = (i % 8) < 3 || ((i % 8) < 6 && e == 1);
      s.end = s.passed ? "passed" : (i % 2 == 0 ? "wrong_answers" : "message_limit");
      s.offset = offset;
      s.length = 300;
      offset += 300;
      run.latest.push_back(s);
    }
  }
  run.latest[1].passed = false;
  run.latest[1].end = "provider_error";
  run.latest[1].infrastructure_error = true;
  run.latest[1].error_kind = "rate_limited";
  run.latest[2].passed = false;
  run.latest[2].end = "sandbox_error";
  run.latest[2].infrastructure_error = true;
  // A retry recorded last: its record is later in the log than its neighbours'.
  run.latest[3].offset = offset;
  run.records = run.latest.size() + 1;
  run.torn_records = 1;
  return run;
}

Policy TestPolicy(const Suite& suite, const std::string& extra = "") {
  StatusOr<Policy> policy =
      ParsePolicy("id: test-policy\nversion: 2\nsuites:\n  - name: " + suite.name +
                  "\n    hash: " + suite.ContentHash() +
                  "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    threshold: 0.3\n"
                  "  - id: web\n    metric: pass_rate\n    threshold: 0.6\n    level: 0.9\n"
                  "    categories: [web]\nmin_tasks: 2\n" +
                  extra);
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return *policy;
}

TEST(Report, FiguresAreTheStatisticsOwn) {
  const Suite suite = TestSuite();
  const RunLogContents run = TestRun(suite, 3);
  const Policy policy = TestPolicy(suite);
  ReportOptions options;
  options.k = {1, 3};
  StatusOr<Report> report = BuildReport(run, &suite, &policy, options);
  ASSERT_TRUE(report.ok()) << report.status().message();

  EXPECT_EQ(report->counts.samples, 36);
  EXPECT_EQ(report->counts.records, 37);
  EXPECT_EQ(report->counts.torn_records, 1);
  EXPECT_EQ(report->counts.infrastructure_errors, 2);
  EXPECT_EQ(report->counts.passed + report->counts.failed, 34);
  ASSERT_EQ(report->counts.infrastructure_by_kind.size(), 2u);
  EXPECT_EQ(report->counts.infrastructure_by_kind[0].end, "provider_error/rate_limited");
  EXPECT_EQ(report->counts.infrastructure_by_kind[1].end, "sandbox_error");
  ASSERT_EQ(report->counts.failed_by_end.size(), 2u);
  EXPECT_EQ(report->counts.failed_by_end[0].end, "wrong_answers");

  const std::vector<stats::TaskRate> tasks = stats::PerTask(run.latest);
  const stats::PassRate rate = stats::RateOf(tasks, 0.95);
  EXPECT_DOUBLE_EQ(report->pass_rate.rate, rate.rate);
  EXPECT_DOUBLE_EQ(report->pass_rate.lower, rate.lower);
  EXPECT_EQ(report->pass_rate.method, rate.method);
  ASSERT_EQ(report->pass_at_k.size(), 2u);
  EXPECT_DOUBLE_EQ(report->pass_at_k[1].value, stats::MeanPassAtK(tasks, 3).first);

  // Per task in the suite's order, with Clopper-Pearson bounds over the task's samples.
  ASSERT_EQ(report->tasks.size(), 12u);
  EXPECT_EQ(report->tasks[0].task_id, "t0");
  EXPECT_EQ(report->tasks[1].samples, 2) << "an infrastructure error is left out";
  EXPECT_EQ(report->tasks[0].category, "web");
  EXPECT_DOUBLE_EQ(report->tasks[5].lower,
                   stats::ClopperPearsonLower(report->tasks[5].passes, 3, 0.95));
  EXPECT_EQ(report->counts.tasks_without_samples, 0);

  // Breakdowns: categories by name, difficulties easy to hard, then numbers.
  ASSERT_EQ(report->by_category.size(), 3u);
  EXPECT_EQ(report->by_category[0].group, "crypto");
  std::vector<std::string> difficulties;
  for (const stats::GroupRate& g : report->by_difficulty) difficulties.push_back(g.group);
  EXPECT_EQ(difficulties, (std::vector<std::string>{"easy", "medium", "hard", "3", "10"}));

  // Short tasks pass, long ones fail: a horizon, with its points.
  ASSERT_TRUE(report->horizon.has_value());
  EXPECT_TRUE(report->horizon->horizon.defined) << report->horizon->horizon.why_not;
  EXPECT_EQ(report->horizon->points.size(), 12u);
  EXPECT_GT(report->horizon->horizon.minutes, 1);
  EXPECT_LT(report->horizon->horizon.minutes, 128);

  // The decision is Decide's, and each criterion's sequential evidence ends where the
  // sequential test over the same samples ends.
  ASSERT_TRUE(report->decision.has_value());
  StatusOr<Decision> decision = Decide(policy, run, &suite);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(report->decision->decision.outcome, decision->outcome);
  ASSERT_EQ(report->decision->sequential.size(), 2u);
  const SequentialEvidence& overall = report->decision->sequential[0];
  EXPECT_EQ(overall.samples, 34);
  EXPECT_EQ(overall.passes, report->counts.passed);
  stats::SequentialTest test(0.3, 0.05);
  EXPECT_NEAR(overall.points.back().log_above,
              test.LogEvidenceAbove(overall.passes, overall.samples - overall.passes), 1e-12);
  EXPECT_NEAR(overall.alpha, 0.05, 1e-12);
  EXPECT_EQ(overall.points.front().samples, 0);
  const SequentialEvidence& web = report->decision->sequential[1];
  EXPECT_EQ(web.samples, 12) << "web tasks only: t0, t3, t6, t9, three epochs each";
  EXPECT_NEAR(web.alpha, 0.1, 1e-12);

  // The index in log order: the retried record last.
  ASSERT_EQ(report->samples.task.size(), 36u);
  EXPECT_EQ(report->samples.task_names[report->samples.task.back()], "t3");
  for (size_t i = 1; i < report->samples.offset.size(); ++i) {
    EXPECT_LT(report->samples.offset[i - 1], report->samples.offset[i]);
  }
}

TEST(Report, TheSequentialCurveIsSampledOnALongRun) {
  const Suite suite = TestSuite();
  const RunLogContents run = TestRun(suite, 100);
  const Policy policy = TestPolicy(suite);
  ReportOptions options;
  options.sequential_points = 50;
  StatusOr<Report> report = BuildReport(run, &suite, &policy, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  const SequentialEvidence& e = report->decision->sequential[0];
  EXPECT_LE(e.points.size(), 50u);
  EXPECT_EQ(e.points.back().samples, e.samples);
  EXPECT_GT(e.step, 1);
  // The overall rate is well above 0.3: the evidence crossed the bar, and the first point that
  // shows it is recorded.
  ASSERT_TRUE(e.first_call_at.has_value());
  EXPECT_EQ(e.first_call, stats::SequentialCall::kExceeds);
  EXPECT_GE(e.first_call_at->log_above, e.log_bar);
}

TEST(Report, ASuiteOrPolicyOfAnotherRunIsRefused) {
  const Suite suite = TestSuite();
  const RunLogContents run = TestRun(suite, 1);
  Suite other = suite;
  other.version = "2.0.0";
  StatusOr<Report> report = BuildReport(run, &other, nullptr, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(report.status().message().find(suite.ContentHash()), std::string::npos);
  const Policy policy = TestPolicy(other);
  report = BuildReport(run, &suite, &policy, {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("does not name"), std::string::npos);
  // A policy that selects by category needs the suite.
  const Policy selecting = TestPolicy(suite);
  report = BuildReport(run, nullptr, &selecting, {});
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("give the run's suite"), std::string::npos);
}

TEST(Report, WithoutASuiteThereAreNoBreakdowns) {
  const Suite suite = TestSuite();
  StatusOr<Report> report = BuildReport(TestRun(suite, 2), nullptr, nullptr, {});
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->horizon.has_value());
  EXPECT_TRUE(report->by_category.empty());
  EXPECT_EQ(report->tasks.size(), 12u);
  EXPECT_EQ(report->tasks[0].category, "");
  json::value v = json::parse(ReportJson(*report));
  EXPECT_TRUE(v.at("by_category").is_null());
  EXPECT_TRUE(v.at("time_horizon").is_null());
  EXPECT_TRUE(v.at("decision").is_null());
  EXPECT_TRUE(v.at("suite").is_null());
  EXPECT_TRUE(v.at("samples").at("tasks_without_samples").is_null());
}

// Every number in `v` is finite (JSON has no NaN or infinity; a missing figure is null).
void ExpectFinite(const json::value& v) {
  if (v.is_double()) {
    EXPECT_TRUE(std::isfinite(v.as_double()));
  } else if (v.is_array()) {
    for (const json::value& item : v.as_array()) ExpectFinite(item);
  } else if (v.is_object()) {
    for (const auto& member : v.as_object()) ExpectFinite(member.value());
  }
}

void ExpectRate(const json::value& rate, const std::string& where) {
  SCOPED_TRACE(where);
  for (const char* key : {"rate", "tasks", "samples", "level", "lower", "upper", "method",
                          "standard_error", "effective_tasks", "min_epochs", "max_epochs"}) {
    EXPECT_TRUE(rate.as_object().contains(key)) << key;
  }
}

TEST(Report, TheJsonKeepsItsDocumentedShape) {
  const Suite suite = TestSuite();
  const Policy policy = TestPolicy(suite);
  StatusOr<Report> report = BuildReport(TestRun(suite, 3), &suite, &policy, {});
  ASSERT_TRUE(report.ok());
  const std::string text = ReportJson(*report);
  ASSERT_EQ(text.back(), '\n');
  json::value v = json::parse(text);
  EXPECT_EQ(v.at("format").as_string(), "bulwark-report-1");
  EXPECT_EQ(v.at("run").at("model").as_string(), "model-x");
  EXPECT_EQ(v.at("run").at("epochs").as_int64(), 3);
  EXPECT_EQ(v.at("samples").at("infrastructure_errors").as_int64(), 2);
  ExpectRate(v.at("pass_rate"), "pass_rate");
  for (const json::value& g : v.at("by_category").as_array())
    ExpectRate(g.at("pass_rate"), "group");
  for (const json::value& c : v.at("decision").at("criteria").as_array()) {
    ExpectRate(c.at("pass_rate"), "criterion");
    EXPECT_TRUE(c.as_object().contains("threshold"));
    EXPECT_TRUE(c.as_object().contains("outcome"));
  }
  EXPECT_EQ(v.at("pass_at_k").at(0).at("method").as_string(), "unbiased");
  const json::object& horizon = v.at("time_horizon").as_object();
  EXPECT_TRUE(horizon.at("defined").as_bool());
  for (const char* key :
       {"minutes", "low", "high", "level", "tasks", "resamples", "seed", "method"}) {
    EXPECT_TRUE(horizon.contains(key)) << key;
  }
  const json::object& task = v.at("tasks").at(0).as_object();
  for (const char* key :
       {"task", "samples", "passes", "rate", "level", "lower", "upper", "method"}) {
    EXPECT_TRUE(task.contains(key)) << key;
  }
  const json::object& sequential = v.at("decision").at("sequential").at(0).as_object();
  EXPECT_TRUE(sequential.at("for_information").as_bool());
  EXPECT_EQ(sequential.at("points").at(0).as_array().size(), 4u);
  const json::object& index = v.at("sample_index").as_object();
  EXPECT_EQ(index.at("count").as_int64(), 36);
  EXPECT_EQ(index.at("offset").as_array().size(), 36u);
  EXPECT_EQ(index.at("tasks").as_array().size(), 12u);
  ExpectFinite(v);
}

TEST(Report, UnderASequentialPolicyTheEvidenceIsTheDecisionsOwn) {
  const Suite suite = TestSuite();
  const Policy policy = TestPolicy(suite, "sequential: true\n");
  StatusOr<Report> report = BuildReport(TestRun(suite, 3), &suite, &policy, {});
  ASSERT_TRUE(report.ok()) << report.status().message();
  json::value v = json::parse(ReportJson(*report));
  EXPECT_TRUE(v.at("decision").at("policy").at("sequential").as_bool());
  for (const json::value& e : v.at("decision").at("sequential").as_array()) {
    EXPECT_FALSE(e.at("for_information").as_bool());
  }
  EXPECT_EQ(ReportHtml(*report).find("(for information)"), std::string::npos);
  EXPECT_NE(ReportMarkdown(*report).find("The policy decides sequentially"), std::string::npos);
}

// A run whose every string the model or the log could set is hostile.
RunLogContents HostileRun(const Suite& suite) {
  RunLogContents run = TestRun(suite, 1);
  run.header.model = "\"><script>alert('model')</script>";
  run.header.provider = "<img src=x onerror=alert(1)>";
  run.header.base_url = "javascript:alert(1)";
  run.latest[0].task_id = "</script><script>alert('task')</script>";
  run.latest[0].end = "</script><!--";
  run.latest[1].error_kind = "<b>|pipe|</b>";
  return run;
}

std::string Sha256Base64(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Report, TheHtmlEscapesEverythingFromTheRunLog) {
  const Suite suite = TestSuite();
  const Policy policy = TestPolicy(suite);
  StatusOr<Report> report = BuildReport(HostileRun(suite), &suite, &policy, {});
  ASSERT_TRUE(report.ok());
  const std::string html = ReportHtml(*report);
  // Our two script elements only: the index (data) and the viewer.
  EXPECT_EQ(Count(html, "<script"), 2u);
  EXPECT_EQ(Count(html, "</script>"), 2u);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("alert('model')</script>"), std::string::npos);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  EXPECT_EQ(html.find("<b>|pipe|"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;script&gt;alert(&#39;task&#39;)"), std::string::npos);
  EXPECT_NE(html.find("&quot;&gt;&lt;script&gt;"), std::string::npos);
  // In the embedded index the task id is JSON with "<" written as \u003c.
  EXPECT_NE(html.find("\\u003c/script\\u003e\\u003cscript\\u003ealert('task')"), std::string::npos);

  // The content security policy admits the page's own style and script, by hash, and nothing
  // else: no source is allowed by default, nothing can be fetched or submitted.
  std::smatch csp;
  ASSERT_TRUE(
      std::regex_search(html, csp, std::regex("Content-Security-Policy\" content=\"([^\"]*)\"")));
  const std::string policy_text = csp[1];
  EXPECT_NE(policy_text.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy_text.find("connect-src 'none'"), std::string::npos);
  const size_t style_start = html.find("<style>") + 7;
  const std::string style = html.substr(style_start, html.find("</style>") - style_start);
  EXPECT_NE(policy_text.find("style-src 'sha256-" + Sha256Base64(style) + "'"), std::string::npos);
  const size_t script_start = html.rfind("<script>") + 8;
  const std::string script = html.substr(script_start, html.rfind("</script>") - script_start);
  EXPECT_NE(policy_text.find("script-src 'sha256-" + Sha256Base64(script) + "'"),
            std::string::npos);
  EXPECT_EQ(html.find(" style=\""), std::string::npos) << "no inline style attribute";
  EXPECT_FALSE(std::regex_search(html, std::regex("<[^>]*\\son[a-z]+=", std::regex::icase)))
      << "no event handler attribute in any tag";
  EXPECT_EQ(html.find("http://"), std::string::npos) << "nothing from elsewhere";
  EXPECT_EQ(html.find("https://"), std::string::npos) << "nothing from elsewhere";
}

TEST(Report, TheHtmlChartsAreLabelledWithTheirDataAsTables) {
  const Suite suite = TestSuite();
  const Policy policy = TestPolicy(suite);
  StatusOr<Report> report = BuildReport(TestRun(suite, 3), &suite, &policy, {});
  ASSERT_TRUE(report.ok());
  const std::string html = ReportHtml(*report);
  for (const char* id : {"chart-category", "chart-difficulty", "chart-horizon",
                         "chart-sequential-0", "chart-sequential-1"}) {
    SCOPED_TRACE(id);
    const std::string svg = "<svg id=\"" + std::string(id) + "\" role=\"img\"";
    const size_t at = html.find(svg);
    ASSERT_NE(at, std::string::npos);
    const size_t end = html.find("</figure>", at);
    const std::string figure = html.substr(at, end - at);
    EXPECT_NE(figure.find("aria-labelledby=\"" + std::string(id) + "-title " + id + "-desc\""),
              std::string::npos);
    EXPECT_NE(figure.find("<title id=\"" + std::string(id) + "-title\">"), std::string::npos);
    EXPECT_NE(figure.find("<desc id=\"" + std::string(id) + "-desc\">"), std::string::npos);
    EXPECT_NE(figure.find("class=\"axis-title\""), std::string::npos) << "axis labels";
    EXPECT_NE(figure.find("<details><summary>The data as a table</summary><table>"),
              std::string::npos);
  }
  // The policy's thresholds are drawn on the breakdowns.
  EXPECT_NE(html.find("threshold 0.30 (overall)"), std::string::npos);
  EXPECT_NE(html.find("threshold 0.60 (web)"), std::string::npos);
  EXPECT_NE(html.find("50% horizon"), std::string::npos);
  EXPECT_NE(html.find("id=\"log-file\""), std::string::npos);
  EXPECT_NE(html.find("DecompressionStream('gzip')"), std::string::npos);
}

TEST(Report, MarkdownEscapesTheRunLogAndKeepsItsTables) {
  const Suite suite = TestSuite();
  RunLogContents run = HostileRun(suite);
  run.latest[0].task_id = "a|b*c_<x>";
  StatusOr<Report> report = BuildReport(run, nullptr, nullptr, {});
  ASSERT_TRUE(report.ok());
  const std::string md = ReportMarkdown(*report);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("a\\|b\\*c\\_&lt;x&gt;"), std::string::npos) << md;
  EXPECT_NE(md.find("| Tasks | Samples | Rate | Lower | Upper |"), std::string::npos);
  EXPECT_NE(md.find("## Pass rate"), std::string::npos);
  // Every table row has as many cells as its header.
  std::istringstream lines(md);
  std::string line;
  size_t columns = 0;
  while (std::getline(lines, line)) {
    if (!line.starts_with("|")) {
      columns = 0;
      continue;
    }
    size_t cells = 0;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
    }
    if (columns == 0) columns = cells;
    EXPECT_EQ(cells, columns) << line;
  }
}

TEST(Report, DifficultiesAreRankedAsPeopleRankThem) {
  std::vector<std::string> d = {"", "hard", "2", "Easy", "insane", "medium", "zeta", "10", "alpha"};
  std::sort(d.begin(), d.end(), DifficultyBefore);
  EXPECT_EQ(d, (std::vector<std::string>{"Easy", "medium", "hard", "insane", "2", "10", "alpha",
                                         "zeta", ""}));
}

// A report of a real log: its index gives each sample's member, which opens.
TEST(Report, TheIndexOpensEverySample) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/run.log";
  const Suite suite = TestSuite();
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(
        path, {suite.name, suite.version, suite.ContentHash(), "openai", "m", "", 2, ""});
    ASSERT_TRUE(log.ok());
    for (int e = 1; e <= 2; ++e) {
      for (const Task& task : suite.tasks) {
        SampleResult r;
        r.task_id = task.id;
        r.epoch = e;
        r.passed = e == 1;
        r.end = r.passed ? SampleEnd::kPassed : SampleEnd::kWrongAnswers;
        r.transcript.push_back({"assistant", "<script>alert(\"x\")</script>", "", ""});
        ASSERT_TRUE((*log)->Append(r).ok());
      }
    }
  }
  StatusOr<RunLogContents> run = RunLog::Read(path);
  ASSERT_TRUE(run.ok());
  StatusOr<Report> report = BuildReport(*run, &suite, nullptr, {});
  ASSERT_TRUE(report.ok());
  const SampleIndex& index = report->samples;
  ASSERT_EQ(index.task.size(), 24u);
  for (size_t i = 0; i < index.task.size(); ++i) {
    StatusOr<SampleRecord> sample = RunLog::ReadSampleAt(path, index.offset[i], index.length[i]);
    ASSERT_TRUE(sample.ok()) << sample.status().message();
    EXPECT_EQ(sample->summary.task_id, index.task_names[index.task[i]]);
    EXPECT_EQ(sample->summary.epoch, index.epoch[i]);
  }
  StatusOr<SampleRecord> header = RunLog::ReadSampleAt(path, 0, report->header_length);
  EXPECT_FALSE(header.ok());
  // Transcripts are not in the report.
  EXPECT_EQ(ReportHtml(*report).find("alert(\"x\")"), std::string::npos);
  EXPECT_EQ(ReportJson(*report).find("alert"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::evals
