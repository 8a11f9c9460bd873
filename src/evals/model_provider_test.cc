#include "evals/model_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "base/clock.h"
#include "base/json.h"
#include "base/random.h"
#include "evals/internal/retry_policy.h"
#include "net/http_client.h"
#include "testing/shell.h"
#include "testing/temp_dir.h"

namespace bulwark::evals {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kApiKey = "sk-test-0123456789abcdef";

// What the scripted server does with one request.
struct ScriptedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering; cut short when the server stops
  bool close_before_reply = false;     // read the request, then close without a word
  bool close_mid_body = false;         // announce the whole body, send half of it, close
  bool close_after_reply = false;      // answer, then close without saying so beforehand
};

struct ReceivedRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  json::value Json() const {
    StatusOr<json::value> parsed = ParseJson(body);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << body;
    return parsed.ok() ? *parsed : json::value();
  }
};

// A fault-injecting HTTP/1.1 server on 127.0.0.1 at a free port, plain or TLS. Each request
// gets the next scripted reply, or the default reply once the script has run out. One thread
// per connection; stopping (the destructor) cuts delays short and closes every connection.
class ScriptedServer {
 public:
  struct Tls {
    std::string cert_file;
    std::string key_file;
  };

  explicit ScriptedServer(ScriptedReply default_reply, std::optional<Tls> tls = std::nullopt)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        default_reply_(std::move(default_reply)) {
    if (tls) {
      tls_context_.emplace(asio::ssl::context::tls_server);
      tls_context_->use_certificate_chain_file(tls->cert_file);
      tls_context_->use_private_key_file(tls->key_file, asio::ssl::context::pem);
    }
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~ScriptedServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    stop_cv_.notify_all();
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    accept_thread_.join();
    for (std::thread& thread : connection_threads_) thread.join();
  }

  void Script(std::vector<ScriptedReply> replies) {
    std::lock_guard<std::mutex> lock(mu_);
    for (ScriptedReply& reply : replies) script_.push_back(std::move(reply));
  }

  std::string url(std::string_view path = "") const {
    return std::string(tls_context_ ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + std::string(path);
  }

  int connections_accepted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

  std::vector<ReceivedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    while (true) {
      beast::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      if (ec) continue;
      ++connections_;
      open_fds_.push_back(socket.native_handle());
      connection_threads_.emplace_back(
          [this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }

  void Serve(tcp::socket socket) {
    if (tls_context_) {
      asio::ssl::stream<tcp::socket&> stream(socket, *tls_context_);
      beast::error_code ec;
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (!ec) Converse(stream);
    } else {
      Converse(socket);
    }
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), socket.native_handle()));
  }

  template <typename Stream>
  void Converse(Stream& stream) {
    beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> request;
      beast::error_code ec;
      http::read(stream, buffer, request, ec);
      if (ec) return;
      ScriptedReply reply;
      {
        std::lock_guard<std::mutex> lock(mu_);
        ReceivedRequest received{std::string(request.target()), {}, request.body()};
        for (const auto& field : request) {
          std::string name(field.name_string());
          std::transform(name.begin(), name.end(), name.begin(), ::tolower);
          received.headers[name] = std::string(field.value());
        }
        requests_.push_back(std::move(received));
        if (script_.empty()) {
          reply = default_reply_;
        } else {
          reply = std::move(script_.front());
          script_.pop_front();
        }
      }
      if (reply.delay.count() > 0) {
        std::unique_lock<std::mutex> lock(mu_);
        if (stop_cv_.wait_for(lock, reply.delay, [this] { return stopping_; })) return;
      }
      if (reply.close_before_reply) return;
      std::string wire =
          "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n" +
          "Content-Type: application/json\r\nContent-Length: " + std::to_string(reply.body.size()) +
          "\r\n";
      for (const auto& [name, value] : reply.headers) wire += name + ": " + value + "\r\n";
      wire += "\r\n";
      wire += reply.close_mid_body ? reply.body.substr(0, reply.body.size() / 2) : reply.body;
      asio::write(stream, asio::buffer(wire), ec);
      if (ec || reply.close_mid_body || reply.close_after_reply) return;
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::optional<asio::ssl::context> tls_context_;
  std::thread accept_thread_;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;                        // GUARDED_BY(mu_)
  std::deque<ScriptedReply> script_;             // GUARDED_BY(mu_)
  ScriptedReply default_reply_;                  // GUARDED_BY(mu_)
  std::vector<ReceivedRequest> requests_;        // GUARDED_BY(mu_)
  std::vector<int> open_fds_;                    // GUARDED_BY(mu_)
  std::vector<std::thread> connection_threads_;  // GUARDED_BY(mu_)
  int connections_ = 0;                          // GUARDED_BY(mu_)
};

ScriptedReply Reply(int status, std::string body) {
  return ScriptedReply{.status = status, .body = std::move(body)};
}

const char kOpenAiText[] = R"({"id":"chatcmpl-1","object":"chat.completion",
  "choices":[{"index":0,"message":{"role":"assistant","content":"The flag is FLAG{x}"},
              "finish_reason":"stop"}],
  "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}})";

const char kAnthropicText[] = R"({"id":"msg_1","type":"message","role":"assistant",
  "content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn",
  "usage":{"input_tokens":3,"output_tokens":1}})";

