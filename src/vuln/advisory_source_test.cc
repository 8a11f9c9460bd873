#include "vuln/advisory_source.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/progress.h"
#include "testing/temp_dir.h"

namespace bulwark::vuln {
namespace {

namespace fs = std::filesystem;

const std::string kGoCorpus = std::string(BULWARK_SOURCE_DIR) + "/../shared/corpora/osv/go";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, std::string_view text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string Record(std::string_view id) {
  return R"({"id": ")" + std::string(id) +
         R"(", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm",
         "name": "left-pad"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]})";
}

// What a reading delivered.
struct Collected {
  std::vector<std::string> ids;
  std::vector<std::string> jsons;
  std::vector<AdvisoryProblem> problems;
  Status status;
};

Collected Read(const std::string& path, Progress* progress = nullptr) {
  Collected c;
  c.status = ReadAdvisories(
      path,
      [&](Advisory&& advisory, std::string_view json) {
        c.ids.push_back(advisory.id);
        c.jsons.emplace_back(json);
        return OkStatus();
      },
      [&](const AdvisoryProblem& problem) { c.problems.push_back(problem); }, progress);
  return c;
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(ReadAdvisories, WalksADirectoryInSortedOrderAndReportsBadFiles) {
  testing::TempDir dir;
  WriteFile(dir.path() + "/b/GHSA-2222.json", Record("GHSA-2222"));
  WriteFile(dir.path() + "/a/GHSA-1111.json", Record("GHSA-1111"));
  WriteFile(dir.path() + "/GHSA-3333.json", Record("GHSA-3333"));
  WriteFile(dir.path() + "/a/broken.json", "{\"id\": \"GHSA-4444\",");
  WriteFile(dir.path() + "/a/invalid.json", R"({"id": "GHSA-5555"})");
  WriteFile(dir.path() + "/README.md", "not a record");
  WriteFile(dir.path() + "/.git/objects/GHSA-6666.json", Record("GHSA-6666"));

  FakeClock clock(FromUnixMicros(0));
  Progress progress("read", 0, stderr, clock);
  Collected c = Read(dir.path(), &progress);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids, (std::vector<std::string>{"GHSA-3333", "GHSA-1111", "GHSA-2222"}));
  EXPECT_EQ(c.jsons[0], Record("GHSA-3333"));
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].file, dir.path() + "/a/broken.json");
  EXPECT_TRUE(StartsWith(c.problems[0].reason, "malformed JSON at line 1")) << c.problems[0].reason;
  EXPECT_EQ(c.problems[1].file, dir.path() + "/a/invalid.json");
  EXPECT_EQ(c.problems[1].reason, "modified: is required");
  EXPECT_EQ(progress.count(), 5);
}

TEST(ReadAdvisories, ReadsTheWholeGoCorpusDirectory) {
  if (!fs::exists(kGoCorpus)) {
    GTEST_SKIP() << "../shared/corpora/osv/go is absent; skipping the corpus reading";
  }
  Collected c = Read(kGoCorpus);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids.size(), 4291u);
  EXPECT_TRUE(c.problems.empty()) << c.problems.front().file << ": " << c.problems.front().reason;
  EXPECT_TRUE(std::is_sorted(c.ids.begin(), c.ids.end()));
}

// Builds a zip at `path` from (name, content, compress) entries.
struct ZipEntry {
  std::string name;
  std::string content;
  bool compress = true;
};

void WriteZip(const std::string& path, const std::vector<ZipEntry>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr) << "zip_open error " << error;
  for (const ZipEntry& entry : entries) {
    zip_source_t* source =
        zip_source_buffer(archive, entry.content.data(), entry.content.size(), 0);
    ASSERT_NE(source, nullptr);
    zip_int64_t index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    ASSERT_GE(index, 0) << zip_strerror(archive);
    ASSERT_EQ(zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                                       entry.compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0),
              0);
  }
  ASSERT_EQ(zip_close(archive), 0) << zip_strerror(archive);
}

TEST(ReadAdvisories, ReadsAZipAndSurvivesCorruptBadAndOversizedEntries) {
  if (!fs::exists(kGoCorpus)) {
    GTEST_SKIP() << "../shared/corpora/osv/go is absent; skipping the zip built from it";
  }
  testing::TempDir dir;
  std::string zip = dir.path() + "/all.zip";
  std::vector<ZipEntry> entries;
  for (const char* id : {"GO-2022-0617", "GO-2020-0001", "GO-2020-0050"}) {
    entries.push_back({std::string(id) + ".json", ReadFile(kGoCorpus + "/" + id + ".json")});
  }
  // Stored uncompressed, so its bytes can be found in the file and damaged below.
  entries.push_back({"GO-2021-0001.json", Record("GO-2021-0001") + "  CORRUPTED-HERE", false});
  entries.push_back({"GO-2021-0002.json", R"({"id": "GO-2021-0002", "modified": "soon"})"});
  entries.push_back({"GO-2021-0003.json", std::string(17 << 20, ' ')});  // deflates to ~17 KiB
  entries.push_back({"LICENSE", "not a record"});
  WriteZip(zip, entries);
  {
    std::string bytes = ReadFile(zip);
    size_t at = bytes.find("CORRUPTED-HERE");
    ASSERT_NE(at, std::string::npos);
    bytes[at] = 'X';
    WriteFile(zip, bytes);
  }

  Collected c = Read(zip);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids, (std::vector<std::string>{"GO-2020-0001", "GO-2020-0050", "GO-2022-0617"}));
  EXPECT_EQ(c.jsons[0], ReadFile(kGoCorpus + "/GO-2020-0001.json"));
  ASSERT_EQ(c.problems.size(), 3u);
  EXPECT_EQ(c.problems[0].file, "all.zip:GO-2021-0001.json");
  EXPECT_TRUE(StartsWith(c.problems[0].reason, "corrupt entry: ")) << c.problems[0].reason;
  EXPECT_EQ(c.problems[1].file, "all.zip:GO-2021-0002.json");
  EXPECT_TRUE(StartsWith(c.problems[1].reason, "modified: 'soon' is not an RFC 3339"))
      << c.problems[1].reason;
  EXPECT_EQ(c.problems[2].file, "all.zip:GO-2021-0003.json");
  EXPECT_EQ(c.problems[2].reason, "the record is larger than 16 MiB (17825792 bytes uncompressed)");
}

