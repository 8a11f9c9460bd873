#include "evals/internal/mock_wire.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace bulwark::evals::internal {
namespace {

namespace json = boost::json;

Status Invalid(const std::string& param, std::string message) {
  return Status(StatusCode::kInvalidArgument, param.empty() ? message : param + ": " + message,
                {{"param", param}});
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string Join(const std::string& path, size_t index) {
  return path + "." + std::to_string(index);
}

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

Status WrongType(const std::string& param, std::string_view expected, const json::value& v) {
  return Invalid(param, "expected " + std::string(expected) + ", got " + std::string(KindName(v)));
}

// Reads the members of one request object by name and type, so that each check names its field.
class Fields {
 public:
  Fields(const json::object& object, std::string path) : object_(object), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string Param(std::string_view key) const { return Join(path_, key); }

  // A member that is absent or null gives nullptr.
  const json::value* Find(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  StatusOr<std::string> RequiredString(std::string_view key, bool non_empty = true) const {
    const json::value* v = Find(key);
    if (v == nullptr) return Invalid(Param(key), "this field is required");
    if (!v->is_string()) return WrongType(Param(key), "a string", *v);
    if (non_empty && v->get_string().empty()) return Invalid(Param(key), "must not be empty");
    return std::string(v->get_string());
  }

  StatusOr<std::optional<std::string>> OptionalString(std::string_view key) const {
    const json::value* v = Find(key);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->is_string()) return WrongType(Param(key), "a string", *v);
    return std::optional<std::string>(std::string(v->get_string()));
  }

  // An optional integer in [min, max]; `required` makes it mandatory.
  Status Integer(std::string_view key, int64_t min, int64_t max, bool required = false) const {
    const json::value* v = Find(key);
    if (v == nullptr) {
      return required ? Invalid(Param(key), "this field is required") : OkStatus();
    }
    std::optional<int64_t> n;
    if (v->is_int64()) n = v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      n = static_cast<int64_t>(v->get_uint64());
    }
    if (!n) return WrongType(Param(key), "an integer", *v);
    if (*n < min || *n > max) {
      return Invalid(Param(key), "must be from " + std::to_string(min) + " to " +
                                     std::to_string(max) + ", got " + std::to_string(*n));
    }
    return OkStatus();
  }

  // An optional number in [min, max].
  Status Number(std::string_view key, double min, double max) const {
    const json::value* v = Find(key);
    if (v == nullptr) return OkStatus();
    if (!v->is_number()) return WrongType(Param(key), "a number", *v);
    double d = v->to_number<double>();
    if (!(d >= min && d <= max)) {
      char range[64];
      std::snprintf(range, sizeof(range), "must be from %g to %g", min, max);
      return Invalid(Param(key), range);
    }
    return OkStatus();
  }

  // A member that must be an object, as that object's fields.
  StatusOr<Fields> RequiredObject(std::string_view key) const {
    const json::value* v = Find(key);
    if (v == nullptr) return Invalid(Param(key), "this field is required");
    if (!v->is_object()) return WrongType(Param(key), "an object", *v);
    return Fields(v->get_object(), Param(key));
  }

  // "stream" is a boolean; "stream_options" (OpenAI) an object whose include_usage is one.
  Status StreamFlags() const {
    if (const json::value* v = Find("stream"); v != nullptr && !v->is_bool()) {
      return WrongType(Param("stream"), "a boolean", *v);
    }
    const json::value* options = Find("stream_options");
    if (options == nullptr || options->is_null()) return OkStatus();
    if (!options->is_object()) return WrongType(Param("stream_options"), "an object", *options);
    const json::value* usage = options->as_object().if_contains("include_usage");
    if (usage != nullptr && !usage->is_bool()) {
      return WrongType(Param("stream_options") + ".include_usage", "a boolean", *usage);
    }
    return OkStatus();
  }

 private:
  const json::object& object_;
  std::string path_;
};

StatusOr<const json::object*> AsObject(const json::value& v, const std::string& param) {
  if (!v.is_object()) return WrongType(param, "an object", v);
  return &v.get_object();
}

// The fields of item `index` of the array named `param`, which must be an object.
StatusOr<Fields> ObjectAt(const json::array& items, const std::string& param, size_t index) {
  std::string item_param = Join(param, index);
  BW_ASSIGN_OR_RETURN(const json::object* item, AsObject(items[index], item_param));
  return Fields(*item, std::move(item_param));
}

StatusOr<const json::array*> RequiredArray(const Fields& f, std::string_view key, bool non_empty) {
  const json::value* v = f.Find(key);
  if (v == nullptr) return Invalid(f.Param(key), "this field is required");
  if (!v->is_array()) return WrongType(f.Param(key), "an array", *v);
  if (non_empty && v->get_array().empty()) {
    return Invalid(f.Param(key), "must hold at least one item");
  }
  return &v->get_array();
}

// Tool names as both APIs accept them: 1 to 64 of [A-Za-z0-9_-].
Status CheckToolName(const std::string& name, const std::string& param) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  }
  if (!ok) {
    return Invalid(param,
                   "a tool name is 1 to 64 letters, digits, '_' or '-', got \"" + name + "\"");
  }
  return OkStatus();
}