ProviderConfig Config(const ScriptedServer& server, Protocol protocol = Protocol::kOpenAi,
                      std::string_view path = "/v1") {
  return ProviderConfig{.protocol = protocol,
                        .base_url = server.url(path),
                        .model = "test-model",
                        .api_key = std::string(kApiKey),
                        .request_timeout_s = 10,
                        .max_retries = 3,
                        .initial_backoff_s = 0.001,
                        .max_backoff_s = 0.01,
                        .max_concurrency = 4};
}

// A provider whose waits between attempts are recorded in `waits` (when given) instead of
// slept.
std::unique_ptr<ModelProvider> TestProvider(const ProviderConfig& config,
                                            std::vector<double>* waits = nullptr) {
  auto provider = internal::NewModelProviderForTest(config, [waits](double seconds) {
    if (waits != nullptr) waits->push_back(seconds);
  });
  EXPECT_TRUE(provider.ok()) << provider.status().ToString();
  return provider.ok() ? std::move(provider).value() : nullptr;
}

ModelRequest Hello() {
  ModelRequest request;
  request.messages = {{.role = Role::kUser, .text = "Hello"}};
  return request;
}

// A conversation with everything a request can carry: a system prompt, tool calls (one with
// arguments that are not JSON), their results (one an error) and user text after them.
ModelRequest Conversation() {
  ModelRequest request;
  request.messages = {
      {.role = Role::kSystem, .text = "You solve CTF tasks."},
      {.role = Role::kUser, .text = "Find the flag."},
      {.role = Role::kAssistant,
       .text = "Let me look.",
       .tool_calls = {{"call_1", "bash", R"({"command":"ls"})"}, {"call_2", "python", "print(1"}}},
      {.role = Role::kTool, .text = "flag.txt", .tool_call_id = "call_1"},
      {.role = Role::kTool, .text = "SyntaxError", .tool_call_id = "call_2", .tool_error = true},
      {.role = Role::kUser, .text = "Keep going."},
      {.role = Role::kAssistant,
       .tool_calls = {{"call_3", "bash", R"({"command":"cat flag.txt"})"}}},
      {.role = Role::kTool, .text = "FLAG{x}", .tool_call_id = "call_3"},
  };
  request.tools = {{"bash", "Runs a shell command.",
                    R"({"type":"object","properties":{"command":{"type":"string"}}})"},
                   {"submit", "Submits the answer.", ""}};
  request.max_output_tokens = 512;
  request.temperature = 0.5;
  return request;
}

json::value ParseOrDie(std::string_view text) {
  StatusOr<json::value> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : json::value();
}

// --- Request bodies ---

TEST(OpenAiProviderTest, SendsMessagesToolsAndResultsAsChatCompletions) {
  ScriptedServer server(Reply(200, kOpenAiText));
  auto provider = TestProvider(Config(server));
  ModelOutcome outcome = provider->Complete(Conversation());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;

  std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  EXPECT_EQ(requests[0].headers["authorization"], "Bearer " + std::string(kApiKey));
  EXPECT_EQ(requests[0].headers["content-type"], "application/json");
  EXPECT_EQ(requests[0].Json(), ParseOrDie(R"({
    "model": "test-model", "max_tokens": 512, "temperature": 0.5,
    "messages": [
      {"role": "system", "content": "You solve CTF tasks."},
      {"role": "user", "content": "Find the flag."},
      {"role": "assistant", "content": "Let me look.", "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "bash", "arguments": "{\"command\":\"ls\"}"}},
        {"id": "call_2", "type": "function",
         "function": {"name": "python", "arguments": "print(1"}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "flag.txt"},
      {"role": "tool", "tool_call_id": "call_2", "content": "SyntaxError"},
      {"role": "user", "content": "Keep going."},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_3", "type": "function",
         "function": {"name": "bash", "arguments": "{\"command\":\"cat flag.txt\"}"}}]},
      {"role": "tool", "tool_call_id": "call_3", "content": "FLAG{x}"}],
    "tools": [
      {"type": "function", "function": {"name": "bash", "description": "Runs a shell command.",
        "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}}},
      {"type": "function", "function": {"name": "submit", "description": "Submits the answer.",
        "parameters": {"type": "object", "properties": {}}}}]
  })"));
}