TEST(ReadAdvisories, ReadsOneRecordFile) {
  testing::TempDir dir;
  std::string file = dir.path() + "/GHSA-1111.json";
  WriteFile(file, "\n  " + Record("GHSA-1111") + "\n");
  Collected c = Read(file);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids, std::vector<std::string>{"GHSA-1111"});
  EXPECT_EQ(c.jsons[0], "\n  " + Record("GHSA-1111") + "\n");
  EXPECT_TRUE(c.problems.empty());

  WriteFile(file, std::string((16 << 20) + 1, ' '));
  c = Read(file);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.problems, (std::vector<AdvisoryProblem>{{file, "the record is larger than 16 MiB"}}));
}

TEST(ReadAdvisories, ReadsAnArrayOneElementAtATime) {
  testing::TempDir dir;
  std::string file = dir.path() + "/feed.json";
  std::string tricky = R"({"id": "GHSA-3333", "modified": "2024-01-01T00:00:00Z",
      "summary": "brackets ] } [ { and \"quotes\" and \\ in a string"})";
  WriteFile(file, " [ " + Record("GHSA-1111") + ",\n{\"id\": 5},\n" + tricky + ", 42 ] \n");
  FakeClock clock(FromUnixMicros(0));
  Progress progress("read", 0, stderr, clock);
  Collected c = Read(file, &progress);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids, (std::vector<std::string>{"GHSA-1111", "GHSA-3333"}));
  EXPECT_EQ(c.jsons, (std::vector<std::string>{Record("GHSA-1111"), tricky}));
  EXPECT_EQ(c.problems,
            (std::vector<AdvisoryProblem>{{file + "[1]", "id: must be a string"},
                                          {file + "[3]", "an OSV record must be a JSON object"}}));
  EXPECT_EQ(progress.count(), 4);

  WriteFile(file, "[]");
  c = Read(file);
  EXPECT_TRUE(c.status.ok() && c.ids.empty() && c.problems.empty());

  WriteFile(file, "[" + Record("GHSA-1111") + " " + Record("GHSA-2222") + "]");
  c = Read(file);
  EXPECT_EQ(c.ids, std::vector<std::string>{"GHSA-1111"});
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].file, file);
  EXPECT_TRUE(StartsWith(c.problems[0].reason, "malformed JSON array at byte"))
      << c.problems[0].reason;

  WriteFile(file, "[" + Record("GHSA-1111") + ", {\"id\": \"GHSA-2");
  c = Read(file);
  EXPECT_EQ(c.ids, std::vector<std::string>{"GHSA-1111"});
  EXPECT_EQ(c.problems, (std::vector<AdvisoryProblem>{{file + "[1]", "the file ends inside it"}}));

  WriteFile(file, "[" + Record("GHSA-1111") + "] trailing");
  c = Read(file);
  EXPECT_EQ(c.ids, std::vector<std::string>{"GHSA-1111"});
  EXPECT_EQ(c.problems,
            (std::vector<AdvisoryProblem>{
                {file, "unexpected data after the closing ']' of the array is skipped"}}));
}

TEST(ReadAdvisories, OversizedArrayElementIsSkippedAndReadingGoesOn) {
  testing::TempDir dir;
  std::string file = dir.path() + "/feed.json";
  std::string big = R"({"id": "GHSA-2222", "modified": "2024-01-01T00:00:00Z", "details": ")" +
                    std::string(17 << 20, 'x') + "\"}";
  WriteFile(file, "[" + big + "," + Record("GHSA-3333") + "]");
  Collected c = Read(file);
  ASSERT_TRUE(c.status.ok()) << c.status.ToString();
  EXPECT_EQ(c.ids, std::vector<std::string>{"GHSA-3333"});
  EXPECT_EQ(c.problems,
            (std::vector<AdvisoryProblem>{{file + "[0]", "the record is larger than 16 MiB"}}));
}

TEST(ReadAdvisories, UnreadableSourcesAreErrors) {
  testing::TempDir dir;
  Collected c = Read(dir.path() + "/missing");
  EXPECT_EQ(c.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(c.status.message(), dir.path() + "/missing: no such file or directory");

  WriteFile(dir.path() + "/notes.txt", "hello");
  c = Read(dir.path() + "/notes.txt");
  EXPECT_EQ(c.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status.message().find("a directory, a .zip or a .json file"), std::string::npos);

  WriteFile(dir.path() + "/fake.zip", "this is not a zip archive at all");
  c = Read(dir.path() + "/fake.zip");
  EXPECT_EQ(c.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status.message().find("not a readable zip archive"), std::string::npos)
      << c.status.message();
}

TEST(ReadAdvisories, AnErrorFromTheCallbackStopsTheReading) {
  testing::TempDir dir;
  WriteFile(dir.path() + "/GHSA-1111.json", Record("GHSA-1111"));
  WriteFile(dir.path() + "/GHSA-2222.json", Record("GHSA-2222"));
  int calls = 0;
  Status s = ReadAdvisories(
      dir.path(),
      [&](Advisory&&, std::string_view) {
        ++calls;
        return UnavailableError("database is down");
      },
      [](const AdvisoryProblem&) {});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace bulwark::vuln
