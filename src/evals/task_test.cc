// The task format (docs/tasks.md): parsing, the errors that name the field, suites and their
// content hash, and the project's own smoke suite.
#include "evals/task.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testing/temp_dir.h"

namespace bulwark::evals {
namespace {

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

constexpr const char* kFullTask = R"yaml(id: web-1
name: Web one
category: web
difficulty: hard
prompt: Find the flag.
files:
  - path: a.txt
    content: "hello"
  - path: bin/tool
    source: tool.sh
  - path: docs
    source: docs
services:
  - name: app
    command: python3 app.py
    port: 8080
    start_timeout_s: 5
    files:
      - path: app.py
        content: "print(1)"
flag: FLAG{x}
checker:
  command: sh check.sh
  timeout_s: 9
  files:
    - path: check.sh
      content: "exit 0"
limits:
  max_messages: 7
  max_tokens: 1000
  wall_time_s: 30.5
  max_attempts: 3
  command_timeout_s: 4
solution:
  - bash: ls
  - python: print(2)
  - submit: FLAG{x}
metadata:
  expected_human_minutes: 12
  source: https://example.org/challenge
)yaml";

TEST(TaskYaml, ReadsEveryField) {
  testing::TempDir dir;
  WriteFile(dir.path() + "/tool.sh", "#!/bin/sh\necho tool\n");
  std::filesystem::permissions(dir.path() + "/tool.sh", std::filesystem::perms::owner_all);
  WriteFile(dir.path() + "/docs/b.txt", "bee");
  WriteFile(dir.path() + "/docs/sub/c.txt", "sea");
  StatusOr<Task> task = ParseTaskYaml(kFullTask, dir.path(), "web.yaml");
  ASSERT_TRUE(task.ok()) << task.status().message();
  EXPECT_EQ(task->id, "web-1");
  EXPECT_EQ(task->name, "Web one");
  EXPECT_EQ(task->category, "web");
  EXPECT_EQ(task->difficulty, "hard");
  EXPECT_EQ(task->mode, TaskMode::kAgent);
  ASSERT_EQ(task->files.size(), 4u);
  EXPECT_EQ(task->files[0].path, "a.txt");
  EXPECT_EQ(task->files[0].content, "hello");
  EXPECT_EQ(task->files[1].path, "bin/tool");
  EXPECT_TRUE(task->files[1].executable);
  EXPECT_EQ(task->files[2].path, "docs/b.txt");
  EXPECT_EQ(task->files[2].content, "bee");
  EXPECT_EQ(task->files[3].path, "docs/sub/c.txt");
  ASSERT_EQ(task->services.size(), 1u);
  EXPECT_EQ(task->services[0].port, 8080);
  EXPECT_EQ(task->services[0].files[0].content, "print(1)");
  EXPECT_EQ(task->flag, "FLAG{x}");
  ASSERT_TRUE(task->checker.has_value());
  EXPECT_EQ(task->checker->timeout_s, 9);
  EXPECT_EQ(task->limits.max_messages, 7);
  EXPECT_EQ(task->limits.max_tokens, 1000);
  EXPECT_EQ(task->limits.wall_time_s, 30.5);
  EXPECT_EQ(task->limits.max_attempts, 3);
  EXPECT_EQ(task->limits.command_timeout_s, 4);
  ASSERT_EQ(task->solution.size(), 3u);
  EXPECT_EQ(task->solution[1].tool, "python");
  EXPECT_EQ(task->solution[1].input, "print(2)");
  EXPECT_EQ(task->metadata.at("expected_human_minutes"), "12");
}

TEST(TaskYaml, DefaultsForAMinimalTask) {
  StatusOr<Task> task = ParseTaskYaml("id: t\nprompt: p\nflag: F\n", "/nonexistent", "t.yaml");
  ASSERT_TRUE(task.ok()) << task.status().message();
  EXPECT_EQ(task->name, "t");
  EXPECT_EQ(task->category, "misc");
  EXPECT_EQ(task->limits.max_attempts, 1);
  EXPECT_TRUE(task->files.empty());
}

// Every malformed document names the file and the field.
TEST(TaskYaml, ErrorsNameTheField) {
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"id: t\nprompt: p\n", "give a flag or a checker"},
      {"prompt: p\nflag: F\n", "t.yaml: id: missing"},
      {"id: t\nprompt: p\nflag: F\nflags: G\n", "t.yaml: flags: unknown field"},
      {"id: t\nprompt: p\nflag: F\nlimits:\n  wall_time_s: -3\n",
       "t.yaml: limits.wall_time_s: expected a positive number"},
      {"id: t\nprompt: p\nflag: F\nlimits:\n  max_messages: many\n",
       "t.yaml: limits.max_messages: expected a whole number"},
      {"id: t\nprompt: p\nflag: F\nfiles:\n  - path: ../x\n    content: y\n",
       "t.yaml: files[0].path: must be a relative path"},
      {"id: t\nprompt: p\nflag: F\nfiles:\n  - path: x\n", "files[0]: give exactly one of"},
      {"id: t\nprompt: p\nflag: F\nfiles:\n  - path: x\n    source: /etc/passwd\n",
       "files[0].source: must be a path relative"},
      {"id: t\nprompt: p\nflag: F\nfiles:\n  - path: x\n    source: missing.txt\n",
       "files[0].source:"},
      {"id: t\nprompt: p\nflag: F\nsolution:\n  - curl: x\n", "solution[0].curl: unknown field"},
      {"id: t\nprompt: p\nflag: F\nmode: chat\n", "t.yaml: mode: expected agent or single_turn"},
      {"id: bad id\nprompt: p\nflag: F\n", "t.yaml: id: \"bad id\""},
      {"id: t\nprompt: [1, 2]\nflag: F\n", "t.yaml: prompt: expected text"},
      {"id: t\nprompt: p\nflag: F\nservices:\n  - name: s\n    command: x\n    port: 70000\n",
       "services[0].port: expected a whole number from 1 to 65535"},
      {"- just\n- a list\n", "t.yaml: expected a mapping"},
      {"id: t\nprompt: \"unterminated\n", "t.yaml:"},
  };
  for (const Case& c : cases) {
    StatusOr<Task> task = ParseTaskYaml(c.yaml, "/nonexistent", "t.yaml");
    ASSERT_FALSE(task.ok()) << c.yaml;
    EXPECT_EQ(task.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(task.status().message().find(c.expected), std::string::npos)
        << "got: " << task.status().message() << "\nwanted: " << c.expected;
  }
}