// ---- Chat Completions ----

// A message's content: a string, or an array of parts of which the text ones count (a user's
// may hold images, audio and files, an assistant's refusals). Returns the text. An assistant
// message with tool calls may have null content.
StatusOr<std::string> OpenAiContent(const Fields& message, std::string_view role) {
  const json::value* v = message.Find("content");
  std::string param = message.Param("content");
  if (v == nullptr) {
    if (role == "assistant") return std::string();
    return Invalid(param, "this field is required");
  }
  if (v->is_string()) return std::string(v->get_string());
  if (!v->is_array()) return WrongType(param, "a string or an array of content parts", *v);
  std::string text;
  const json::array& parts = v->get_array();
  for (size_t i = 0; i < parts.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields p, ObjectAt(parts, param, i));
    BW_ASSIGN_OR_RETURN(std::string type, p.RequiredString("type"));
    if (type == "text") {
      BW_ASSIGN_OR_RETURN(std::string part_text, p.RequiredString("text", false));
      text += part_text;
    } else if (type == "refusal" && role == "assistant") {
      BW_ASSIGN_OR_RETURN(std::string refusal, p.RequiredString("refusal", false));
      text += refusal;
    } else if (!(role == "user" &&
                 (type == "image_url" || type == "input_audio" || type == "file"))) {
      return Invalid(p.Param("type"), "a content part of a " + std::string(role) +
                                          " message cannot be of type \"" + type + "\"");
    }
  }
  return text;
}

StatusOr<std::vector<std::string>> OpenAiTools(const Fields& body) {
  std::vector<std::string> names;
  const json::value* v = body.Find("tools");
  if (v == nullptr) return names;
  if (!v->is_array()) return WrongType("tools", "an array", *v);
  const json::array& tools = v->get_array();
  for (size_t i = 0; i < tools.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields t, ObjectAt(tools, "tools", i));
    BW_ASSIGN_OR_RETURN(std::string type, t.RequiredString("type"));
    if (type != "function") {
      return Invalid(t.Param("type"), "must be \"function\", got \"" + type + "\"");
    }
    BW_ASSIGN_OR_RETURN(Fields f, t.RequiredObject("function"));
    BW_ASSIGN_OR_RETURN(std::string name, f.RequiredString("name"));
    BW_RETURN_IF_ERROR(CheckToolName(name, f.Param("name")));
    BW_RETURN_IF_ERROR(f.OptionalString("description").status());
    if (const json::value* schema = f.Find("parameters"); schema != nullptr) {
      BW_RETURN_IF_ERROR(AsObject(*schema, f.Param("parameters")).status());
    }
    names.push_back(std::move(name));
  }
  return names;
}

