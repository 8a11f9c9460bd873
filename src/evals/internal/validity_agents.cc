#include "evals/internal/validity_agents.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "evals/internal/mock_policy.h"

namespace bulwark::evals::internal {
namespace {

constexpr std::string_view kHuntCallId = "hunt";

// The facts the mock's policy reads, taken from a request as the mock server takes them from
// the wire.
MockConversation ConversationOf(const ModelRequest& request) {
  MockConversation conversation;
  bool seen_user = false;
  for (const Message& m : request.messages) {
    if (m.role == Role::kSystem) {
      conversation.system_text += (conversation.system_text.empty() ? "" : "\n") + m.text;
    } else if (m.role == Role::kUser && !seen_user) {
      conversation.first_user_text = m.text;
      seen_user = true;
    } else if (m.role == Role::kAssistant) {
      ++conversation.assistant_turns;
    }
  }
  for (const ToolSpec& tool : request.tools) conversation.tool_names.push_back(tool.name);
  return conversation;
}

const Task* TaskOf(const Suite& suite, const MockConversation& conversation) {
  return IdentifyTask(suite, conversation.first_user_text, SampleMarker(conversation));
}

ModelOutcome Reply(std::string text, std::vector<ToolCall> calls = {}) {
  ModelOutcome outcome;
  outcome.attempts = 1;
  ModelReply reply;
  reply.message.role = Role::kAssistant;
  reply.message.text = std::move(text);
  reply.message.tool_calls = std::move(calls);
  reply.stop_reason = reply.message.tool_calls.empty() ? "stop" : "tool_calls";
  outcome.reply = std::move(reply);
  return outcome;
}

std::string Arguments(std::string_view field, std::string_view value) {
  return boost::json::serialize(boost::json::object{{field, value}});
}

class ReferenceAgent : public ModelProvider {
 public:
  explicit ReferenceAgent(const Suite& suite) : suite_(suite) {}

  ModelOutcome Complete(const ModelRequest& request) override {
    MockReply next = NextTurn(suite_, ConversationOf(request), {.solve_rate = 1});
    if (!next.tool_call) return Reply(next.text);
    return Reply(
        "", {{"call_" + next.tool_call->id, next.tool_call->name, next.tool_call->arguments_json}});
  }
  int concurrency_limit() const override { return 1024; }

 private:
  const Suite& suite_;
};

class NullAgent : public ModelProvider {
 public:
  ModelOutcome Complete(const ModelRequest&) override { return Reply(std::string(kNullAnswer)); }
  int concurrency_limit() const override { return 1024; }
};

class FlagHunterAgent : public ModelProvider {
 public:
  explicit FlagHunterAgent(const Suite& suite) : suite_(suite) {}

  ModelOutcome Complete(const ModelRequest& request) override {
    MockConversation conversation = ConversationOf(request);
    const Task* task = TaskOf(suite_, conversation);
    if (task == nullptr) return Reply("I do not know this task.");
    if (task->mode == TaskMode::kSingleTurn) {
      std::vector<std::string> candidates = FlagLikeStrings(task->prompt);
      return Reply(candidates.empty() ? std::string(kNoCandidate) : candidates.front());
    }
    const Message* hunt = nullptr;
    bool hunted = false, submitted = false;
    for (const Message& m : request.messages) {
      if (m.role == Role::kTool && m.tool_call_id == kHuntCallId) hunt = &m;
      for (const ToolCall& call : m.tool_calls) {
        hunted = hunted || call.id == kHuntCallId;
        submitted = submitted || call.name == "submit";
      }
    }
    if (!hunted) {
      return Reply(
          "Let me look around for the flag.",
          {{std::string(kHuntCallId), "python", Arguments("code", FlagHunterProgram(*task))}});
    }
    if (submitted) return Reply("I have nothing more to try.");
    std::vector<std::string> candidates =
        hunt == nullptr ? std::vector<std::string>{} : ParseHuntCandidates(hunt->text);
    if (candidates.empty()) candidates.emplace_back(kNoCandidate);
    size_t attempts = static_cast<size_t>(std::max(1, task->limits.max_attempts));
    if (candidates.size() > attempts) candidates.resize(attempts);
    std::vector<ToolCall> calls;
    for (size_t i = 0; i < candidates.size(); ++i) {
      calls.push_back(
          {"submit-" + std::to_string(i + 1), "submit", Arguments("answer", candidates[i])});
    }
    return Reply("", std::move(calls));
  }
  int concurrency_limit() const override { return 1024; }