TEST(TaskFlag, ComparesTrimmedText) {
  EXPECT_TRUE(MatchesFlag("  FLAG{a}\n", "FLAG{a}"));
  EXPECT_FALSE(MatchesFlag("flag{a}", "FLAG{a}"));
  EXPECT_FALSE(MatchesFlag("FLAG{a}x", "FLAG{a}"));
  EXPECT_FALSE(MatchesFlag("", "FLAG{a}"));
}

TEST(Suite, LoadsTasksAndHashesContent) {
  testing::TempDir dir;
  WriteFile(dir.path() + "/suite.yaml", "name: s\nversion: 1.0\ntasks:\n  - one.yaml\n  - two\n");
  WriteFile(dir.path() + "/one.yaml", "id: one\nprompt: p\nflag: F1\n");
  WriteFile(dir.path() + "/two/task.yaml",
            "id: two\nprompt: q\nflag: F2\nfiles:\n  - path: f\n    source: f.txt\n");
  WriteFile(dir.path() + "/two/f.txt", "original");
  StatusOr<Suite> suite = LoadSuite(dir.path());
  ASSERT_TRUE(suite.ok()) << suite.status().message();
  EXPECT_EQ(suite->name, "s");
  ASSERT_EQ(suite->tasks.size(), 2u);
  ASSERT_NE(suite->Find("two"), nullptr);
  EXPECT_EQ(suite->Find("two")->files[0].content, "original");
  EXPECT_EQ(suite->Find("three"), nullptr);
  std::string hash = suite->ContentHash();
  EXPECT_EQ(hash.rfind("sha256:", 0), 0u);
  EXPECT_EQ(hash.size(), 7u + 64u);

  // The same content hashes alike; any change to a file a task gives changes the hash.
  StatusOr<Suite> again = LoadSuite(dir.path() + "/suite.yaml");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ContentHash(), hash);
  WriteFile(dir.path() + "/two/f.txt", "changed");
  StatusOr<Suite> changed = LoadSuite(dir.path());
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->ContentHash(), hash);
  Suite edited = *again;
  edited.tasks[0].limits.max_messages += 1;
  EXPECT_NE(edited.ContentHash(), hash);
}

