// Tasks and suites: what a benchmark asks of a model, and how its answer is judged.
//
// A Task is one challenge: a prompt, the files the agent gets, services started in the task's
// private network, the answer (a flag) or a checker command, limits, and an optional reference
// solution (the tool calls that solve it). A Suite is a named, versioned set of tasks whose
// content hash changes whenever anything a run depends on changes. The YAML format is
// documented in docs/tasks.md; importers of public formats (importers.h) produce the same
// structures.
//
// Thread-safety: values; a loaded Suite is immutable and may be shared between threads.
//
//   BW_ASSIGN_OR_RETURN(Suite suite, LoadSuite("suites/smoke"));
//   for (const Task& task : suite.tasks) ...
//   std::string hash = suite.ContentHash();  // "sha256:..."
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace bulwark::evals {

// A file placed in a sandbox: `path` is relative (no "..", no leading "/"), `content` holds
// its bytes (binary allowed).
struct TaskFile {
  std::string path;
  std::string content;
  bool executable = false;
};

// A process started inside the task's private network before the agent's first command, for
// example a vulnerable web server. Its files are visible to it only, never to the agent; the
// agent reaches it at 127.0.0.1:`port`.
struct TaskService {
  std::string name;
  std::string command;  // run by /bin/sh -c in the service's own directory
  std::vector<TaskFile> files;
  uint16_t port = 0;            // the harness waits until it accepts connections; 0: no wait
  double start_timeout_s = 10;  // how long it may take to start listening
};

// How a sample runs: an agent with tools in a sandbox, or one prompt and one answer.
enum class TaskMode { kAgent, kSingleTurn };

// A command that judges a submission, run in a sandbox of its own (never the agent's) with its
// files in the working directory, the agent's files read-only under /agent, and the
// submission in the environment variable SUBMISSION and on standard input. Exit 0 is a pass.
struct TaskChecker {
  std::string command;  // run by /bin/sh -c
  std::vector<TaskFile> files;
  double timeout_s = 60;
};

struct TaskLimits {
  int max_messages = 30;          // model replies per sample
  int64_t max_tokens = 200'000;   // input + output tokens per sample
  double wall_time_s = 600;       // the whole sample, sandbox included
  int max_attempts = 1;           // submissions judged before the sample fails
  double command_timeout_s = 60;  // one bash or python call
};

// One step of a reference solution: a call of the `bash`, `python` or `submit` tool.
struct ReferenceStep {
  std::string tool;
  std::string input;  // the command, the program, or the answer
};

struct Task {
  std::string id;          // unique in its suite: [A-Za-z0-9._-]+
  std::string name;        // for people; defaults to the id
  std::string category;    // crypto, web, pwn, reverse, forensics, misc, ...
  std::string difficulty;  // as the source rates it: easy, medium, hard, or a number
  TaskMode mode = TaskMode::kAgent;
  std::string prompt;
  std::vector<TaskFile> files;
  std::vector<TaskService> services;
  std::optional<std::string> flag;  // the exact answer; compared after trimming whitespace
  std::optional<TaskChecker> checker;
  TaskLimits limits;
  std::vector<ReferenceStep> solution;
  std::map<std::string, std::string> metadata;  // expected_human_minutes, source, author, ...
};

// "sha256:" and the lowercase hex SHA-256 of `bytes`: how suites (by their content) and
// threshold policies (by their file) are named.
std::string ContentDigest(std::string_view bytes);

struct Suite {
  std::string name;
  std::string version;
  std::string description;
  std::vector<Task> tasks;
  // A string that marks the suite's content, so leaked tasks can be recognized (in a training
  // corpus, a paste, a model's output): a suite that declares one must carry it in every task
  // file, and sealing requires one. Empty: none.
  std::string canary;

  // "sha256:" and the lowercase hex SHA-256 of a canonical encoding of everything above.
  std::string ContentHash() const;
  // The task with this id, or nullptr.
  const Task* Find(std::string_view id) const;
};

// Parses one task document. Paths of files it names (`source:`) are relative to `base_dir`.
// `origin` names the document in messages. Errors are InvalidArgument naming the field, as in
// "tasks/sqli.yaml: limits.wall_time_s: expected a positive number".
StatusOr<Task> ParseTaskYaml(std::string_view yaml, const std::string& base_dir,
                             const std::string& origin);

// Loads a suite: a directory holding suite.yaml (name, version, description, and `tasks`: a
// list of task files or directories, or glob-free relative paths), or a suite.yaml file itself.
// Every task is validated; the first problem is returned, naming the file and the field.
StatusOr<Suite> LoadSuite(const std::string& path);

// Checks what every task must satisfy whatever its source: an id, a prompt, a way to judge it
// (flag or checker), safe relative paths, positive limits, unique ids in a suite.
Status ValidateTask(const Task& task);
Status ValidateSuite(const Suite& suite);

// Whether a submission is the flag: both trimmed of surrounding whitespace, then equal.
bool MatchesFlag(std::string_view submission, std::string_view flag);

}  // namespace bulwark::evals