// An assistant message's tool_calls; adds each id to `pending` and their bytes to `bytes`.
Status OpenAiToolCalls(const Fields& message, std::set<std::string>& pending, int64_t& bytes) {
  const json::value* v = message.Find("tool_calls");
  if (v == nullptr) return OkStatus();
  std::string param = message.Param("tool_calls");
  if (!v->is_array()) return WrongType(param, "an array", *v);
  const json::array& calls = v->get_array();
  for (size_t i = 0; i < calls.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields c, ObjectAt(calls, param, i));
    BW_ASSIGN_OR_RETURN(std::string id, c.RequiredString("id"));
    BW_ASSIGN_OR_RETURN(std::string type, c.RequiredString("type"));
    if (type != "function") {
      return Invalid(c.Param("type"), "must be \"function\", got \"" + type + "\"");
    }
    BW_ASSIGN_OR_RETURN(Fields f, c.RequiredObject("function"));
    BW_ASSIGN_OR_RETURN(std::string name, f.RequiredString("name"));
    // The arguments are what the model wrote, valid JSON or not; a client echoes them as they
    // were, so only their type is checked.
    BW_ASSIGN_OR_RETURN(std::string arguments, f.RequiredString("arguments", false));
    if (!pending.insert(id).second) {
      return Invalid(c.Param("id"), "the tool call id \"" + id + "\" is used twice");
    }
    bytes += static_cast<int64_t>(name.size() + arguments.size());
  }
  return OkStatus();
}

Status PendingToolCalls(const std::set<std::string>& pending, const std::string& param) {
  if (pending.empty()) return OkStatus();
  std::string ids;
  for (const std::string& id : pending) ids += (ids.empty() ? "" : ", ") + id;
  return Invalid(param,
                 "an assistant message with 'tool_calls' must be followed by tool messages "
                 "responding to each 'tool_call_id'; no response to: " +
                     ids);
}

// ---- Messages ----

StatusOr<std::string> AnthropicSystem(const Fields& body) {
  const json::value* v = body.Find("system");
  if (v == nullptr) return std::string();
  if (v->is_string()) return std::string(v->get_string());
  if (!v->is_array()) return WrongType("system", "a string or an array of text blocks", *v);
  std::string text;
  const json::array& blocks = v->get_array();
  for (size_t i = 0; i < blocks.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields b, ObjectAt(blocks, "system", i));
    BW_ASSIGN_OR_RETURN(std::string type, b.RequiredString("type"));
    if (type != "text") return Invalid(b.Param("type"), "must be \"text\", got \"" + type + "\"");
    BW_ASSIGN_OR_RETURN(std::string block_text, b.RequiredString("text"));
    text += (text.empty() ? "" : "\n") + block_text;
  }
  return text;
}

StatusOr<std::vector<std::string>> AnthropicTools(const Fields& body) {
  std::vector<std::string> names;
  const json::value* v = body.Find("tools");
  if (v == nullptr) return names;
  if (!v->is_array()) return WrongType("tools", "an array", *v);
  const json::array& tools = v->get_array();
  for (size_t i = 0; i < tools.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields t, ObjectAt(tools, "tools", i));
    BW_ASSIGN_OR_RETURN(std::optional<std::string> type, t.OptionalString("type"));
    if (type && *type != "custom") {
      return Invalid(
          t.Param("type"),
          "the mock model offers no server tools; only custom tools, got \"" + *type + "\"");
    }
    BW_ASSIGN_OR_RETURN(std::string name, t.RequiredString("name"));
    BW_RETURN_IF_ERROR(CheckToolName(name, t.Param("name")));
    BW_RETURN_IF_ERROR(t.OptionalString("description").status());
    BW_RETURN_IF_ERROR(t.RequiredObject("input_schema").status());
    names.push_back(std::move(name));
  }
  return names;
}

