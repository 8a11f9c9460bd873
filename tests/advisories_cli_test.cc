// `bulwark advisories` as a user runs it: importing a folder of OSV records with a bad one
// among them into a fresh SQLite database, then showing a record.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::tests {
namespace {

// Runs `bulwark ARGS`; returns the exit status and stores standard output and error.
int RunCapturing(const std::string& args, std::string* output) {
  std::string command = std::string(BULWARK_BINARY) + " " + args + " 2>&1";
  return testing::RunShell(command, output);
}

std::string Record(const std::string& id, const std::string& modified) {
  return R"({"id": ")" + id + R"(", "modified": ")" + modified +
         R"(", "affected": [{"package": {"ecosystem": "PyPI", "name": "example"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}]}]}]})";
}

TEST(AdvisoriesCliTest, ImportsReportsTheBadFileAndShows) {
  testing::TempDir dir;
  std::string feed = dir.path() + "/feed";
  std::filesystem::create_directories(feed + "/2024");
  std::ofstream(feed + "/2024/PYSEC-2024-1.json") << Record("PYSEC-2024-1", "2024-01-01T00:00:00Z");
  std::ofstream(feed + "/2024/PYSEC-2024-2.json") << Record("PYSEC-2024-2", "2024-01-02T00:00:00Z");
  std::ofstream(feed + "/PYSEC-2024-3.json")
      << R"({"id": "PYSEC-2024-3", "modified": "2024-01-03T00:00:00Z",
             "affected": [{"ranges": [{"type": "SEMVER", "events": [{"fixed": "1.0"}]}]}]})";
  std::string common = "--database sqlite:" + dir.path() + "/bulwark.db ";

  std::string out;
  EXPECT_EQ(RunCapturing(common + "advisories import " + feed, &out), 1) << out;
  EXPECT_NE(out.find("read 3, new 2, updated 0, unchanged 0, skipped 1"), std::string::npos) << out;
  EXPECT_NE(out.find("skipped " + feed +
                     "/PYSEC-2024-3.json: affected[0].ranges[0].events: a range needs an "
                     "'introduced' event"),
            std::string::npos)
      << out;
  // No progress bar when the output is not a terminal.
  EXPECT_EQ(out.find("\r"), std::string::npos) << out;

  EXPECT_EQ(RunCapturing(common + "advisories show PYSEC-2024-2", &out), 0) << out;
  EXPECT_EQ(out, Record("PYSEC-2024-2", "2024-01-02T00:00:00Z") + "\n");
  EXPECT_EQ(RunCapturing(common + "advisories show PYSEC-2024-3", &out), 1) << out;
  EXPECT_EQ(out, "bulwark: no advisory PYSEC-2024-3 in the database\n");

  // Again, with a newer copy of one record: nothing else changes.
  std::string update = dir.path() + "/PYSEC-2024-1.json";
  std::ofstream(update) << Record("PYSEC-2024-1", "2024-02-01T00:00:00Z");
  std::filesystem::remove(feed + "/PYSEC-2024-3.json");
  EXPECT_EQ(RunCapturing(common + "advisories import " + feed + " " + update, &out), 0) << out;
  EXPECT_NE(out.find("read 3, new 0, updated 1, unchanged 2, skipped 0"), std::string::npos) << out;

  EXPECT_EQ(RunCapturing(common + "advisories import " + dir.path() + "/absent.zip", &out), 2)
      << out;
  EXPECT_NE(out.find("absent.zip: no such file or directory"), std::string::npos) << out;
}

TEST(AdvisoriesCliTest, ListsTwentySkippedFilesThenCountsTheRest) {
  testing::TempDir dir;
  std::string feed = dir.path() + "/feed";
  std::filesystem::create_directories(feed);
  for (int i = 0; i < 25; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/bad-%02d.json", i);
    std::ofstream(feed + name) << "{";
  }
  std::string out;
  EXPECT_EQ(RunCapturing(
                "--database sqlite:" + dir.path() + "/bulwark.db advisories import " + feed, &out),
            1)
      << out;
  EXPECT_NE(out.find("skipped " + feed + "/bad-19.json"), std::string::npos) << out;
  EXPECT_EQ(out.find("bad-20.json"), std::string::npos) << out;
  EXPECT_NE(out.find("... and 5 more\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace bulwark::tests
