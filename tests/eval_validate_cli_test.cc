// `bulwark eval validate --check` as a user runs it: a suite of one sound task and one whose flag
// sits base64-encoded in the agent's files; the table, the JSON, and the exit status that says
// whether every task is valid.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "evals/sandbox.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark {
namespace {

namespace json = boost::json;

int Bulwark(const std::string& args, std::string* out) {
  return testing::RunShell(std::string(BULWARK_BINARY) + " " + args, out);
}

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// A task whose flag is in secret.txt, every character shifted up by one (GMBH|tijgufe~ is
// FLAG{shifted}), with a solution that shifts it back; `extra_files` go beside the secret.
std::string TaskYaml(const std::string& id, const std::string& extra_files = "") {
  return "id: " + id +
         "\n"
         "prompt: secret.txt holds a flag of the form FLAG{...}, every character shifted up.\n"
         "files:\n"
         "  - path: secret.txt\n"
         "    content: \"GMBH|tijgufe~\\n\"\n" +
         extra_files +
         "flag: FLAG{shifted}\n"
         "limits: {max_messages: 6, wall_time_s: 60, command_timeout_s: 20}\n"
         "solution:\n"
         "  - python: print(''.join(chr(ord(c) - 1) for c in open('secret.txt').read().strip()))\n"
         "  - submit: FLAG{shifted}\n";
}

class EvalValidateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Status s = evals::Sandbox::Available(); !s.ok()) GTEST_SKIP() << s.message();
    Write(dir_.path() + "/suite.yaml", "name: probe\nversion: 1\ntasks: [sound, leaky]\n");
    Write(dir_.path() + "/sound/task.yaml", TaskYaml("sound"));
    // The leak: a backup of the flag, base64-encoded, in the agent's files.
    Write(dir_.path() + "/leaky/task.yaml",
          TaskYaml("leaky",
                   "  - path: notes.txt\n    content: \"backup: RkxBR3tzaGlmdGVkfQ==\\n\"\n"));
  }

  testing::TempDir dir_;
};

TEST_F(EvalValidateCliTest, AnInvalidTaskFailsTheCheckWithItsReason) {
  std::string out;
  EXPECT_EQ(Bulwark("eval validate " + dir_.path() + " --check 2>&1", &out), 1) << out;
  EXPECT_NE(out.find("reference null    flag-hunter verdict"), std::string::npos) << out;
  EXPECT_NE(out.find("2 tasks: 1 valid, 1 invalid, 0 undecided"), std::string::npos) << out;
  EXPECT_NE(out.find("invalid leaky: the flag-hunting agent passed by submitting "
                     "\"FLAG{shifted}\""),
            std::string::npos)
      << out;

  ASSERT_EQ(Bulwark("eval validate " + dir_.path() + " --check --format json", &out), 1) << out;
  json::value v = json::parse(out);
  EXPECT_FALSE(v.at("all_valid").as_bool());
  EXPECT_EQ(v.at("valid").as_int64(), 1);
  EXPECT_EQ(v.at("invalid").as_int64(), 1);
  const json::object& sound = v.at("tasks").at(0).as_object();
  EXPECT_EQ(sound.at("task").as_string(), "sound");
  EXPECT_EQ(sound.at("verdict").as_string(), "valid");
  EXPECT_TRUE(sound.at("reference").at("answer_derived").as_bool());
  const json::object& leaky = v.at("tasks").at(1).as_object();
  EXPECT_EQ(leaky.at("verdict").as_string(), "invalid");
  EXPECT_TRUE(leaky.at("flag_hunter").at("passed").as_bool());

  // Only the sound task: every task checked is valid.
  EXPECT_EQ(Bulwark("eval validate " + dir_.path() + " --check --tasks sound 2>&1", &out), 0)
      << out;
  EXPECT_NE(out.find("1 tasks: 1 valid, 0 invalid"), std::string::npos) << out;
}

TEST_F(EvalValidateCliTest, WithoutCheckItListsAndUnknownTasksAreRefused) {
  std::string out;
  EXPECT_EQ(Bulwark("eval validate " + dir_.path() + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("suite probe 1: 2 tasks, sha256:"), std::string::npos) << out;
  EXPECT_EQ(Bulwark("eval validate " + dir_.path() + " --check --tasks nope 2>&1", &out), 2) << out;
  EXPECT_NE(out.find("has no task \"nope\""), std::string::npos) << out;
}

}  // namespace
}  // namespace bulwark