TEST(Suite, RejectsDuplicateIdsAndNamesTheTaskFile) {
  testing::TempDir dir;
  WriteFile(dir.path() + "/suite.yaml", "name: s\nversion: 1\ntasks: [a.yaml, b.yaml]\n");
  WriteFile(dir.path() + "/a.yaml", "id: same\nprompt: p\nflag: F\n");
  WriteFile(dir.path() + "/b.yaml", "id: same\nprompt: p\nflag: F\n");
  StatusOr<Suite> suite = LoadSuite(dir.path());
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.status().message().find("\"same\" appears twice"), std::string::npos);

  WriteFile(dir.path() + "/b.yaml", "id: other\nprompt: p\n");
  suite = LoadSuite(dir.path());
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.status().message().find("b.yaml"), std::string::npos) << suite.status().message();

  WriteFile(dir.path() + "/suite.yaml", "name: s\nversion: 1\ntasks: [../escape.yaml]\n");
  suite = LoadSuite(dir.path());
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.status().message().find("tasks[0]"), std::string::npos);
}

// A suite that declares a canary carries it in every task file; the canary is part of its hash.
TEST(Suite, CanaryMustBeInEveryTaskFile) {
  testing::TempDir dir;
  const std::string canary = "bulwark-canary-6f1d2c0e-93a4-4c55-b7e1-0a2d9c8f4e31";
  WriteFile(dir.path() + "/suite.yaml",
            "name: s\nversion: 1\ncanary: " + canary + "\ntasks: [a.yaml, b.yaml]\n");
  WriteFile(dir.path() + "/a.yaml", "# canary: " + canary + "\nid: a\nprompt: p\nflag: F\n");
  WriteFile(dir.path() + "/b.yaml", "id: b\nprompt: p\nflag: F\n");
  StatusOr<Suite> suite = LoadSuite(dir.path());
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.status().message().find("b.yaml: does not carry the suite's canary"),
            std::string::npos)
      << suite.status().message();

  WriteFile(dir.path() + "/b.yaml", "id: b  # " + canary + "\nprompt: p\nflag: F\n");
  suite = LoadSuite(dir.path());
  ASSERT_TRUE(suite.ok()) << suite.status().message();
  EXPECT_EQ(suite->canary, canary);
  Suite without = *suite;
  without.canary.clear();
  EXPECT_NE(without.ContentHash(), suite->ContentHash());

  WriteFile(dir.path() + "/suite.yaml", "name: s\nversion: 1\ncanary: short\ntasks: [a.yaml]\n");
  suite = LoadSuite(dir.path());
  ASSERT_FALSE(suite.ok());
  EXPECT_NE(suite.status().message().find("canary"), std::string::npos);
}

// The project's own suite loads, and every agentic task has a reference solution that ends in
// a submission (the mock model replays them in the harness's tests).
TEST(Suite, ProjectSmokeSuite) {
  StatusOr<Suite> suite = LoadSuite(std::string(BULWARK_SOURCE_DIR) + "/suites/bulwark-smoke");
  ASSERT_TRUE(suite.ok()) << suite.status().message();
  EXPECT_GE(suite->tasks.size(), 5u);
  bool service = false, checker = false, time_limit = false, files = false;
  for (const Task& task : suite->tasks) {
    service = service || !task.services.empty();
    checker = checker || task.checker.has_value();
    time_limit = time_limit || task.limits.command_timeout_s < 10;
    files = files || !task.files.empty();
    if (task.mode == TaskMode::kAgent) {
      ASSERT_FALSE(task.solution.empty()) << task.id;
      EXPECT_EQ(task.solution.back().tool, "submit") << task.id;
    }
  }
  EXPECT_TRUE(service && checker && time_limit && files);
}

}  // namespace
}  // namespace bulwark::evals