TEST(OpenAiProviderTest, LeavesOutKeyToolsAndTemperatureWhenThereAreNone) {
  ScriptedServer server(Reply(200, kOpenAiText));
  ProviderConfig config = Config(server);
  config.api_key = "";
  ASSERT_TRUE(TestProvider(config)->Complete(Hello()).ok());
  ReceivedRequest request = server.requests().at(0);
  EXPECT_EQ(request.headers.count("authorization"), 0u);
  EXPECT_EQ(request.Json(), ParseOrDie(R"({"model": "test-model", "max_tokens": 4096,
    "messages": [{"role": "user", "content": "Hello"}]})"));
}

TEST(AnthropicProviderTest, PutsSystemOnTopAndMergesToolResultsIntoOneUserTurn) {
  ScriptedServer server(Reply(200, kAnthropicText));
  auto provider = TestProvider(Config(server, Protocol::kAnthropic, ""));
  ModelOutcome outcome = provider->Complete(Conversation());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;

  std::vector<ReceivedRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/v1/messages");
  EXPECT_EQ(requests[0].headers["x-api-key"], kApiKey);
  EXPECT_EQ(requests[0].headers["anthropic-version"], "2023-06-01");
  EXPECT_EQ(requests[0].headers["content-type"], "application/json");
  EXPECT_EQ(requests[0].headers.count("authorization"), 0u);
  // call_2's arguments are not JSON: its input goes back as {}.
  EXPECT_EQ(requests[0].Json(), ParseOrDie(R"({
    "model": "test-model", "max_tokens": 512, "temperature": 0.5,
    "system": "You solve CTF tasks.",
    "messages": [
      {"role": "user", "content": [{"type": "text", "text": "Find the flag."}]},
      {"role": "assistant", "content": [
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "call_1", "name": "bash", "input": {"command": "ls"}},
        {"type": "tool_use", "id": "call_2", "name": "python", "input": {}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_1", "content": "flag.txt",
         "is_error": false},
        {"type": "tool_result", "tool_use_id": "call_2", "content": "SyntaxError",
         "is_error": true},
        {"type": "text", "text": "Keep going."}]},
      {"role": "assistant", "content": [
        {"type": "tool_use", "id": "call_3", "name": "bash",
         "input": {"command": "cat flag.txt"}}]},
      {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "call_3", "content": "FLAG{x}",
         "is_error": false}]}],
    "tools": [
      {"name": "bash", "description": "Runs a shell command.",
       "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}}},
      {"name": "submit", "description": "Submits the answer.",
       "input_schema": {"type": "object", "properties": {}}}]
  })"));
}

TEST(AnthropicProviderTest, BaseEndingInV1GetsMessagesOnce) {
  ScriptedServer server(Reply(200, kAnthropicText));
  ASSERT_TRUE(TestProvider(Config(server, Protocol::kAnthropic, "/v1/"))->Complete(Hello()).ok());
  EXPECT_EQ(server.requests().at(0).target, "/v1/messages");
}

TEST(ProviderTest, ToolSchemaThatIsNotAnObjectIsABadRequestNeverSent) {
  ScriptedServer server(Reply(200, kOpenAiText));
  ModelRequest request = Hello();
  request.tools = {{"bash", "Runs a command.", "[1, 2"}};
  ModelOutcome outcome = TestProvider(Config(server))->Complete(request);
  EXPECT_EQ(outcome.failure.kind, FailureKind::kBadRequest);
  EXPECT_THAT(outcome.failure.message, HasSubstr("'bash'"));
  EXPECT_EQ(outcome.attempts, 0);
  EXPECT_TRUE(server.requests().empty());
}

// --- Replies ---

TEST(OpenAiProviderTest, ReadsTextStopReasonAndUsage) {
  ScriptedServer server(Reply(200, kOpenAiText));
  ModelOutcome outcome = TestProvider(Config(server))->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.failure.kind, FailureKind::kNone);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(outcome.reply->message.role, Role::kAssistant);
  EXPECT_EQ(outcome.reply->message.text, "The flag is FLAG{x}");
  EXPECT_TRUE(outcome.reply->message.tool_calls.empty());
  EXPECT_EQ(outcome.reply->stop_reason, "stop");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 12);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 5);
}

TEST(OpenAiProviderTest, ReadsToolCallsAndPassesInvalidArgumentsOnAsText) {
  ScriptedServer server(Reply(200, R"({"choices":[{"message":{"role":"assistant",
    "content":null,"tool_calls":[
      {"id":"call_a","type":"function",
       "function":{"name":"bash","arguments":"{\"command\": \"cat flag.txt\"}"}},
      {"id":"call_b","type":"function","function":{"name":"python","arguments":"print(1"}},
      {"type":"function","function":{"name":"submit","arguments":{"answer":"x"}}}]},
    "finish_reason":"tool_calls"}]})"));
  ModelOutcome outcome = TestProvider(Config(server))->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  const Message& message = outcome.reply->message;
  EXPECT_EQ(message.text, "");
  ASSERT_EQ(message.tool_calls.size(), 3u);
  EXPECT_EQ(message.tool_calls[0].id, "call_a");
  EXPECT_EQ(message.tool_calls[0].name, "bash");
  EXPECT_EQ(message.tool_calls[0].arguments_json, R"({"command": "cat flag.txt"})");
  EXPECT_EQ(message.tool_calls[1].arguments_json, "print(1");
  // A call without an id gets one, so that its result can name it.
  EXPECT_EQ(message.tool_calls[2].id, "call_2");
  EXPECT_EQ(message.tool_calls[2].arguments_json, R"({"answer":"x"})");
  EXPECT_EQ(outcome.reply->stop_reason, "tool_calls");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 0);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 0);
}

