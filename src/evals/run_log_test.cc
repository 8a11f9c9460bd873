// The run log: records survive reopening, a torn last record is cut off, a log refuses another
// run's samples, and samples that ended in an infrastructure error count as not done. Also the
// tool output shown to models: cut with a marker, valid UTF-8, no control characters.
#include "evals/run_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace bulwark::evals {
namespace {

RunHeader Header() {
  return {"smoke",     "1.0",
          "sha256:aa", "openai",
          "m-1",       "http://127.0.0.1:1/v1",
          1,           "2026-11-22T00:00:00Z"};
}

SampleResult Result(std::string task, int epoch, SampleEnd end) {
  SampleResult r;
  r.task_id = std::move(task);
  r.epoch = epoch;
  r.end = end;
  r.passed = end == SampleEnd::kPassed;
  r.score = r.passed ? 1 : 0;
  r.attempts = 1;
  r.messages = 3;
  r.usage = {100, 20};
  r.seconds = 1.5;
  r.transcript.push_back({"assistant", "text with \"quotes\" and \\ and \xe2\x9c\x93", "", ""});
  r.transcript.push_back({"tool_output", "out", "bash", "call_1", 1, true});
  if (IsInfrastructureError(end)) {
    r.error_kind = "rate_limited";
    r.error_message = "429 after 7 attempts";
  }
  return r;
}

TEST(RunLog, RecordsSurviveReopening) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok()) << log.status().message();
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kProviderError)).ok());
    ASSERT_TRUE((*log)->Append(Result("c", 1, SampleEnd::kMessageLimit)).ok());
  }
  StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_TRUE((*log)->Done("a", 1));
  EXPECT_FALSE((*log)->Done("b", 1)) << "an infrastructure error is retried";
  EXPECT_TRUE((*log)->Done("c", 1)) << "a limit is the model's failure, not the harness's";
  EXPECT_FALSE((*log)->Done("a", 2));
  std::vector<SampleSummary> latest = (*log)->Latest();
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest[0].end, "passed");
  EXPECT_EQ(latest[0].input_tokens, 100);
  EXPECT_EQ(latest[0].seconds, 1.5);
  EXPECT_EQ(latest[1].error_kind, "rate_limited");
  EXPECT_TRUE(latest[1].infrastructure_error);

  // A retry's record supersedes the error.
  ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kWrongAnswers)).ok());
  EXPECT_TRUE((*log)->Done("b", 1));
  log->reset();
  log = RunLog::Open(path, Header());
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ((*log)->header().model, "m-1");
  latest = (*log)->Latest();
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest[1].end, "wrong_answers");
}

TEST(RunLog, IsAStreamOfGzipMembers) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
}

TEST(RunLog, CutsATornLastRecord) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  uintmax_t whole = 0;
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    whole = std::filesystem::file_size(path);
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kPassed)).ok());
  }
  // An interruption in the middle of the last write.
  std::filesystem::resize_file(path, whole + (std::filesystem::file_size(path) - whole) / 2);
  StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ((*log)->torn_records(), 1u);
  EXPECT_TRUE((*log)->Done("a", 1));
  EXPECT_FALSE((*log)->Done("b", 1));
  EXPECT_EQ(std::filesystem::file_size(path), whole);
  ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kPassed)).ok());
  log->reset();
  log = RunLog::Open(path, Header());
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ((*log)->torn_records(), 0u);
  EXPECT_EQ((*log)->Latest().size(), 2u);
}

// Reading leaves the file as it is: a torn last record is reported, not cut; the latest record
// of a retried sample wins.
TEST(RunLog, IsReadWithoutBeingChanged) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  uintmax_t whole = 0;
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kProviderError)).ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kMessageLimit)).ok());
    whole = std::filesystem::file_size(path);
    ASSERT_TRUE((*log)->Append(Result("c", 1, SampleEnd::kPassed)).ok());
  }
  std::filesystem::resize_file(path, whole + 10);
  StatusOr<RunLogContents> read = RunLog::Read(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->header.model, "m-1");
  EXPECT_EQ(read->torn_records, 1u);
  ASSERT_EQ(read->latest.size(), 2u);
  EXPECT_EQ(read->latest[0].task_id, "a");
  EXPECT_TRUE(read->latest[0].passed);
  EXPECT_FALSE(read->latest[1].passed);
  EXPECT_EQ(std::filesystem::file_size(path), whole + 10);
  EXPECT_EQ(RunLog::Read(dir.path() + "/missing.log").status().code(), StatusCode::kNotFound);
  std::ofstream(dir.path() + "/other.txt") << "not a log";
  EXPECT_FALSE(RunLog::Read(dir.path() + "/other.txt").ok());
}

TEST(RunLog, RefusesAnotherRun) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  ASSERT_TRUE(RunLog::Open(path, Header()).ok());
  RunHeader other = Header();
  other.suite_hash = "sha256:bb";
  StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, other);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(log.status().message().find("suite content"), std::string::npos);
  other = Header();
  other.model = "m-2";
  log = RunLog::Open(path, other);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("model \"m-1\", not \"m-2\""), std::string::npos);
  // More epochs is the same run, extended.
  other = Header();
  other.epochs = 3;
  log = RunLog::Open(path, other);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->header().epochs, 3);
}

TEST(RunLog, RefusesAFileThatIsNotALog) {
  testing::TempDir dir;
  std::string path = dir.path() + "/notes.txt";
  std::ofstream(path) << "just some text\n";
  StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
  ASSERT_FALSE(log.ok());
  // The file is left as it was.
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "just some text");
}

TEST(ToolOutput, ShortOutputIsShownWhole) {
  EXPECT_EQ(ShowToolOutput("hello\n", 6, 100), "hello\n");
}

TEST(ToolOutput, LongOutputKeepsHeadAndTail) {
  std::string out = std::string(1000, 'a') + std::string(1000, 'b');
  std::string shown = ShowToolOutput(out, out.size(), 100);
  EXPECT_EQ(shown.rfind(std::string(50, 'a'), 0), 0u);
  EXPECT_NE(shown.find("[... 1900 bytes of output left out ...]"), std::string::npos);
  EXPECT_EQ(shown.substr(shown.size() - 50), std::string(50, 'b'));
}

TEST(ToolOutput, OutputCutByTheSandboxCountsWhatWasLost) {
  std::string kept(64, 'x');
  std::string shown = ShowToolOutput(kept, 1'000'000'000, 32);
  EXPECT_NE(shown.find("[... 999999968 bytes of output left out ...]"), std::string::npos);
}

TEST(ToolOutput, HostileBytesBecomePrintable) {
  using namespace std::string_literals;
  std::string hostile = "ok\x1b[2J\x1b]0;title\x07\r\x00\xff\xfe caf\xc3\xa9 \xc2\x9b end\n"s;
  std::string shown = ShowToolOutput(hostile, hostile.size(), 1000);
  EXPECT_EQ(shown.find('\x1b'), std::string::npos);
  EXPECT_EQ(shown.find('\x07'), std::string::npos);
  EXPECT_EQ(shown.find('\r'), std::string::npos);
  EXPECT_EQ(shown.find('\0'), std::string::npos);
  EXPECT_NE(shown.find("\\x1b[2J"), std::string::npos);
  EXPECT_NE(shown.find("\\xff\\xfe"), std::string::npos);
  EXPECT_NE(shown.find("caf\xc3\xa9"), std::string::npos) << "valid UTF-8 stays";
  EXPECT_NE(shown.find("\\xc2\\x9b"), std::string::npos) << "a C1 control is shown as bytes";
  EXPECT_NE(shown.find(" end\n"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::evals