 private:
  const Suite& suite_;
};

bool IsWordChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::unique_ptr<ModelProvider> NewReferenceAgent(const Suite& suite) {
  return std::make_unique<ReferenceAgent>(suite);
}

std::unique_ptr<ModelProvider> NewNullAgent() { return std::make_unique<NullAgent>(); }

std::unique_ptr<ModelProvider> NewFlagHunterAgent(const Suite& suite) {
  return std::make_unique<FlagHunterAgent>(suite);
}

std::vector<std::string> FlagLikeStrings(std::string_view text) {
  // [A-Za-z0-9_]{2,}\{[^}\n]{1,200}\}, leftmost and longest prefix first, without std::regex.
  std::vector<std::string> found;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    size_t start = open;
    while (start > i && IsWordChar(text[start - 1])) --start;
    size_t close = text.find_first_of("}\n", open + 1);
    bool ok = open - start >= 2 && close != std::string_view::npos && text[close] == '}' &&
              close - open - 1 >= 1 && close - open - 1 <= 200;
    if (!ok) {
      i = open + 1;
      continue;
    }
    std::string_view inner = text.substr(open + 1, close - open - 1);
    constexpr std::string_view kEllipsis = "\xe2\x80\xa6";  // "…"
    bool placeholder =
        inner.find_first_not_of(". ") == std::string_view::npos || inner == kEllipsis;
    std::string candidate(text.substr(start, close - start + 1));
    if (!placeholder && std::find(found.begin(), found.end(), candidate) == found.end()) {
      found.push_back(std::move(candidate));
    }
    i = close + 1;
  }
  return found;
}

std::string FlagHunterProgram(const Task& task) {
  boost::json::array ports, prefixes;
  for (const TaskService& service : task.services) {
    if (service.port != 0) ports.push_back(service.port);
  }
  // The flag formats the prompt names, as in "a flag of the form FLAG{...}".
  std::set<std::string> seen;
  std::string_view prompt = task.prompt;
  for (size_t open = prompt.find('{'); open != std::string_view::npos;
       open = prompt.find('{', open + 1)) {
    size_t start = open;
    while (start > 0 && IsWordChar(prompt[start - 1])) --start;
    std::string prefix(prompt.substr(start, open - start));
    if (prefix.size() >= 2 && seen.insert(prefix).second) prefixes.emplace_back(prefix);
  }
  // Within the command's time limit, leaving time to print.
  double seconds = std::clamp(task.limits.command_timeout_s - 1.5, 1.0, 30.0);
  boost::json::object params{{"ports", ports},
                             {"prefixes", prefixes},
                             {"seconds", seconds},
                             {"limit", std::max(5, task.limits.max_attempts)}};
  return "PARAMS = " + boost::json::serialize(params) + "\n" + std::string(FlagHunterScript());
}

std::vector<std::string> ParseHuntCandidates(std::string_view output) {
  constexpr std::string_view kPrefix = "CANDIDATES ";
  size_t at = std::string_view::npos;
  for (size_t pos = output.find(kPrefix); pos != std::string_view::npos;
       pos = output.find(kPrefix, pos + 1)) {
    if (pos == 0 || output[pos - 1] == '\n') at = pos;
  }
  if (at == std::string_view::npos) return {};
  size_t end = output.find('\n', at);
  std::string_view line =
      output.substr(at + kPrefix.size(), end == std::string_view::npos ? std::string_view::npos
                                                                       : end - at - kPrefix.size());
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  std::vector<std::string> candidates;
  if (ec || !value.is_array()) return candidates;
  for (const boost::json::value& v : value.as_array()) {
    if (v.is_string() && !v.as_string().empty()) candidates.emplace_back(v.as_string());
  }
  return candidates;
}

}  // namespace bulwark::evals::internal