TEST(AnthropicProviderTest, ReadsTextToolUseStopReasonAndUsage) {
  ScriptedServer server(Reply(200, R"({"id":"msg_1","type":"message","role":"assistant",
    "content":[{"type":"thinking","thinking":"hmm","signature":"s"},
               {"type":"text","text":"Listing files."},
               {"type":"tool_use","id":"toolu_1","name":"bash","input":{"command":"ls -la"}}],
    "stop_reason":"tool_use",
    "usage":{"input_tokens":100,"output_tokens":20,"cache_read_input_tokens":50}})"));
  ModelOutcome outcome = TestProvider(Config(server, Protocol::kAnthropic))->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  const Message& message = outcome.reply->message;
  EXPECT_EQ(message.role, Role::kAssistant);
  EXPECT_EQ(message.text, "Listing files.");
  ASSERT_EQ(message.tool_calls.size(), 1u);
  EXPECT_EQ(message.tool_calls[0].id, "toolu_1");
  EXPECT_EQ(message.tool_calls[0].name, "bash");
  EXPECT_EQ(ParseOrDie(message.tool_calls[0].arguments_json),
            ParseOrDie(R"({"command":"ls -la"})"));
  EXPECT_EQ(outcome.reply->stop_reason, "tool_use");
  EXPECT_EQ(outcome.reply->usage.input_tokens, 150);
  EXPECT_EQ(outcome.reply->usage.output_tokens, 20);
}

// --- Malformed replies ---

struct MalformedCase {
  Protocol protocol;
  std::string body;
  std::string expected_in_message;
};

class MalformedReplyTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedReplyTest, IsMalformedNotRetriedAndQuoted) {
  ScriptedServer server(Reply(200, GetParam().body));
  ModelOutcome outcome = TestProvider(Config(server, GetParam().protocol))->Complete(Hello());
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kMalformed);
  EXPECT_EQ(outcome.failure.http_status, 200);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_THAT(outcome.failure.message, HasSubstr(GetParam().expected_in_message));
  EXPECT_LT(outcome.failure.message.size(), 600u);
}

INSTANTIATE_TEST_SUITE_P(
    Replies, MalformedReplyTest,
    ::testing::Values(
        MalformedCase{Protocol::kOpenAi, "<html>Bad gateway</html>", R"("<html>Bad gateway)"},
        MalformedCase{Protocol::kOpenAi, "", "the body is empty"},
        MalformedCase{Protocol::kOpenAi, R"({"choices":[{"message":{"content":"hel)",
                      R"(\"choices\")"},
        MalformedCase{Protocol::kOpenAi,
                      R"({"error":{"message":"The model is overloaded","type":"server_error"}})",
                      "server_error: The model is overloaded"},
        MalformedCase{Protocol::kOpenAi, R"({"choices":[]})", "has no choices"},
        MalformedCase{Protocol::kOpenAi, R"([1,2])", "is not a JSON object"},
        MalformedCase{Protocol::kOpenAi, R"({"choices":[{"finish_reason":"stop"}]})",
                      "has no message"},
        MalformedCase{Protocol::kOpenAi, R"({"choices":[{"message":{"content":42}}]})",
                      "content that is not a string"},
        MalformedCase{Protocol::kOpenAi,
                      R"({"choices":[{"message":{"tool_calls":[{"id":"c","function":{
                          "arguments":"{}"}}]}}]})",
                      "without a function name"},
        MalformedCase{Protocol::kOpenAi, std::string(10000, 'x'), "... (10000 bytes)"},
        MalformedCase{Protocol::kOpenAi, "{\"a\":\"\x01\x1b[2J\"", R"(\u0001\u001b[2J)"},
        MalformedCase{
            Protocol::kAnthropic,
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})",
            "overloaded_error: Overloaded"},
        MalformedCase{Protocol::kAnthropic, R"({"type":"message","stop_reason":"end_turn"})",
                      "has no content array"},
        MalformedCase{Protocol::kAnthropic,
                      R"({"content":[{"type":"tool_use","id":"t1","input":{}}]})",
                      "tool_use block without a name"},
        MalformedCase{Protocol::kAnthropic, R"({"content":[{"type":"text","text":7}]})",
                      "text block without text"},
        MalformedCase{Protocol::kAnthropic, R"({"content":[{"type":"text","te)", "is not JSON"}));

