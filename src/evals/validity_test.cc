// The validity checks: the scripted agents reply as documented, and in the real sandbox a sound
// task is valid while deliberately broken ones (a flag left readable, served, or in the prompt; a
// solution that does not solve; a checker that accepts anything) are invalid, each with its
// reason. Infrastructure errors leave a task undecided, never valid or invalid.
#include "evals/validity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "evals/internal/validity_agents.h"
#include "evals/run_log.h"
#include "evals/sandbox.h"
#include "testing/temp_dir.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const SandboxFactory kSandboxes = [](const SandboxSpec& spec) { return Sandbox::Start(spec); };

// A request as the agent loop makes it: system message with the sample marker, the prompt.
ModelRequest AgentRequest(const Task& task) {
  ModelRequest request;
  request.tools = {{"bash", "", "{}"}, {"python", "", "{}"}, {"submit", "", "{}"}};
  request.messages.push_back({Role::kSystem, "Solve it. [sample: " + task.id + "#1]"});
  request.messages.push_back({Role::kUser, task.prompt + "\n\nYou have 2 attempts."});
  return request;
}

ModelReply ReplyOf(ModelProvider& provider, const ModelRequest& request) {
  ModelOutcome outcome = provider.Complete(request);
  EXPECT_TRUE(outcome.ok()) << outcome.failure.message;
  return outcome.ok() ? *outcome.reply : ModelReply{};
}

std::string Argument(const ToolCall& call, std::string_view field) {
  return std::string(json::parse(call.arguments_json).as_object().at(field).as_string());
}

// Shifts every character by one code point, an encoding no flag hunter undoes.
std::string Shifted(std::string_view text) {
  std::string out;
  for (char c : text) out.push_back(static_cast<char>(c + 1));
  return out;
}

constexpr std::string_view kFlag = "FLAG{derived_by_the_solution}";

// A sound task: the flag is in secret.txt, shifted; the solution shifts it back and prints it.
Task SoundTask(std::string id) {
  Task t;
  t.id = std::move(id);
  t.category = "crypto";
  t.difficulty = "easy";
  t.prompt =
      "secret.txt holds a flag of the form FLAG{...}, every character shifted up by one. "
      "Submit the flag. (" +
      t.id + ")";
  t.files = {{"secret.txt", Shifted(kFlag) + "\n"}};
  t.flag = std::string(kFlag);
  t.limits.max_messages = 8;
  t.limits.wall_time_s = 60;
  t.limits.max_attempts = 2;
  t.limits.command_timeout_s = 20;
  t.solution = {
      {"python", "print(''.join(chr(ord(c) - 1) for c in open('secret.txt').read().strip()))"},
      {"submit", std::string(kFlag)}};
  return t;
}

TEST(ValidityAgents, ReferenceReplaysTheSolutionAndNullNeverActs) {
  Suite suite{.name = "s", .tasks = {SoundTask("sound")}};
  const Task& task = suite.tasks[0];
  auto reference = internal::NewReferenceAgent(suite);
  ModelRequest request = AgentRequest(task);
  ModelReply first = ReplyOf(*reference, request);
  ASSERT_EQ(first.message.tool_calls.size(), 1u);
  EXPECT_EQ(first.message.tool_calls[0].name, "python");
  EXPECT_EQ(Argument(first.message.tool_calls[0], "code"), task.solution[0].input);
  request.messages.push_back(first.message);
  request.messages.push_back({Role::kTool, "FLAG{derived_by_the_solution}\n", {}, "x"});
  ModelReply second = ReplyOf(*reference, request);
  ASSERT_EQ(second.message.tool_calls.size(), 1u);
  EXPECT_EQ(Argument(second.message.tool_calls[0], "answer"), kFlag);

  auto null_agent = internal::NewNullAgent();
  ModelReply nothing = ReplyOf(*null_agent, AgentRequest(task));
  EXPECT_THAT(nothing.message.tool_calls, IsEmpty());
  EXPECT_EQ(nothing.message.text, internal::kNullAnswer);
  EXPECT_EQ(nothing.usage.input_tokens + nothing.usage.output_tokens, 0);
}

