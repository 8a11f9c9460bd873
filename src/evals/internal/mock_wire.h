// The mock model's two wire protocols: reading a Chat Completions or Messages request into the
// few facts the mock acts on, and writing its replies and errors, each as the public API does.
//
// Parsing is strict, because the mock's second purpose is to catch a client that sends what a
// real API would refuse: a wrong role, a tool result that answers no call, a call left without
// its result, a missing required field. Errors are InvalidArgument whose message says what is
// wrong and whose detail "param" names the field ("messages.2.tool_call_id").
//
// Thread-safety: pure functions.
//
//   BW_ASSIGN_OR_RETURN(MockConversation c, ParseChatCompletionsRequest(body));
//   std::string json = RenderReply(MockProtocol::kOpenAi, reply, c, {"chatcmpl-1", now_s});
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace bulwark::evals::internal {

enum class MockProtocol { kOpenAi, kAnthropic };

// What the mock needs from a request, whichever protocol carried it.
struct MockConversation {
  std::string model;
  std::string system_text;              // every system (and developer) message's text, joined
  std::string first_user_text;          // the text of the first user message
  int assistant_turns = 0;              // assistant messages in the conversation
  std::vector<std::string> tool_names;  // the tools the request offers
  int64_t text_bytes = 0;  // bytes of every text, tool call and tool result in the request
};

StatusOr<MockConversation> ParseChatCompletionsRequest(const boost::json::value& body);
StatusOr<MockConversation> ParseMessagesRequest(const boost::json::value& body);

struct MockToolCall {
  std::string id;  // without the protocol's prefix ("call_", "toolu_")
  std::string name;
  std::string arguments_json;  // may be invalid JSON (a fault)
};

// One assistant turn: a text, or a tool call (then `text` is empty).
struct MockReply {
  std::string text;
  std::optional<MockToolCall> tool_call;
};

// The output tokens of a reply: its text and call bytes / 4, rounded up, at least 1.
int64_t OutputTokens(const MockReply& reply);
// The input tokens of a request: its text bytes / 4, rounded up, at least 1.
int64_t InputTokens(const MockConversation& conversation);

struct MockReplyMeta {
  std::string id;       // "chatcmpl-..." or "msg_..."
  int64_t created = 0;  // Unix seconds (OpenAI only)
};

// The reply body: a chat.completion object, or a Messages message object. On Anthropic, tool
// arguments that are not a JSON object are sent as a JSON string in `input`.
std::string RenderReply(MockProtocol protocol, const MockReply& reply,
                        const MockConversation& conversation, const MockReplyMeta& meta);

// The same reply as server-sent events, as each API streams it when the request says
// "stream": true: chat.completion.chunk objects ending with "data: [DONE]" (with a last chunk
// carrying the usage when `include_usage`), or Anthropic's message_start, content_block_*,
// message_delta (with the output tokens) and message_stop events. Text comes in small deltas.
std::string RenderStream(MockProtocol protocol, const MockReply& reply,
                         const MockConversation& conversation, const MockReplyMeta& meta,
                         bool include_usage);

// An error body: {"error": {"message", "type", "param", "code"}} on OpenAI,
// {"type": "error", "error": {"type", "message"}} on Anthropic. `type` is the Anthropic error
// type ("invalid_request_error", "rate_limit_error", "api_error", "overloaded_error",
// "not_found_error"); the OpenAI one is derived from it.
std::string RenderError(MockProtocol protocol, std::string_view type, std::string_view message,
                        std::string_view param = {});

}  // namespace bulwark::evals::internal