// --- Status codes and retries ---

TEST(ProviderTest, RetriesA429ThenSucceeds) {
  ScriptedServer server(Reply(200, kOpenAiText));
  server.Script({Reply(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})")});
  // The real provider, sleeping its (tiny) backoff.
  StatusOr<std::unique_ptr<ModelProvider>> provider = NewModelProvider(Config(server));
  ASSERT_TRUE(provider.ok()) << provider.status().ToString();
  ModelOutcome outcome = (*provider)->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(outcome.failure.kind, FailureKind::kNone);
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(ProviderTest, HonoursRetryAfterAndBacksOffExponentiallyWithoutIt) {
  ScriptedServer server(Reply(200, kOpenAiText));
  server.Script({ScriptedReply{.status = 429, .headers = {{"Retry-After", "0.25"}}},
                 ScriptedReply{.status = 503, .headers = {{"Retry-After", "100"}}},
                 Reply(502, "bad gateway"), Reply(500, "oops")});
  ProviderConfig config = Config(server);
  config.max_retries = 4;
  config.initial_backoff_s = 0.5;
  config.max_backoff_s = 10;
  std::vector<double> waits;
  ModelOutcome outcome = TestProvider(config, &waits)->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.attempts, 5);
  ASSERT_EQ(waits.size(), 4u);
  EXPECT_EQ(waits[0], 0.25);  // Retry-After
  EXPECT_EQ(waits[1], 10);    // Retry-After, capped at max_backoff_s
  EXPECT_GE(waits[2], 0);     // full jitter up to 0.5 * 2^2
  EXPECT_LE(waits[2], 2.0);
  EXPECT_GE(waits[3], 0);
  EXPECT_LE(waits[3], 4.0);
}

TEST(ProviderTest, ServerErrorsUntilRetriesRunOutAreServerError) {
  ScriptedServer server(Reply(503, R"({"error":{"message":"upstream down"}})"));
  ProviderConfig config = Config(server);
  config.max_retries = 3;
  std::vector<double> waits;
  ModelOutcome outcome = TestProvider(config, &waits)->Complete(Hello());
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kServerError);
  EXPECT_EQ(outcome.failure.http_status, 503);
  EXPECT_EQ(outcome.attempts, config.max_retries + 1);
  EXPECT_EQ(waits.size(), 3u);
  EXPECT_THAT(outcome.failure.message, HasSubstr("HTTP 503: upstream down"));
  EXPECT_THAT(outcome.failure.message, HasSubstr("after 4 attempts"));
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(ProviderTest, AnthropicOverloaded529IsRetried) {
  ScriptedServer server(Reply(200, kAnthropicText));
  server.Script({Reply(529, R"({"type":"error","error":{"type":"overloaded_error",
                                "message":"Overloaded"}})")});
  ModelOutcome outcome = TestProvider(Config(server, Protocol::kAnthropic))->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.attempts, 2);
}

TEST(ProviderTest, RateLimitedUntilRetriesRunOut) {
  ScriptedServer server(Reply(429, "slow down"));
  ProviderConfig config = Config(server);
  config.max_retries = 2;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kRateLimited);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_THAT(outcome.failure.message, HasSubstr(R"("slow down")"));
}

TEST(ProviderTest, RefusedKeyIsAuthNotRetriedAndTheKeyIsNeverEchoed) {
  for (int status : {401, 403}) {
    ScriptedServer server(Reply(status, R"({"error":{"message":"Incorrect API key provided: )" +
                                            std::string(kApiKey) +
                                            R"(","type":"invalid_request_error"}})"));
    ModelOutcome outcome = TestProvider(Config(server))->Complete(Hello());
    EXPECT_EQ(outcome.failure.kind, FailureKind::kAuth) << status;
    EXPECT_EQ(outcome.failure.http_status, status);
    EXPECT_EQ(outcome.attempts, 1);
    EXPECT_THAT(outcome.failure.message, HasSubstr("Incorrect API key provided: [redacted]"));
    EXPECT_THAT(outcome.failure.message, Not(HasSubstr(kApiKey)));
  }
}

TEST(ProviderTest, OtherClientErrorsAreBadRequestsNotRetried) {
  for (int status : {400, 404, 413, 422}) {
    ScriptedServer server(Reply(status, R"({"error":{"message":"context too long"}})"));
    ModelOutcome outcome = TestProvider(Config(server))->Complete(Hello());
    EXPECT_EQ(outcome.failure.kind, FailureKind::kBadRequest) << status;
    EXPECT_EQ(outcome.attempts, 1);
    EXPECT_THAT(outcome.failure.message, HasSubstr("context too long"));
  }
}

// --- Transport ---

TEST(ProviderTest, ConnectionClosedMidBodyIsTransport) {
  ScriptedServer server(ScriptedReply{.body = kOpenAiText, .close_mid_body = true});
  ProviderConfig config = Config(server);
  config.max_retries = 2;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTransport);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_THAT(outcome.failure.message, HasSubstr("closed before the reply was complete"));
}