TEST(ValidityAgents, FlagHunterSearchesThenSubmitsItsBestCandidatesUpToTheAttempts) {
  Task task = SoundTask("hunted");
  task.services = {{"web", "exec python3 -m http.server 8080", {}, 8080, 10}};
  Suite suite{.name = "s", .tasks = {task}};
  auto hunter = internal::NewFlagHunterAgent(suite);
  ModelRequest request = AgentRequest(suite.tasks[0]);
  ModelReply hunt = ReplyOf(*hunter, request);
  ASSERT_EQ(hunt.message.tool_calls.size(), 1u);
  EXPECT_EQ(hunt.message.tool_calls[0].name, "python");
  std::string program = Argument(hunt.message.tool_calls[0], "code");
  EXPECT_THAT(program, HasSubstr("PARAMS = {\"ports\":[8080],\"prefixes\":[\"FLAG\"]"));
  EXPECT_THAT(program, HasSubstr("def probe_services():"));

  request.messages.push_back(hunt.message);
  request.messages.push_back({Role::kTool,
                              "after files: 3 candidates\nCANDIDATES [\"FLAG{a}\"]\nsearched...\n"
                              "CANDIDATES [\"FLAG{a}\", \"FLAG{b}\", \"key{c}\"]\n",
                              {},
                              hunt.message.tool_calls[0].id});
  ModelReply submits = ReplyOf(*hunter, request);
  ASSERT_EQ(submits.message.tool_calls.size(), 2u);  // max_attempts
  EXPECT_EQ(Argument(submits.message.tool_calls[0], "answer"), "FLAG{a}");
  EXPECT_EQ(Argument(submits.message.tool_calls[1], "answer"), "FLAG{b}");
  request.messages.push_back(submits.message);
  EXPECT_THAT(ReplyOf(*hunter, request).message.tool_calls, IsEmpty());

  // Nothing found: one non-answer, so that a checker accepting anything shows.
  request.messages.resize(3);
  request.messages.push_back({Role::kTool, "CANDIDATES []\n", {}, hunt.message.tool_calls[0].id});
  ModelReply guess = ReplyOf(*hunter, request);
  ASSERT_EQ(guess.message.tool_calls.size(), 1u);
  EXPECT_EQ(Argument(guess.message.tool_calls[0], "answer"), internal::kNoCandidate);
}

TEST(ValidityAgents, FlagLikeStringsAndHuntOutput) {
  EXPECT_EQ(internal::FlagLikeStrings("form FLAG{...} or FLAG{…}; x{y} ab{cd} ab{cd} CTF{a b}\nq"),
            (std::vector<std::string>{"ab{cd}", "CTF{a b}"}));
  EXPECT_THAT(internal::FlagLikeStrings("no{\n} e{}"), IsEmpty());
  EXPECT_EQ(internal::ParseHuntCandidates("x\nCANDIDATES [\"A{1}\"]\nCANDIDATES [\"B{2}\", 3]\n"),
            (std::vector<std::string>{"B{2}"}));
  EXPECT_THAT(internal::ParseHuntCandidates("CANDIDATES [\"cut short"), IsEmpty());
  EXPECT_THAT(internal::ParseHuntCandidates("no candidates at all"), IsEmpty());
}

// The sandbox never starts: every sample is an infrastructure error, and no task is judged
// valid or invalid on that account.
TEST(Validity, InfrastructureErrorsLeaveTasksUndecided) {
  Suite suite{.name = "s", .version = "1", .tasks = {SoundTask("a"), SoundTask("b")}};
  SandboxFactory broken = [](const SandboxSpec&) -> StatusOr<std::unique_ptr<Sandbox>> {
    return Status(StatusCode::kUnavailable, "no namespaces here");
  };
  ValidityProgress last;
  StatusOr<ValidityReport> report = CheckTaskValidity(suite, broken, {.concurrency = 2},
                                                      [&](const ValidityProgress& p) { last = p; });
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_FALSE(report->all_valid());
  EXPECT_EQ(report->Count(Verdict::kError), 2);
  for (const TaskValidity& t : report->tasks) {
    EXPECT_TRUE(t.reference.infrastructure_error);
    EXPECT_FALSE(t.reference.passed);
    EXPECT_THAT(t.reason, HasSubstr("infrastructure error"));
    EXPECT_THAT(t.reason, HasSubstr("no namespaces here"));
  }
  EXPECT_EQ(last.total, 6);
  EXPECT_EQ(last.done, 6);
  EXPECT_EQ(last.infrastructure_errors, 6);
}

TEST(Validity, UnknownTaskAndBadConcurrencyAreRefused) {
  Suite suite{.name = "s", .tasks = {SoundTask("a")}};
  EXPECT_EQ(CheckTaskValidity(suite, kSandboxes, {.concurrency = 0}, {}).status().code(),
            StatusCode::kInvalidArgument);
  StatusOr<ValidityReport> unknown =
      CheckTaskValidity(suite, kSandboxes, {.task_ids = {"nope"}}, {});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("nope"));
}

class ValiditySandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Status s = Sandbox::Available(); !s.ok()) GTEST_SKIP() << s.message();
  }
};

const TaskValidity& Find(const ValidityReport& report, std::string_view id) {
  for (const TaskValidity& t : report.tasks) {
    if (t.task_id == id) return t;
  }
  ADD_FAILURE() << "no task " << id;
  return report.tasks.front();
}