// The text of a tool_result's content: a string, or an array of text (and image) blocks.
StatusOr<std::string> ToolResultContent(const Fields& block) {
  const json::value* v = block.Find("content");
  if (v == nullptr) return std::string();
  if (v->is_string()) return std::string(v->get_string());
  std::string param = block.Param("content");
  if (!v->is_array()) return WrongType(param, "a string or an array of blocks", *v);
  std::string text;
  const json::array& parts = v->get_array();
  for (size_t i = 0; i < parts.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields p, ObjectAt(parts, param, i));
    BW_ASSIGN_OR_RETURN(std::string type, p.RequiredString("type"));
    if (type == "text") {
      BW_ASSIGN_OR_RETURN(std::string part_text, p.RequiredString("text"));
      text += part_text;
    } else if (type != "image") {
      return Invalid(p.Param("type"),
                     "a tool result holds text or image blocks, got \"" + type + "\"");
    }
  }
  return text;
}

struct AnthropicMessage {
  std::string text;
  std::vector<std::string> tool_use_ids;
  std::vector<std::string> tool_result_ids;
  int64_t bytes = 0;
};

StatusOr<AnthropicMessage> AnthropicContent(const Fields& message, bool assistant) {
  AnthropicMessage out;
  const json::value* v = message.Find("content");
  std::string param = message.Param("content");
  if (v == nullptr) return Invalid(param, "this field is required");
  if (v->is_string()) {
    if (v->get_string().empty()) return Invalid(param, "text content must be non-empty");
    out.text = std::string(v->get_string());
    out.bytes = static_cast<int64_t>(out.text.size());
    return out;
  }
  if (!v->is_array()) return WrongType(param, "a string or an array of content blocks", *v);
  const json::array& blocks = v->get_array();
  if (blocks.empty()) return Invalid(param, "must hold at least one content block");
  for (size_t i = 0; i < blocks.size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields b, ObjectAt(blocks, param, i));
    BW_ASSIGN_OR_RETURN(std::string type, b.RequiredString("type"));
    if (type == "text") {
      BW_ASSIGN_OR_RETURN(std::string text, b.RequiredString("text"));
      out.text += text;
      out.bytes += static_cast<int64_t>(text.size());
    } else if (type == "tool_use") {
      if (!assistant) {
        return Invalid(b.Param("type"), "tool_use blocks belong in assistant messages");
      }
      BW_ASSIGN_OR_RETURN(std::string id, b.RequiredString("id"));
      BW_ASSIGN_OR_RETURN(std::string name, b.RequiredString("name"));
      const json::value* input = b.Find("input");
      if (input == nullptr) return Invalid(b.Param("input"), "this field is required");
      BW_RETURN_IF_ERROR(AsObject(*input, b.Param("input")).status());
      out.tool_use_ids.push_back(id);
      out.bytes += static_cast<int64_t>(name.size() + json::serialize(*input).size());
    } else if (type == "tool_result") {
      if (assistant) {
        return Invalid(b.Param("type"), "tool_result blocks belong in user messages");
      }
      BW_ASSIGN_OR_RETURN(std::string id, b.RequiredString("tool_use_id"));
      if (const json::value* is_error = b.Find("is_error");
          is_error != nullptr && !is_error->is_bool()) {
        return WrongType(b.Param("is_error"), "a boolean", *is_error);
      }
      BW_ASSIGN_OR_RETURN(std::string result, ToolResultContent(b));
      out.tool_result_ids.push_back(id);
      out.bytes += static_cast<int64_t>(result.size());
    } else if (type != "image" && type != "document") {
      return Invalid(b.Param("type"), "unknown content block type \"" + type + "\"");
    }
  }
  return out;
}

// ---- Replies ----

std::string_view ToolCallPrefix(MockProtocol protocol) {
  return protocol == MockProtocol::kOpenAi ? "call_" : "toolu_";
}