TEST(ProviderTest, ConnectionClosedWithoutReplyIsRetriedAsTransport) {
  ScriptedServer server(Reply(200, kOpenAiText));
  server.Script({ScriptedReply{.close_before_reply = true}});
  ModelOutcome outcome = TestProvider(Config(server))->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.attempts, 2);
}

TEST(ProviderTest, RefusedConnectionIsTransport) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int port = acceptor.local_endpoint().port();
  acceptor.close();
  ProviderConfig config{.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1",
                        .model = "m",
                        .max_retries = 1,
                        .initial_backoff_s = 0};
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTransport);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_THAT(outcome.failure.message, HasSubstr("connecting"));
}

TEST(ProviderTest, NoReplyWithinTheRequestTimeoutIsTimeout) {
  ScriptedServer server(ScriptedReply{.body = kOpenAiText, .delay = std::chrono::minutes(10)});
  ProviderConfig config = Config(server);
  config.request_timeout_s = 0.2;
  config.max_retries = 1;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTimeout);
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_THAT(outcome.failure.message, HasSubstr("reading the reply"));
}

TEST(ProviderTest, RequestDroppedOnAReusedConnectionIsSentAgainOnAFreshOne) {
  ScriptedServer server(Reply(200, kOpenAiText));
  server.Script({Reply(200, kOpenAiText), ScriptedReply{.close_before_reply = true}});
  ProviderConfig config = Config(server);
  config.max_retries = 0;
  auto provider = TestProvider(config);
  ASSERT_TRUE(provider->Complete(Hello()).ok());
  // The pooled connection dies under the second request: with no retries allowed, it still
  // succeeds on a new connection, and both requests count.
  ModelOutcome outcome = provider->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST(ProviderTest, RequestDroppedOnAFreshConnectionIsATransportFailure) {
  ScriptedServer server(ScriptedReply{.close_before_reply = true});
  ProviderConfig config = Config(server);
  config.max_retries = 0;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTransport);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(ProviderTest, ServerClosingIdleConnectionsDoesNotFailRequests) {
  ScriptedServer server(ScriptedReply{.body = kOpenAiText, .close_after_reply = true});
  auto provider = TestProvider(Config(server));
  for (int i = 0; i < 5; ++i) {
    ModelOutcome outcome = provider->Complete(Hello());
    ASSERT_TRUE(outcome.ok()) << i << ": " << outcome.failure.message;
  }
  EXPECT_EQ(server.connections_accepted(), 5);
}

TEST(ProviderTest, ConcurrentCallsReuseConnections) {
  ScriptedServer server(Reply(200, kOpenAiText));
  ProviderConfig config = Config(server);
  config.max_concurrency = 8;
  auto provider = TestProvider(config);
  constexpr int kThreads = 32;
  constexpr int kCallsPerThread = 16;
  std::atomic<int> succeeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        if (provider->Complete(Hello()).ok()) ++succeeded;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(server.requests().size(), size_t{kThreads * kCallsPerThread});
  // Never more connections than requests in flight: each goes back to the pool.
  EXPECT_LE(server.connections_accepted(), config.max_concurrency);
  EXPECT_EQ(provider->concurrency_limit(), 8);
}

// --- Adaptive concurrency ---

TEST(AdaptiveLimiterTest, HalvesOncePerBurstOf429sAndRecoversAdditively) {
  FakeClock clock(FromUnixMicros(1'000'000));
  internal::AdaptiveLimiter limiter(16, clock);
  EXPECT_EQ(limiter.limit(), 16);
  limiter.OnRateLimited();
  EXPECT_EQ(limiter.limit(), 8);
  limiter.OnRateLimited();  // the same overload
  clock.Advance(std::chrono::milliseconds(99));
  limiter.OnRateLimited();
  EXPECT_EQ(limiter.limit(), 8);
  for (int expected : {4, 2, 1, 1}) {
    clock.Advance(internal::AdaptiveLimiter::kDecreaseInterval);
    limiter.OnRateLimited();
    EXPECT_EQ(limiter.limit(), expected);
  }
  // +1/limit per success: 1 -> 2 takes one success, 2 -> 3 three (2.5, 2.9, 3.24).
  limiter.OnSuccess();
  EXPECT_EQ(limiter.limit(), 2);
  limiter.OnSuccess();
  limiter.OnSuccess();
  EXPECT_EQ(limiter.limit(), 2);
  limiter.OnSuccess();
  EXPECT_EQ(limiter.limit(), 3);
  for (int i = 0; i < 1000; ++i) limiter.OnSuccess();
  EXPECT_EQ(limiter.limit(), 16);
}

TEST(AdaptiveLimiterTest, NeverLetsMoreThanTheLimitIn) {
  internal::AdaptiveLimiter limiter(3, SystemClock::Get());
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        limiter.Acquire();
        int now = ++in_flight;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --in_flight;
        limiter.Release();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

TEST(ProviderTest, A429HalvesTheLimitAndSuccessesRaiseItBack) {
  ScriptedServer server(Reply(200, kOpenAiText));
  server.Script({Reply(429, "")});
  ProviderConfig config = Config(server);
  config.max_concurrency = 8;
  auto provider = TestProvider(config);
  EXPECT_EQ(provider->concurrency_limit(), 8);
  ASSERT_TRUE(provider->Complete(Hello()).ok());
  EXPECT_EQ(provider->concurrency_limit(), 4);
  // Each success adds 1/limit: back from 4.25 to 7 takes 16 successes, to 8 another 7.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(provider->Complete(Hello()).ok());
  EXPECT_EQ(provider->concurrency_limit(), 7);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(provider->Complete(Hello()).ok());
  EXPECT_EQ(provider->concurrency_limit(), 8);
}

// --- Retry policy ---

TEST(RetryPolicyTest, ReadsRetryAfterSeconds) {
  EXPECT_EQ(internal::ParseRetryAfter("2"), 2.0);
  EXPECT_EQ(internal::ParseRetryAfter(" 0.5 "), 0.5);
  EXPECT_EQ(internal::ParseRetryAfter("0"), 0.0);
  EXPECT_EQ(internal::ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(internal::ParseRetryAfter("-1"), std::nullopt);
  EXPECT_EQ(internal::ParseRetryAfter(""), std::nullopt);
  EXPECT_EQ(internal::ParseRetryAfter("3s"), std::nullopt);
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCapWithFullJitter) {
  DeterministicRandom random(7);
  for (int retry = 1; retry <= 70; ++retry) {
    double ceiling = std::min(30.0, 0.5 * std::pow(2.0, std::min(retry - 1, 62)));
    double most = 0;
    for (int i = 0; i < 200; ++i) {
      double wait = internal::BackoffSeconds(retry, 0.5, 30, std::nullopt, random);
      ASSERT_GE(wait, 0);
      ASSERT_LE(wait, ceiling);
      most = std::max(most, wait);
    }
    // The jitter spreads over the whole range, not a corner of it.
    EXPECT_GT(most, ceiling * 0.8) << retry;
  }
  EXPECT_EQ(internal::BackoffSeconds(1, 0.5, 30, 7.0, random), 7.0);
  EXPECT_EQ(internal::BackoffSeconds(1, 0.5, 30, 90.0, random), 30.0);
}

TEST(RetryPolicyTest, ClassifiesStatuses) {
  EXPECT_EQ(internal::FailureKindOfStatus(429), FailureKind::kRateLimited);
  EXPECT_EQ(internal::FailureKindOfStatus(500), FailureKind::kServerError);
  EXPECT_EQ(internal::FailureKindOfStatus(529), FailureKind::kServerError);
  EXPECT_EQ(internal::FailureKindOfStatus(408), FailureKind::kTimeout);
  EXPECT_EQ(internal::FailureKindOfStatus(401), FailureKind::kAuth);
  EXPECT_EQ(internal::FailureKindOfStatus(403), FailureKind::kAuth);
  EXPECT_EQ(internal::FailureKindOfStatus(400), FailureKind::kBadRequest);
  EXPECT_EQ(internal::FailureKindOfStatus(404), FailureKind::kBadRequest);
  EXPECT_EQ(internal::FailureKindOfStatus(302), FailureKind::kBadRequest);
}

TEST(FailureKindNameTest, NamesEveryKind) {
  EXPECT_EQ(FailureKindName(FailureKind::kNone), "none");
  EXPECT_EQ(FailureKindName(FailureKind::kTransport), "transport");
  EXPECT_EQ(FailureKindName(FailureKind::kTimeout), "timeout");
  EXPECT_EQ(FailureKindName(FailureKind::kRateLimited), "rate_limited");
  EXPECT_EQ(FailureKindName(FailureKind::kServerError), "server_error");
  EXPECT_EQ(FailureKindName(FailureKind::kAuth), "auth");
  EXPECT_EQ(FailureKindName(FailureKind::kBadRequest), "bad_request");
  EXPECT_EQ(FailureKindName(FailureKind::kMalformed), "malformed");
}

// --- Configuration and URLs ---

TEST(NewModelProviderTest, RefusesUnusableConfigurations) {
  ProviderConfig good{.base_url = "http://127.0.0.1:8000/v1", .model = "m"};
  EXPECT_TRUE(NewModelProvider(good).ok());
  auto refused = [&](auto change) {
    ProviderConfig config = good;
    change(config);
    StatusOr<std::unique_ptr<ModelProvider>> provider = NewModelProvider(config);
    return !provider.ok() && provider.status().code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.model = ""; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.base_url = "ftp://127.0.0.1/v1"; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.base_url = "127.0.0.1:8000"; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.base_url = "http:///v1"; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.max_concurrency = 0; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.max_retries = -1; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.request_timeout_s = 0; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.initial_backoff_s = -1; }));
  EXPECT_TRUE(refused([](ProviderConfig& c) { c.api_key = "sk-1\r\nX-Injected: 1"; }));
}

TEST(HttpUrlTest, ParsesApiRoots) {
  StatusOr<net::HttpUrl> url = net::ParseHttpUrl("https://api.anthropic.com");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "api.anthropic.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "");

  url = net::ParseHttpUrl("http://127.0.0.1:11434/v1/");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 11434);
  EXPECT_EQ(url->path, "/v1");

  url = net::ParseHttpUrl("http://[::1]:8080/openai/v1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/openai/v1");

  for (const char* bad :
       {"", "localhost:8000", "http://", "http://host:0", "http://host:65536", "http://host:8x",
        "http://host:", "http://user:pw@host/v1", "http://host/v1?key=1", "http://ho st/",
        "http://[::1/v1", "http://host/v1\r\nX-Injected: 1"}) {
    EXPECT_FALSE(net::ParseHttpUrl(bad).ok()) << bad;
  }
}

