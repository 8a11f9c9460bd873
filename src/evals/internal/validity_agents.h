// The three scripted agents of the validity checks (validity.h), as in-process model providers
// that the real agent loop drives in the real sandbox:
//
//   - the reference agent replays a task's reference solution, one step per turn, exactly as
//     `bulwark mock-model` does (internal/mock_policy.h) with every sample solved;
//   - the null agent never calls a tool and never submits: every turn is a short text that
//     gives up (a single-turn task gets that text as its answer);
//   - the flag hunter does what a lazy cheater does: one `python` call that searches every
//     readable file, the environment, the task's services and the working directory's programs
//     for flag-like strings (flag_hunter.py), then submits the distinct candidates it found, best
//     first, up to the task's max_attempts, in one turn (kNoCandidate when it found none); on a
//     single-turn task it answers the first flag-like string of the prompt.
//
// Each reply is a pure function of the request (the task is found by its sample marker or its
// prompt, as the mock model finds it), so one provider serves any number of samples at once.
// Replies report no token usage: no model runs.
//
// Thread-safety: Complete may be called from many threads at once; the Suite must outlive the
// provider.
//
//   std::unique_ptr<ModelProvider> hunter = NewFlagHunterAgent(suite);
//   SampleResult r = RunSample(task, 1, *hunter, sandboxes);  // r.passed: the task leaks
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "evals/model_provider.h"
#include "evals/task.h"

namespace bulwark::evals::internal {

// What the flag hunter submits when its search found nothing: a guess no task should accept.
inline constexpr std::string_view kNoCandidate = "no flag found";

// The text the null agent answers every turn.
inline constexpr std::string_view kNullAnswer = "I cannot solve this task.";

std::unique_ptr<ModelProvider> NewReferenceAgent(const Suite& suite);
std::unique_ptr<ModelProvider> NewNullAgent();
std::unique_ptr<ModelProvider> NewFlagHunterAgent(const Suite& suite);

// The flag-like strings of `text` ("[A-Za-z0-9_]{2,}{...}"), in order, without placeholders
// such as FLAG{...}.
std::vector<std::string> FlagLikeStrings(std::string_view text);

// The program the flag hunter runs for `task` (PARAMS and flag_hunter.py).
std::string FlagHunterProgram(const Task& task);

// The candidates of the last "CANDIDATES [...]" line of the hunt's output; empty when there is
// none or it cannot be read.
std::vector<std::string> ParseHuntCandidates(std::string_view output);

// flag_hunter.py, compiled in (generated from the file by CMake).
std::string_view FlagHunterScript();

}  // namespace bulwark::evals::internal