int64_t QuarterRoundedUp(int64_t bytes) { return std::max<int64_t>(1, (bytes + 3) / 4); }

}  // namespace

StatusOr<MockConversation> ParseChatCompletionsRequest(const json::value& body) {
  if (!body.is_object()) return WrongType("", "the request body to be a JSON object", body);
  Fields f(body.get_object(), "");
  MockConversation c;
  BW_ASSIGN_OR_RETURN(c.model, f.RequiredString("model"));
  BW_RETURN_IF_ERROR(f.StreamFlags());
  BW_RETURN_IF_ERROR(f.Number("temperature", 0, 2));
  BW_RETURN_IF_ERROR(f.Integer("max_tokens", 1, INT32_MAX));
  BW_RETURN_IF_ERROR(f.Integer("max_completion_tokens", 1, INT32_MAX));
  BW_RETURN_IF_ERROR(f.Integer("n", 1, 1));
  BW_ASSIGN_OR_RETURN(c.tool_names, OpenAiTools(f));
  BW_ASSIGN_OR_RETURN(const json::array* messages, RequiredArray(f, "messages", true));

  bool seen_user = false;
  // The calls of the latest assistant message that no tool message has answered yet.
  std::set<std::string> pending;
  // Whether tool messages may come now: right after an assistant message with tool calls, or
  // after another tool message.
  bool after_tool_calls = false;
  for (size_t i = 0; i < messages->size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields m, ObjectAt(*messages, "messages", i));
    const std::string& param = m.path();
    BW_ASSIGN_OR_RETURN(std::string role, m.RequiredString("role"));
    if (role != "tool") {
      BW_RETURN_IF_ERROR(PendingToolCalls(pending, param));
      after_tool_calls = false;
    }
    if (role == "system" || role == "developer") {
      BW_ASSIGN_OR_RETURN(std::string text, OpenAiContent(m, role));
      c.system_text += (c.system_text.empty() ? "" : "\n") + text;
      c.text_bytes += static_cast<int64_t>(text.size());
    } else if (role == "user") {
      BW_ASSIGN_OR_RETURN(std::string text, OpenAiContent(m, role));
      if (!seen_user) c.first_user_text = text;
      seen_user = true;
      c.text_bytes += static_cast<int64_t>(text.size());
    } else if (role == "assistant") {
      BW_ASSIGN_OR_RETURN(std::string text, OpenAiContent(m, role));
      BW_RETURN_IF_ERROR(OpenAiToolCalls(m, pending, c.text_bytes));
      if (text.empty() && pending.empty() && m.Find("content") == nullptr) {
        return Invalid(param, "an assistant message needs 'content' or 'tool_calls'");
      }
      after_tool_calls = !pending.empty();
      ++c.assistant_turns;
      c.text_bytes += static_cast<int64_t>(text.size());
    } else if (role == "tool") {
      BW_ASSIGN_OR_RETURN(std::string id, m.RequiredString("tool_call_id"));
      BW_ASSIGN_OR_RETURN(std::string text, OpenAiContent(m, role));
      if (!after_tool_calls) {
        return Invalid(param,
                       "messages with role 'tool' must be a response to a preceding message "
                       "with 'tool_calls'");
      }
      if (pending.erase(id) == 0) {
        return Invalid(m.Param("tool_call_id"),
                       "\"" + id + "\" answers no tool call of the preceding assistant message");
      }
      c.text_bytes += static_cast<int64_t>(text.size());
    } else {
      return Invalid(m.Param("role"),
                     "must be one of system, developer, user, assistant, tool; "
                     "got \"" +
                         role + "\"");
    }
  }
  BW_RETURN_IF_ERROR(PendingToolCalls(pending, "messages"));
  return c;
}