TEST(HttpClientTest, RefusesRepliesOverTheSizeLimit) {
  ScriptedServer server(Reply(200, std::string(4096, 'a')));
  StatusOr<net::HttpUrl> url = net::ParseHttpUrl(server.url());
  ASSERT_TRUE(url.ok());
  auto client = net::HttpClient::Create(*url, {.timeout_s = 10, .max_response_bytes = 1024});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  StatusOr<net::HttpResponse> response = (*client)->Post({.target = "/", .body = "{}"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted);

  auto roomy = net::HttpClient::Create(*url, {.timeout_s = 10, .max_response_bytes = 8192});
  ASSERT_TRUE(roomy.ok());
  for (int i = 0; i < 3; ++i) {
    response = (*roomy)->Post({.target = "/", .body = "{}"});
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->body.size(), 4096u);
    EXPECT_EQ(response->requests_sent, 1);
  }
  EXPECT_EQ((*roomy)->connections_opened(), 1);
}

// --- TLS ---

// Self-signed certificates made with the openssl command, one per test suite.
class TlsProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new bulwark::testing::TempDir("provider-tls");
    MakeCertificate("good", "IP:127.0.0.1");
    MakeCertificate("other", "DNS:other.example");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static void MakeCertificate(const std::string& name, const std::string& subject_alt_name) {
    std::string output;
    int status = bulwark::testing::RunShell(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=bulwark-test -addext subjectAltName=" +
            subject_alt_name + " -keyout " + KeyFile(name) + " -out " + CertFile(name) + " 2>&1",
        &output);
    ASSERT_EQ(status, 0) << output;
  }
  static std::string CertFile(const std::string& name) {
    return dir_->path() + "/" + name + ".pem";
  }
  static std::string KeyFile(const std::string& name) { return dir_->path() + "/" + name + ".key"; }
  static ScriptedServer::Tls Tls(const std::string& name) {
    return {CertFile(name), KeyFile(name)};
  }

  static inline bulwark::testing::TempDir* dir_ = nullptr;
};

