// The run log: records survive reopening, a torn last record is cut off, a log refuses another
// run's samples, and samples that ended in an infrastructure error count as not done. Each
// member is plain gzip carrying its length; any sample opens from its offset and length, and
// what is not one is refused; damaged records are skipped and counted; older members without
// their length read alike. Also the
// tool output shown to models: cut with a marker, valid UTF-8, no control characters.
#include "evals/run_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/json.hpp>
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

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Inflates concatenated gzip members as zcat does, one after another.
std::vector<std::string> Zcat(const std::string& bytes) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < bytes.size()) {
    z_stream z{};
    inflateInit2(&z, 15 + 16);
    std::string out(1 << 20, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + at));
    z.avail_in = static_cast<uInt>(bytes.size() - at);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    at = bytes.size() - z.avail_in;
    out.resize(out.size() - z.avail_out);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) break;
    lines.push_back(out);
  }
  return lines;
}

// A gzip member as any gzip writer makes it: no length in its header.
std::string PlainGzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(RunLog, EveryMemberInflatesAsPlainGzipWithTheTranscriptLast) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kProviderError)).ok());
  }
  std::vector<std::string> lines = Zcat(FileBytes(path));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("\"format\":\"bulwark-run-log-1\""), std::string::npos) << lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    ASSERT_EQ(lines[i].back(), '\n');
    boost::json::value v = boost::json::parse(lines[i]);
    const boost::json::object& o = v.as_object();
    EXPECT_EQ((o.end() - 1)->key(), "transcript") << lines[i];
    EXPECT_EQ(o.at("transcript").as_array().size(), 2u);
  }
}

// The layout docs/run-log.md gives: the "BW" field holds the member's length and the CRC-32 of
// its head, the text up to and including the transcript's key, stored as it is.
TEST(RunLog, EachMemberCarriesItsLengthAndItsHeadsCheck) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
  }
  const std::string bytes = FileBytes(path);
  auto le32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3])) << 24;
  };
  const size_t header = le32(16);
  ASSERT_LT(header, bytes.size());
  EXPECT_EQ(bytes.substr(header, 16),
            std::string("\x1f\x8b\x08\x04\0\0\0\0\0\x03\x0c\0BW\x08\0", 16));
  EXPECT_EQ(header + le32(header + 16), bytes.size());
  // The head in one stored block: 0, its length, the length's complement, its text.
  EXPECT_EQ(bytes[header + 24], 0);
  const size_t stored = le32(header + 25) & 0xffff;
  const std::string head = bytes.substr(header + 29, stored);
  EXPECT_TRUE(head.starts_with("{\"type\":\"sample\",\"task\":\"a\""));
  EXPECT_TRUE(head.ends_with(",\"transcript\":"));
  EXPECT_EQ(le32(header + 20),
            crc32(0, reinterpret_cast<const Bytef*>(head.data()), static_cast<uInt>(head.size())));
}

TEST(RunLog, AnySampleOpensFromItsOffsetAndLength) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  std::vector<SampleSummary> written;
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kProviderError)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kWrongAnswers)).ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("a", 2, SampleEnd::kTimeLimit)).ok());
    written = (*log)->Latest();
  }
  StatusOr<RunLogIndex> index = RunLog::Index(path);
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ(index->header.model, "m-1");
  ASSERT_EQ(index->samples.size(), 3u);
  EXPECT_EQ(index->samples[0].task_id, "a");
  EXPECT_EQ(index->samples[0].end, "passed") << "the retry's record is the latest";
  EXPECT_EQ(index->samples[1].end, "wrong_answers");
  EXPECT_EQ(index->samples[2].epoch, 2);
  StatusOr<RunLogContents> read = RunLog::Read(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->records, 4u);
  EXPECT_GT(read->header_length, 0u);
  EXPECT_EQ(read->latest[0].offset, index->samples[0].offset);
  for (size_t i = 0; i < index->samples.size(); ++i) {
    const SampleLocation& at = index->samples[i];
    // What the writer remembered is where the record is.
    EXPECT_EQ(written[i].offset, at.offset);
    EXPECT_EQ(written[i].length, at.length);
    StatusOr<SampleRecord> sample = RunLog::ReadSampleAt(path, at.offset, at.length);
    ASSERT_TRUE(sample.ok()) << sample.status().message();
    EXPECT_EQ(sample->summary.task_id, at.task_id);
    EXPECT_EQ(sample->summary.epoch, at.epoch);
    EXPECT_EQ(sample->summary.end, at.end);
    EXPECT_EQ(sample->summary.input_tokens, 100);
    ASSERT_EQ(sample->transcript.size(), 2u);
    EXPECT_EQ(sample->transcript[0].text, "text with \"quotes\" and \\ and \xe2\x9c\x93");
    EXPECT_EQ(sample->transcript[1].tool, "bash");
    EXPECT_EQ(sample->transcript[1].exit_code, 1);
    EXPECT_TRUE(sample->transcript[1].timed_out);
  }
}

TEST(RunLog, AnOffsetThatIsNotASampleIsRefusedSayingWhy) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kPassed)).ok());
  }
  StatusOr<RunLogContents> read = RunLog::Read(path);
  ASSERT_TRUE(read.ok());
  const SampleSummary& a = read->latest[0];
  auto refused = [&](uint64_t offset, uint64_t length, const std::string& says) {
    StatusOr<SampleRecord> sample = RunLog::ReadSampleAt(path, offset, length);
    EXPECT_EQ(sample.status().code(), StatusCode::kInvalidArgument)
        << offset << "+" << length << ": " << sample.status().message();
    EXPECT_NE(sample.status().message().find(says), std::string::npos) << sample.status().message();
  };
  refused(0, read->header_length, "it is the run's header");
  refused(a.offset + 1, a.length, "not one whole record");
  refused(a.offset, a.length - 1, "not one whole record");
  refused(a.offset, a.length + 1, "not one whole record");
  refused(a.offset + a.length / 2, a.length, "not one whole record");
  refused(a.offset, 5, "are not a record");
  refused(std::filesystem::file_size(path), 100, "are not a record");
  refused(UINT64_MAX - 10, 100, "are not a record");
  refused(a.offset, UINT64_MAX, "are not a record");
  EXPECT_EQ(RunLog::ReadSampleAt(dir.path() + "/missing.log", 0, 100).status().code(),
            StatusCode::kNotFound);
}