StatusOr<MockConversation> ParseMessagesRequest(const json::value& body) {
  if (!body.is_object()) return WrongType("", "the request body to be a JSON object", body);
  Fields f(body.get_object(), "");
  MockConversation c;
  BW_ASSIGN_OR_RETURN(c.model, f.RequiredString("model"));
  BW_RETURN_IF_ERROR(f.Integer("max_tokens", 1, INT32_MAX, /*required=*/true));
  BW_RETURN_IF_ERROR(f.StreamFlags());
  BW_RETURN_IF_ERROR(f.Number("temperature", 0, 1));
  BW_ASSIGN_OR_RETURN(c.system_text, AnthropicSystem(f));
  c.text_bytes += static_cast<int64_t>(c.system_text.size());
  BW_ASSIGN_OR_RETURN(c.tool_names, AnthropicTools(f));
  BW_ASSIGN_OR_RETURN(const json::array* messages, RequiredArray(f, "messages", true));

  bool seen_user = false;
  std::vector<std::string> unanswered;  // tool_use ids of the previous assistant message
  for (size_t i = 0; i < messages->size(); ++i) {
    BW_ASSIGN_OR_RETURN(Fields m, ObjectAt(*messages, "messages", i));
    const std::string& param = m.path();
    BW_ASSIGN_OR_RETURN(std::string role, m.RequiredString("role"));
    if (role == "system") {
      return Invalid(m.Param("role"),
                     "unexpected role \"system\": the Messages API takes the system prompt in "
                     "the top-level \"system\" field");
    }
    if (role != "user" && role != "assistant") {
      return Invalid(m.Param("role"), "must be \"user\" or \"assistant\", got \"" + role + "\"");
    }
    BW_ASSIGN_OR_RETURN(AnthropicMessage message, AnthropicContent(m, role == "assistant"));
    std::set<std::string> answered;
    for (const std::string& id : message.tool_result_ids) {
      if (std::find(unanswered.begin(), unanswered.end(), id) == unanswered.end()) {
        return Invalid(m.Param("content"),
                       "unexpected tool_use_id \"" + id +
                           "\" in a tool_result block: each tool_result must answer a tool_use "
                           "block of the previous message");
      }
      answered.insert(id);
    }
    std::string missing;
    for (const std::string& id : unanswered) {
      if (!answered.contains(id)) missing += (missing.empty() ? "" : ", ") + id;
    }
    if (!missing.empty()) {
      return Invalid(
          param,
          "tool_use ids were found without tool_result blocks immediately after: " + missing +
              "; each tool_use block must have a tool_result in the next "
              "message");
    }
    unanswered = message.tool_use_ids;
    if (role == "assistant") {
      ++c.assistant_turns;
    } else if (!seen_user) {
      c.first_user_text = message.text;
      seen_user = true;
    }
    c.text_bytes += message.bytes;
  }
  // An assistant message may end the conversation (a prefill), but not one awaiting results.
  if (!unanswered.empty()) {
    return Invalid("messages",
                   "the last message calls tools (" + unanswered.front() +
                       ", ...) whose results never follow; send their tool_result blocks");
  }
  return c;
}

int64_t OutputTokens(const MockReply& reply) {
  int64_t bytes = static_cast<int64_t>(reply.text.size());
  if (reply.tool_call) {
    bytes +=
        static_cast<int64_t>(reply.tool_call->name.size() + reply.tool_call->arguments_json.size());
  }
  return QuarterRoundedUp(bytes);
}

int64_t InputTokens(const MockConversation& conversation) {
  return QuarterRoundedUp(conversation.text_bytes);
}