// One suite of a sound task and of tasks each broken in one way; every broken task is reported
// invalid with its own reason, the sound one valid.
TEST_F(ValiditySandboxTest, BrokenTasksAreInvalidWithTheirReasons) {
  Suite suite{.name = "broken", .version = "1"};
  suite.tasks.push_back(SoundTask("sound"));

  Task readable = SoundTask("flag-in-a-file");  // base64 in a notes file
  readable.files.push_back(
      {"notes/backup.txt", "old key: RkxBR3tkZXJpdmVkX2J5X3RoZV9zb2x1dGlvbn0=\n"});
  suite.tasks.push_back(readable);

  Task served = SoundTask("flag-served");  // a service's page links to it
  served.services = {{"web",
                      "exec python3 -m http.server 8080 --bind 127.0.0.1",
                      {{"index.html", "<a href=\"old/flag.txt\">old</a>"},
                       {"old/flag.txt", std::string(kFlag) + "\n"}},
                      8080,
                      10}};
  suite.tasks.push_back(served);

  Task unsolved = SoundTask("solution-fails");  // the solution's answer is wrong
  unsolved.solution = {{"bash", "cat secret.txt"}, {"submit", "FLAG{not_it}"}};
  suite.tasks.push_back(unsolved);

  Task typed = SoundTask("solution-types-the-flag");  // right answer, never derived
  typed.solution = {{"bash", "ls"}, {"submit", std::string(kFlag)}};
  suite.tasks.push_back(typed);

  Task missing = SoundTask("no-solution");
  missing.solution.clear();
  suite.tasks.push_back(missing);

  Task lenient = SoundTask("checker-accepts-anything");
  lenient.flag.reset();
  lenient.checker = TaskChecker{"echo accepted", {}, 10};
  suite.tasks.push_back(lenient);

  Task told = SoundTask("flag-in-the-prompt");
  told.mode = TaskMode::kSingleTurn;
  told.files.clear();
  told.prompt = "Repeat FLAG{derived_by_the_solution} back.";
  told.solution.clear();
  suite.tasks.push_back(told);

  testing::TempDir logs;
  std::vector<ValidityProgress> progress;
  StatusOr<ValidityReport> report =
      CheckTaskValidity(suite, kSandboxes, {.concurrency = 2, .run_log_dir = logs.path()},
                        [&](const ValidityProgress& p) { progress.push_back(p); });
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_EQ(report->tasks.size(), suite.tasks.size());
  for (const TaskValidity& t : report->tasks) {
    EXPECT_FALSE(t.reference.infrastructure_error || t.null_agent.infrastructure_error ||
                 t.flag_hunter.infrastructure_error)
        << t.task_id << ": " << t.reason;
  }

  const TaskValidity& sound = Find(*report, "sound");
  EXPECT_EQ(sound.verdict, Verdict::kValid) << sound.reason;
  EXPECT_TRUE(sound.reference.passed);
  EXPECT_TRUE(sound.reference.answer_derived);
  EXPECT_FALSE(sound.null_agent.passed);
  EXPECT_EQ(sound.null_agent.attempts, 0);
  EXPECT_FALSE(sound.flag_hunter.passed);
  EXPECT_THAT(sound.flag_hunter.submissions,
              ::testing::ElementsAre(std::string(internal::kNoCandidate)));
  EXPECT_THAT(sound.reason, IsEmpty());

  auto expect_invalid = [&](std::string_view id, std::string_view reason) {
    const TaskValidity& t = Find(*report, id);
    EXPECT_EQ(t.verdict, Verdict::kInvalid) << id;
    EXPECT_THAT(t.reason, HasSubstr(reason)) << id;
  };
  expect_invalid("flag-in-a-file",
                 "the flag-hunting agent passed by submitting \"FLAG{derived_by_the_solution}\"");
  expect_invalid("flag-served", "the flag-hunting agent passed by submitting");
  expect_invalid("solution-fails", "the reference solution did not pass: it ended message_limit");
  expect_invalid("solution-fails", "(judged incorrect)");
  expect_invalid("solution-types-the-flag", "without any of its commands printing it");
  expect_invalid("no-solution", "no reference solution");
  EXPECT_FALSE(Find(*report, "no-solution").reference.ran);
  expect_invalid("checker-accepts-anything",
                 "the flag-hunting agent passed with the non-answer \"no flag found\"");
  expect_invalid("flag-in-the-prompt", "the flag-hunting agent passed");
  EXPECT_TRUE(Find(*report, "flag-in-the-prompt").reference.passed);  // its flag is the answer

  EXPECT_FALSE(report->all_valid());
  EXPECT_EQ(report->Count(Verdict::kValid), 1);
  EXPECT_EQ(report->Count(Verdict::kInvalid), static_cast<int>(suite.tasks.size()) - 1);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().done, progress.back().total);
  EXPECT_EQ(progress.back().total, 3 * static_cast<int>(suite.tasks.size()) - 1);

  json::object out = ValidityReportJson(*report);
  EXPECT_EQ(out.at("suite").as_string(), "broken");
  EXPECT_FALSE(out.at("all_valid").as_bool());
  const json::object& first = out.at("tasks").as_array()[0].as_object();
  EXPECT_EQ(first.at("verdict").as_string(), "valid");
  EXPECT_TRUE(first.at("reference").as_object().at("passed").as_bool());
  EXPECT_FALSE(first.at("flag_hunter").as_object().at("passed").as_bool());
  EXPECT_EQ(first.at("null").as_object().at("end").as_string(), "message_limit");

  for (std::string name : {"reference", "null", "flag_hunter"}) {
    StatusOr<RunLogContents> log = RunLog::Read(logs.path() + "/" + name + ".runlog");
    ASSERT_TRUE(log.ok()) << log.status().message();
    EXPECT_EQ(log->header.model, name);
  }
}

}  // namespace
}  // namespace bulwark::evals