TEST(RunLog, ATornLastMemberIsLeftOutOfTheIndexAndRefused) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->Append(Result("a", 1, SampleEnd::kPassed)).ok());
    ASSERT_TRUE((*log)->Append(Result("b", 1, SampleEnd::kPassed)).ok());
  }
  StatusOr<RunLogContents> whole = RunLog::Read(path);
  ASSERT_TRUE(whole.ok());
  const SampleSummary b = whole->latest[1];
  std::filesystem::resize_file(path, b.offset + b.length - 3);
  StatusOr<RunLogIndex> index = RunLog::Index(path);
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ(index->torn_records, 1u);
  ASSERT_EQ(index->samples.size(), 1u);
  EXPECT_EQ(index->samples[0].task_id, "a");
  StatusOr<SampleRecord> torn = RunLog::ReadSampleAt(path, b.offset, b.length);
  EXPECT_EQ(torn.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(torn.status().message().find("are not a record"), std::string::npos);
  StatusOr<SampleRecord> cut = RunLog::ReadSampleAt(path, b.offset, b.length - 3);
  EXPECT_EQ(cut.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(RunLog::ReadSampleAt(path, index->samples[0].offset, index->samples[0].length).ok());
}

// A damaged member in the middle is skipped and counted; the records after it are read.
TEST(RunLog, ADamagedRecordInTheMiddleIsSkippedAndCounted) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok());
    for (const char* task : {"a", "b", "c"}) {
      ASSERT_TRUE((*log)->Append(Result(task, 1, SampleEnd::kPassed)).ok());
    }
  }
  StatusOr<RunLogContents> whole = RunLog::Read(path);
  ASSERT_TRUE(whole.ok());
  const SampleSummary b = whole->latest[1];
  std::string bytes = FileBytes(path);
  for (uint64_t i = b.offset + 20; i < b.offset + b.length - 8; ++i) bytes[i] = '\xff';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  StatusOr<RunLogContents> read = RunLog::Read(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->torn_records, 1u);
  ASSERT_EQ(read->latest.size(), 2u);
  EXPECT_EQ(read->latest[0].task_id, "a");
  EXPECT_EQ(read->latest[1].task_id, "c");
  StatusOr<SampleRecord> damaged = RunLog::ReadSampleAt(path, b.offset, b.length);
  EXPECT_EQ(damaged.status().code(), StatusCode::kInvalidArgument);
  // Resuming keeps the records after it and appends after them.
  StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
  ASSERT_TRUE(log.ok()) << log.status().message();
  EXPECT_EQ((*log)->torn_records(), 1u);
  EXPECT_TRUE((*log)->Done("c", 1));
  EXPECT_FALSE((*log)->Done("b", 1));
  EXPECT_EQ(std::filesystem::file_size(path), bytes.size());
}

// Logs written before members carried their length (or by another gzip writer) read alike.
TEST(RunLog, MembersWithoutTheirLengthAreInflatedWhole) {
  testing::TempDir dir;
  std::string path = dir.path() + "/run.log";
  {
    std::ofstream out(path, std::ios::binary);
    out << PlainGzip(
        "{\"format\":\"bulwark-run-log-1\",\"type\":\"run\",\"suite\":\"smoke\","
        "\"suite_hash\":\"sha256:aa\",\"provider\":\"openai\",\"model\":\"m-1\",\"epochs\":1}\n");
    out << PlainGzip(
        "{\"type\":\"sample\",\"task\":\"a\",\"epoch\":1,\"end\":\"passed\",\"passed\":true,"
        "\"transcript\":[{\"kind\":\"assistant\",\"text\":\"<b>hi</b>\"}]}\n");
    out << PlainGzip(
        "{\"type\":\"sample\",\"task\":\"b\",\"epoch\":1,\"end\":\"wrong_answers\","
        "\"transcript\":[]}\n");
  }
  StatusOr<RunLogIndex> index = RunLog::Index(path);
  ASSERT_TRUE(index.ok()) << index.status().message();
  ASSERT_EQ(index->samples.size(), 2u);
  EXPECT_TRUE(index->samples[0].passed);
  EXPECT_EQ(index->samples[1].offset, index->samples[0].offset + index->samples[0].length);
  StatusOr<SampleRecord> a =
      RunLog::ReadSampleAt(path, index->samples[0].offset, index->samples[0].length);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->transcript.size(), 1u);
  EXPECT_EQ(a->transcript[0].text, "<b>hi</b>");
  // A run appended to it writes members with their length after the old ones.
  {
    StatusOr<std::unique_ptr<RunLog>> log = RunLog::Open(path, Header());
    ASSERT_TRUE(log.ok()) << log.status().message();
    ASSERT_TRUE((*log)->Append(Result("c", 1, SampleEnd::kPassed)).ok());
  }
  index = RunLog::Index(path);
  ASSERT_TRUE(index.ok()) << index.status().message();
  ASSERT_EQ(index->samples.size(), 3u);
  EXPECT_TRUE(RunLog::ReadSampleAt(path, index->samples[2].offset, index->samples[2].length).ok());
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