std::string RenderReply(MockProtocol protocol, const MockReply& reply,
                        const MockConversation& conversation, const MockReplyMeta& meta) {
  int64_t input_tokens = InputTokens(conversation);
  int64_t output_tokens = OutputTokens(reply);
  if (protocol == MockProtocol::kOpenAi) {
    json::object message{{"role", "assistant"}, {"content", nullptr}, {"refusal", nullptr}};
    if (!reply.text.empty() || !reply.tool_call) message["content"] = reply.text;
    if (reply.tool_call) {
      message["tool_calls"] = json::array{json::object{
          {"id", std::string(ToolCallPrefix(protocol)) + reply.tool_call->id},
          {"type", "function"},
          {"function",
           {{"name", reply.tool_call->name}, {"arguments", reply.tool_call->arguments_json}}}}};
    }
    json::object body{{"id", meta.id},
                      {"object", "chat.completion"},
                      {"created", meta.created},
                      {"model", conversation.model},
                      {"choices", json::array{json::object{
                                      {"index", 0},
                                      {"message", std::move(message)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", reply.tool_call ? "tool_calls" : "stop"}}}},
                      {"usage",
                       {{"prompt_tokens", input_tokens},
                        {"completion_tokens", output_tokens},
                        {"total_tokens", input_tokens + output_tokens}}}};
    return json::serialize(body);
  }
  json::array content;
  if (!reply.text.empty()) content.push_back(json::object{{"type", "text"}, {"text", reply.text}});
  if (reply.tool_call) {
    json::value input(json::string(reply.tool_call->arguments_json));
    boost::system::error_code ec;
    json::value parsed = json::parse(reply.tool_call->arguments_json, ec);
    if (!ec && parsed.is_object()) input = std::move(parsed);
    content.push_back(
        json::object{{"type", "tool_use"},
                     {"id", std::string(ToolCallPrefix(protocol)) + reply.tool_call->id},
                     {"name", reply.tool_call->name},
                     {"input", std::move(input)}});
  }
  json::object body{{"id", meta.id},
                    {"type", "message"},
                    {"role", "assistant"},
                    {"model", conversation.model},
                    {"content", std::move(content)},
                    {"stop_reason", reply.tool_call ? "tool_use" : "end_turn"},
                    {"stop_sequence", nullptr},
                    {"usage", {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}}}};
  return json::serialize(body);
}

namespace {

// `text` in pieces of about `size` bytes, never splitting a UTF-8 sequence.
std::vector<std::string> Pieces(const std::string& text, size_t size) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + size);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::string Event(const json::value& data, std::string_view name = {}) {
  std::string out;
  if (!name.empty()) out += "event: " + std::string(name) + "\n";
  return out + "data: " + json::serialize(data) + "\n\n";
}

}  // namespace

std::string RenderStream(MockProtocol protocol, const MockReply& reply,
                         const MockConversation& conversation, const MockReplyMeta& meta,
                         bool include_usage) {
  const int64_t input_tokens = InputTokens(conversation);
  const int64_t output_tokens = OutputTokens(reply);
  std::string out;
  if (protocol == MockProtocol::kOpenAi) {
    auto chunk = [&](json::value delta, json::value finish) {
      return json::object{{"id", meta.id},
                          {"object", "chat.completion.chunk"},
                          {"created", meta.created},
                          {"model", conversation.model},
                          {"choices", json::array{json::object{{"index", 0},
                                                               {"delta", std::move(delta)},
                                                               {"logprobs", nullptr},
                                                               {"finish_reason", finish}}}}};
    };
    out += Event(chunk(json::object{{"role", "assistant"}, {"content", ""}}, nullptr));
    for (const std::string& piece : Pieces(reply.text, 16)) {
      out += Event(chunk(json::object{{"content", piece}}, nullptr));
    }
    if (reply.tool_call) {
      const std::string id = std::string(ToolCallPrefix(protocol)) + reply.tool_call->id;
      out += Event(chunk(
          json::object{{"tool_calls",
                        json::array{json::object{
                            {"index", 0},
                            {"id", id},
                            {"type", "function"},
                            {"function", {{"name", reply.tool_call->name}, {"arguments", ""}}}}}}},
          nullptr));
      for (const std::string& piece : Pieces(reply.tool_call->arguments_json, 16)) {
        out += Event(chunk(
            json::object{{"tool_calls", json::array{json::object{
                                            {"index", 0}, {"function", {{"arguments", piece}}}}}}},
            nullptr));
      }
    }
    out += Event(chunk(json::object{}, reply.tool_call ? "tool_calls" : "stop"));
    if (include_usage) {
      out += Event(json::object{{"id", meta.id},
                                {"object", "chat.completion.chunk"},
                                {"created", meta.created},
                                {"model", conversation.model},
                                {"choices", json::array{}},
                                {"usage",
                                 {{"prompt_tokens", input_tokens},
                                  {"completion_tokens", output_tokens},
                                  {"total_tokens", input_tokens + output_tokens}}}});
    }
    return out + "data: [DONE]\n\n";
  }
  out += Event(json::object{{"type", "message_start"},
                            {"message",
                             {{"id", meta.id},
                              {"type", "message"},
                              {"role", "assistant"},
                              {"model", conversation.model},
                              {"content", json::array{}},
                              {"stop_reason", nullptr},
                              {"stop_sequence", nullptr},
                              {"usage", {{"input_tokens", input_tokens}, {"output_tokens", 1}}}}}},
               "message_start");
  int index = 0;
  if (!reply.text.empty() || !reply.tool_call) {
    out += Event(json::object{{"type", "content_block_start"},
                              {"index", index},
                              {"content_block", {{"type", "text"}, {"text", ""}}}},
                 "content_block_start");
    out += Event(json::object{{"type", "ping"}}, "ping");
    for (const std::string& piece : Pieces(reply.text, 16)) {
      out += Event(json::object{{"type", "content_block_delta"},
                                {"index", index},
                                {"delta", {{"type", "text_delta"}, {"text", piece}}}},
                   "content_block_delta");
    }
    out +=
        Event(json::object{{"type", "content_block_stop"}, {"index", index}}, "content_block_stop");
    ++index;
  }
  if (reply.tool_call) {
    out += Event(json::object{{"type", "content_block_start"},
                              {"index", index},
                              {"content_block",
                               {{"type", "tool_use"},
                                {"id", std::string(ToolCallPrefix(protocol)) + reply.tool_call->id},
                                {"name", reply.tool_call->name},
                                {"input", json::object{}}}}},
                 "content_block_start");
    for (const std::string& piece : Pieces(reply.tool_call->arguments_json, 16)) {
      out += Event(json::object{{"type", "content_block_delta"},
                                {"index", index},
                                {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}},
                   "content_block_delta");
    }
    out +=
        Event(json::object{{"type", "content_block_stop"}, {"index", index}}, "content_block_stop");
  }
  out += Event(json::object{{"type", "message_delta"},
                            {"delta",
                             {{"stop_reason", reply.tool_call ? "tool_use" : "end_turn"},
                              {"stop_sequence", nullptr}}},
                            {"usage", {{"output_tokens", output_tokens}}}},
               "message_delta");
  return out + Event(json::object{{"type", "message_stop"}}, "message_stop");
}

std::string RenderError(MockProtocol protocol, std::string_view type, std::string_view message,
                        std::string_view param) {
  if (protocol == MockProtocol::kAnthropic) {
    return json::serialize(
        json::object{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
  }
  std::string_view openai_type = "invalid_request_error";
  json::value code = nullptr;
  if (type == "rate_limit_error") {
    openai_type = "requests";
    code = "rate_limit_exceeded";
  } else if (type == "api_error" || type == "overloaded_error") {
    openai_type = "server_error";
  } else if (type == "not_found_error") {
    code = "unknown_url";
  }
  json::value param_value = nullptr;
  if (!param.empty()) param_value = param;
  return json::serialize(json::object{{"error",
                                       {{"message", message},
                                        {"type", openai_type},
                                        {"param", std::move(param_value)},
                                        {"code", std::move(code)}}}});
}

}  // namespace bulwark::evals::internal