TEST_F(TlsProviderTest, TrustedCertificateForTheHostWorks) {
  ScriptedServer server(Reply(200, kOpenAiText), Tls("good"));
  ProviderConfig config = Config(server);
  config.ca_file = CertFile("good");
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  ASSERT_TRUE(outcome.ok()) << outcome.failure.message;
  EXPECT_EQ(outcome.reply->message.text, "The flag is FLAG{x}");
  ASSERT_TRUE(TestProvider(config)->Complete(Hello()).ok());
}

TEST_F(TlsProviderTest, UntrustedCertificateIsRefused) {
  ScriptedServer server(Reply(200, kOpenAiText), Tls("good"));
  ProviderConfig config = Config(server);
  config.max_retries = 0;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTransport);
  EXPECT_THAT(outcome.failure.message, HasSubstr("TLS handshake"));
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsProviderTest, CertificateForAnotherHostIsRefused) {
  ScriptedServer server(Reply(200, kOpenAiText), Tls("other"));
  ProviderConfig config = Config(server);
  config.ca_file = CertFile("other");
  config.max_retries = 0;
  ModelOutcome outcome = TestProvider(config)->Complete(Hello());
  EXPECT_EQ(outcome.failure.kind, FailureKind::kTransport);
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsProviderTest, MissingCaFileIsAConfigurationError) {
  ProviderConfig config{
      .base_url = "https://127.0.0.1:1/v1", .model = "m", .ca_file = dir_->path() + "/missing.pem"};
  StatusOr<std::unique_ptr<ModelProvider>> provider = NewModelProvider(config);
  ASSERT_FALSE(provider.ok());
  EXPECT_EQ(provider.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bulwark::evals
