#include "evals/mock_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <latch>
#include <set>
#include <thread>

namespace bulwark::evals {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using ::testing::HasSubstr;

// ---- A plain HTTP/1.1 client, kept alive between requests ----

struct Reply {
  http::response<http::string_body> response;
  int status() const { return static_cast<int>(response.result_int()); }
  const std::string& body() const { return response.body(); }
  std::string header(std::string_view name) const {
    auto it = response.find(name);
    return it == response.end() ? "" : std::string(it->value());
  }
  json::value Json() const { return json::parse(body()); }
};

class Client {
 public:
  explicit Client(uint16_t port) : stream_(io_) {
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }

  Reply Send(http::verb verb, const std::string& target, const std::string& body = "",
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    Reply reply;
    http::read(stream_, buffer_, reply.response);
    return reply;
  }

  Reply Get(const std::string& target) { return Send(http::verb::get, target); }

  Reply OpenAi(const json::value& body) {
    return Send(http::verb::post, "/v1/chat/completions", json::serialize(body));
  }

  Reply Anthropic(const json::value& body) {
    return Send(http::verb::post, "/v1/messages", json::serialize(body),
                {{"anthropic-version", "2023-06-01"}, {"x-api-key", "unused"}});
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// ---- Suites and requests ----

constexpr std::string_view kPrompt = "Find the flag hidden in /srv/data.txt.";

Task AgentTask(std::string id, std::string prompt, std::string flag) {
  Task task;
  task.id = std::move(id);
  task.prompt = std::move(prompt);
  task.flag = std::move(flag);
  return task;
}

// One agent task with a three-step solution, one single-turn task.
Suite TestSuite() {
  Task agent = AgentTask("data", std::string(kPrompt), "FLAG{data}");
  agent.solution = {{"bash", "cat /srv/data.txt | base64 -d"},
                    {"python", "print(open('/tmp/x').read()[::-1])"},
                    {"submit", "FLAG{data}"}};
  // A prompt inside the other prompt: the longer match must win.
  Task prefix = AgentTask("prefix", "Find the flag", "FLAG{prefix}");
  Task quiz =
      AgentTask("quiz", "What is the capital of France? Answer as FLAG{...}.", "FLAG{Paris}");
  quiz.mode = TaskMode::kSingleTurn;
  Suite suite;
  suite.name = "test";
  suite.tasks = {agent, prefix, quiz};
  return suite;
}

std::unique_ptr<MockModelServer> StartServer(Suite suite, MockModelOptions options = {}) {
  StatusOr<std::unique_ptr<MockModelServer>> server =
      MockModelServer::Start(std::move(suite), std::move(options));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

json::array OpenAiTools(std::initializer_list<std::string_view> names) {
  json::array tools;
  for (std::string_view name : names) {
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", name},
                       {"description", "a tool"},
                       {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}});
  }
  return tools;
}

json::array AnthropicTools(std::initializer_list<std::string_view> names) {
  json::array tools;
  for (std::string_view name : names) {
    tools.push_back(
        {{"name", name}, {"description", "a tool"}, {"input_schema", {{"type", "object"}}}});
  }
  return tools;
}

json::object OpenAiRequest(json::array messages,
                           json::array tools = OpenAiTools({"bash", "python", "submit"})) {
  json::object request{{"model", "mock-1"}, {"messages", std::move(messages)}};
  if (!tools.empty()) request["tools"] = std::move(tools);
  return request;
}

json::object AnthropicRequest(json::array messages,
                              json::array tools = AnthropicTools({"bash", "python", "submit"})) {
  json::object request{{"model", "mock-1"},
                       {"max_tokens", 1024},
                       {"system", "You are a security researcher."},
                       {"messages", std::move(messages)}};
  if (!tools.empty()) request["tools"] = std::move(tools);
  return request;
}

json::array OpenAiStart(std::string_view user_text) {
  return {{{"role", "system"}, {"content", "You are a security researcher."}},
          {{"role", "user"}, {"content", user_text}}};
}

json::array AnthropicStart(std::string_view user_text) {
  return {{{"role", "user"}, {"content", user_text}}};
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

// The first choice's message of a chat.completion.
const json::object& OpenAiMessage(const json::value& reply) {
  return reply.at("choices").at(0).at("message").as_object();
}

// The first call of an OpenAI reply, its arguments parsed.
std::pair<std::string, json::value> OpenAiCall(const json::value& reply) {
  const json::value& call = OpenAiMessage(reply).at("tool_calls").at(0);
  return {Str(call.at("function").at("name")),
          json::parse(call.at("function").at("arguments").as_string())};
}

// The first submit answer of the first turn of `user_text`, or the text when there is none.
std::string FirstAnswer(Client& client, std::string_view user_text) {
  json::value reply = client.OpenAi(OpenAiRequest(OpenAiStart(user_text))).Json();
  const json::object& message = OpenAiMessage(reply);
  if (!message.contains("tool_calls")) return Str(message.at("content"));
  auto [name, arguments] = OpenAiCall(reply);
  return Str(arguments.at("answer"));
}

// ---- Replay ----

TEST(MockModelTest, OpenAiReplaysTheSolutionOneStepPerTurn) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::array messages = OpenAiStart("Task: " + std::string(kPrompt) + "\nGood luck.");
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"bash", "command"}, {"python", "code"}, {"submit", "answer"}};
  std::set<std::string> ids;
  for (size_t step = 0; step < expected.size(); ++step) {
    Reply reply = client.OpenAi(OpenAiRequest(messages));
    ASSERT_EQ(reply.status(), 200) << reply.body();
    json::value body = reply.Json();
    EXPECT_EQ(body.at("object"), "chat.completion");
    EXPECT_EQ(body.at("model"), "mock-1");
    EXPECT_TRUE(body.at("created").is_int64());
    EXPECT_THAT(Str(body.at("id")), ::testing::StartsWith("chatcmpl-"));
    const json::value& choice = body.at("choices").at(0);
    EXPECT_EQ(choice.at("index"), 0);
    EXPECT_EQ(choice.at("finish_reason"), "tool_calls");
    const json::object& message = OpenAiMessage(body);
    EXPECT_EQ(message.at("role"), "assistant");
    EXPECT_TRUE(message.at("content").is_null());
    const json::value& call = message.at("tool_calls").at(0);
    EXPECT_EQ(call.at("type"), "function");
    std::string id = Str(call.at("id"));
    EXPECT_THAT(id, ::testing::StartsWith("call_"));
    EXPECT_TRUE(ids.insert(id).second) << "tool call ids repeat: " << id;
    auto [name, arguments] = OpenAiCall(body);
    EXPECT_EQ(name, expected[step].first);
    EXPECT_EQ(Str(arguments.at(expected[step].second)), TestSuite().tasks[0].solution[step].input);
    const json::value& usage = body.at("usage");
    EXPECT_GT(usage.at("prompt_tokens").as_int64(), 0);
    EXPECT_GT(usage.at("completion_tokens").as_int64(), 0);
    EXPECT_EQ(usage.at("total_tokens").as_int64(),
              usage.at("prompt_tokens").as_int64() + usage.at("completion_tokens").as_int64());

    // Back as a client sends it: the assistant message as received, then the tool's result.
    messages.push_back(message);
    messages.push_back({{"role", "tool"},
                        {"tool_call_id", id},
                        {"content", "output of step " + std::to_string(step)}});
  }
  Reply last = client.OpenAi(OpenAiRequest(messages));
  ASSERT_EQ(last.status(), 200) << last.body();
  json::value body = last.Json();
  EXPECT_EQ(body.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_FALSE(OpenAiMessage(body).contains("tool_calls"));
  EXPECT_FALSE(Str(OpenAiMessage(body).at("content")).empty());
}

TEST(MockModelTest, OpenAiAlsoServesChatCompletionsWithoutV1) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  Reply reply = client.Send(http::verb::post, "/chat/completions",
                            json::serialize(OpenAiRequest(OpenAiStart(kPrompt))));
  ASSERT_EQ(reply.status(), 200) << reply.body();
  EXPECT_EQ(OpenAiCall(reply.Json()).first, "bash");
}

TEST(MockModelTest, StreamedRequestsGetTheReplyAsServerSentEvents) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::object request = OpenAiRequest(OpenAiStart(kPrompt));
  request["stream"] = true;
  request["stream_options"] = json::object{{"include_usage", true}};
  Reply openai = client.OpenAi(request);
  ASSERT_EQ(openai.status(), 200) << openai.body();
  EXPECT_EQ(openai.header("Content-Type"), "text/event-stream");
  EXPECT_THAT(openai.body(), HasSubstr("\"object\":\"chat.completion.chunk\""));
  EXPECT_THAT(openai.body(), HasSubstr("\"tool_calls\""));
  EXPECT_THAT(openai.body(), HasSubstr("\"completion_tokens\":"));
  EXPECT_TRUE(openai.body().ends_with("data: [DONE]\n\n"));
  json::object anthropic_request = AnthropicRequest(AnthropicStart(kPrompt));
  anthropic_request["stream"] = true;
  Reply anthropic = client.Anthropic(anthropic_request);
  ASSERT_EQ(anthropic.status(), 200) << anthropic.body();
  EXPECT_EQ(anthropic.header("Content-Type"), "text/event-stream");
  EXPECT_THAT(anthropic.body(), HasSubstr("event: message_start\n"));
  EXPECT_THAT(anthropic.body(), HasSubstr("\"input_json_delta\""));
  EXPECT_THAT(anthropic.body(), HasSubstr("event: message_delta\n"));
  EXPECT_TRUE(anthropic.body().ends_with("data: {\"type\":\"message_stop\"}\n\n"));
}

TEST(MockModelTest, AnthropicReplaysTheSolutionOneStepPerTurn) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::array messages = AnthropicStart(kPrompt);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"bash", "command"}, {"python", "code"}, {"submit", "answer"}};
  for (size_t step = 0; step < expected.size(); ++step) {
    Reply reply = client.Anthropic(AnthropicRequest(messages));
    ASSERT_EQ(reply.status(), 200) << reply.body();
    json::value body = reply.Json();
    EXPECT_EQ(body.at("type"), "message");
    EXPECT_EQ(body.at("role"), "assistant");
    EXPECT_EQ(body.at("model"), "mock-1");
    EXPECT_EQ(body.at("stop_reason"), "tool_use");
    EXPECT_TRUE(body.at("stop_sequence").is_null());
    EXPECT_THAT(Str(body.at("id")), ::testing::StartsWith("msg_"));
    EXPECT_GT(body.at("usage").at("input_tokens").as_int64(), 0);
    EXPECT_GT(body.at("usage").at("output_tokens").as_int64(), 0);
    const json::array& content = body.at("content").as_array();
    ASSERT_EQ(content.size(), 1u);
    const json::value& block = content[0];
    EXPECT_EQ(block.at("type"), "tool_use");
    EXPECT_THAT(Str(block.at("id")), ::testing::StartsWith("toolu_"));
    EXPECT_EQ(Str(block.at("name")), expected[step].first);
    EXPECT_EQ(Str(block.at("input").at(expected[step].second)),
              TestSuite().tasks[0].solution[step].input);

    messages.push_back({{"role", "assistant"}, {"content", content}});
    messages.push_back(
        {{"role", "user"},
         {"content", json::array{{{"type", "tool_result"},
                                  {"tool_use_id", block.at("id")},
                                  {"content", json::array{{{"type", "text"}, {"text", "ok"}}}}}}}});
  }
  Reply last = client.Anthropic(AnthropicRequest(messages));
  ASSERT_EQ(last.status(), 200) << last.body();
  json::value body = last.Json();
  EXPECT_EQ(body.at("stop_reason"), "end_turn");
  EXPECT_EQ(body.at("content").at(0).at("type"), "text");
}

TEST(MockModelTest, LongestMatchingPromptWins) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  // "Find the flag" also appears in the data task's prompt.
  EXPECT_EQ(FirstAnswer(client, "Find the flag"), "FLAG{prefix}");
  json::value reply = client.OpenAi(OpenAiRequest(OpenAiStart(kPrompt))).Json();
  EXPECT_EQ(OpenAiCall(reply).first, "bash");
}

TEST(MockModelTest, ToolNotOfferedGetsTextSayingSo) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::value reply =
      client.OpenAi(OpenAiRequest(OpenAiStart(kPrompt), OpenAiTools({"python", "submit"}))).Json();
  EXPECT_EQ(reply.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_THAT(Str(OpenAiMessage(reply).at("content")), HasSubstr("`bash`"));

  json::value anthropic = client.Anthropic(AnthropicRequest(AnthropicStart(kPrompt), {})).Json();
  EXPECT_EQ(anthropic.at("stop_reason"), "end_turn");
  EXPECT_THAT(Str(anthropic.at("content").at(0).at("text")), HasSubstr("no tools"));
}

TEST(MockModelTest, UnknownConversationGetsAPoliteStop) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::value reply = client.OpenAi(OpenAiRequest(OpenAiStart("Hello there"))).Json();
  EXPECT_EQ(reply.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_THAT(Str(OpenAiMessage(reply).at("content")), HasSubstr("not about any task"));
}

// ---- Single-turn tasks and the solve rate ----

TEST(MockModelTest, SingleTurnTaskIsAnsweredWithItsFlag) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  const std::string question = "What is the capital of France? Answer as FLAG{...}.";
  json::value reply = client.OpenAi(OpenAiRequest(OpenAiStart(question), {})).Json();
  EXPECT_EQ(OpenAiMessage(reply).at("content"), "FLAG{Paris}");
  EXPECT_EQ(reply.at("choices").at(0).at("finish_reason"), "stop");
  EXPECT_EQ(reply.at("usage").at("completion_tokens"), 3);  // 11 bytes

  json::value anthropic = client.Anthropic(AnthropicRequest(AnthropicStart(question), {})).Json();
  EXPECT_EQ(anthropic.at("content").at(0).at("text"), "FLAG{Paris}");
  EXPECT_EQ(anthropic.at("stop_reason"), "end_turn");

  auto unsolved = StartServer(TestSuite(), {.solve_rate = 0});
  ASSERT_NE(unsolved, nullptr);
  Client unsolved_client(unsolved->port());
  EXPECT_EQ(FirstAnswer(unsolved_client, question), kMockWrongAnswer);
  // An unsolved agent sample submits the wrong answer at once.
  EXPECT_EQ(FirstAnswer(unsolved_client, kPrompt), kMockWrongAnswer);
}

Suite ManyTasks(int n) {
  Suite suite;
  suite.name = "many";
  for (int i = 0; i < n; ++i) {
    std::string id = "task-" + std::to_string(i);
    suite.tasks.push_back(AgentTask(id, "<<" + id + ">>", "FLAG{" + id + "}"));
  }
  return suite;
}

// Which of the suite's samples (task, epoch marker) a server solves.
std::vector<bool> Solved(MockModelServer& server, int tasks, std::string_view marker) {
  Client client(server.port());
  std::vector<bool> solved;
  for (int i = 0; i < tasks; ++i) {
    std::string id = "task-" + std::to_string(i);
    std::string text = "<<" + id + ">>";
    if (!marker.empty()) text += "\n[sample: " + std::string(marker) + "]";
    std::string answer = FirstAnswer(client, text);
    EXPECT_TRUE(answer == "FLAG{" + id + "}" || answer == kMockWrongAnswer) << answer;
    solved.push_back(answer != kMockWrongAnswer);
  }
  return solved;
}

TEST(MockModelTest, SolveRateIsDeterministicAndRoughlyRight) {
  constexpr int kTasks = 200;
  MockModelOptions options{.solve_rate = 0.3, .seed = 7};
  auto a = StartServer(ManyTasks(kTasks), options);
  auto b = StartServer(ManyTasks(kTasks), options);
  auto other_seed = StartServer(ManyTasks(kTasks), {.solve_rate = 0.3, .seed = 8});
  ASSERT_TRUE(a && b && other_seed);

  std::vector<bool> first = Solved(*a, kTasks, "");
  EXPECT_EQ(Solved(*a, kTasks, ""), first);  // the same server asked again
  EXPECT_EQ(Solved(*b, kTasks, ""), first);  // another server with the same seed
  EXPECT_NE(Solved(*other_seed, kTasks, ""), first);
  // Epochs of one task differ through the sample marker.
  std::vector<bool> epoch1 = Solved(*a, kTasks, "epoch-1");
  EXPECT_NE(epoch1, first);
  EXPECT_EQ(Solved(*b, kTasks, "epoch-1"), epoch1);

  for (const std::vector<bool>& run : {first, epoch1}) {
    int solved = static_cast<int>(std::count(run.begin(), run.end(), true));
    EXPECT_GE(solved, 40);  // 60 expected; 40 and 80 are three standard deviations out
    EXPECT_LE(solved, 80);
  }
}

TEST(MockModelTest, SampleMarkerIsReadFromTheSystemMessage) {
  constexpr int kTasks = 50;
  auto server = StartServer(ManyTasks(kTasks), {.solve_rate = 0.5});
  ASSERT_NE(server, nullptr);
  std::vector<bool> in_user = Solved(*server, kTasks, "s-3");
  Client client(server->port());
  std::vector<bool> in_system;
  for (int i = 0; i < kTasks; ++i) {
    std::string id = "task-" + std::to_string(i);
    json::array messages = {{{"role", "system"}, {"content", "Be brief.\n[sample: s-3]\n"}},
                            {{"role", "user"}, {"content", "<<" + id + ">>"}}};
    json::value reply = client.OpenAi(OpenAiRequest(messages)).Json();
    in_system.push_back(Str(OpenAiCall(reply).second.at("answer")) != kMockWrongAnswer);
  }
  EXPECT_EQ(in_system, in_user);
}

// ---- Malformed requests ----

struct BadRequest {
  std::string name;
  bool anthropic;
  std::string body;
  std::string reason;  // a part of the error message
};

TEST(MockModelTest, MalformedRequestsGet400WithAReason) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  auto openai = [](json::array messages) { return json::serialize(OpenAiRequest(messages)); };
  auto anthropic = [](json::array messages) { return json::serialize(AnthropicRequest(messages)); };
  json::object call{{"id", "call_1"},
                    {"type", "function"},
                    {"function", {{"name", "bash"}, {"arguments", "{}"}}}};
  json::object tool_use{
      {"type", "tool_use"}, {"id", "toolu_1"}, {"name", "bash"}, {"input", json::object()}};
  std::vector<BadRequest> cases = {
      {"not json", false, "{\"model\": ", "not JSON"},
      {"not an object", false, "[1, 2]", "JSON object"},
      {"no model", false, R"({"messages": [{"role": "user", "content": "hi"}]})", "model"},
      {"no messages", false, R"({"model": "m", "messages": []})", "at least one"},
      {"wrong role", false, openai({{{"role", "robot"}, {"content", "hi"}}}), "robot"},
      {"content a number", false, openai({{{"role", "user"}, {"content", 5}}}), "got a number"},
      {"stream", false,
       R"({"model": "m", "stream": "yes", "messages": [{"role": "user", "content": "hi"}]})",
       "boolean"},
      {"temperature", false,
       R"({"model": "m", "temperature": 7, "messages": [{"role": "user", "content": "hi"}]})",
       "temperature"},
      {"tool without call", false,
       openai({{{"role", "user"}, {"content", "hi"}},
               {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "x"}}}),
       "preceding message with 'tool_calls'"},
      {"call without result", false,
       openai({{{"role", "user"}, {"content", "hi"}},
               {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{call}}},
               {{"role", "user"}, {"content", "next"}}}),
       "call_1"},
      {"result of another call", false,
       openai({{{"role", "user"}, {"content", "hi"}},
               {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", json::array{call}}},
               {{"role", "tool"}, {"tool_call_id", "call_2"}, {"content", "x"}}}),
       "call_2"},
      {"bad tool name", false,
       json::serialize(OpenAiRequest(OpenAiStart("hi"), OpenAiTools({"has space"}))), "tool name"},
      {"no max_tokens", true, R"({"model": "m", "messages": [{"role": "user", "content": "hi"}]})",
       "max_tokens"},
      {"system role", true,
       anthropic({{{"role", "system"}, {"content", "x"}}, {{"role", "user"}, {"content", "hi"}}}),
       "top-level \"system\""},
      {"unknown block", true,
       anthropic({{{"role", "user"}, {"content", json::array{{{"type", "video"}}}}}}), "video"},
      {"empty text", true, anthropic({{{"role", "user"}, {"content", ""}}}), "non-empty"},
      {"tool_use unanswered", true,
       anthropic({{{"role", "user"}, {"content", "hi"}},
                  {{"role", "assistant"}, {"content", json::array{tool_use}}},
                  {{"role", "user"}, {"content", "next"}}}),
       "toolu_1"},
      {"unexpected tool_result", true,
       anthropic({{{"role", "user"},
                   {"content", json::array{{{"type", "tool_result"},
                                            {"tool_use_id", "toolu_9"},
                                            {"content", "x"}}}}}}),
       "toolu_9"},
      {"tool without schema", true,
       json::serialize(json::object{{"model", "m"},
                                    {"max_tokens", 10},
                                    {"tools", json::array{{{"name", "bash"}}}},
                                    {"messages", AnthropicStart("hi")}}),
       "input_schema"},
  };
  Client client(server->port());
  for (const BadRequest& c : cases) {
    SCOPED_TRACE(c.name);
    Reply reply = c.anthropic ? client.Send(http::verb::post, "/v1/messages", c.body,
                                            {{"anthropic-version", "2023-06-01"}})
                              : client.Send(http::verb::post, "/v1/chat/completions", c.body);
    ASSERT_EQ(reply.status(), 400) << reply.body();
    json::value body = reply.Json();
    EXPECT_THAT(Str(body.at("error").at("message")), HasSubstr(c.reason));
    if (c.anthropic) {
      EXPECT_EQ(body.at("type"), "error");
      EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
    } else {
      EXPECT_EQ(body.at("error").at("type"), "invalid_request_error");
      EXPECT_TRUE(body.at("error").as_object().contains("param"));
    }
  }

  Reply no_version = client.Send(http::verb::post, "/v1/messages",
                                 json::serialize(AnthropicRequest(AnthropicStart(kPrompt))));
  EXPECT_EQ(no_version.status(), 400);
  EXPECT_THAT(no_version.body(), HasSubstr("anthropic-version"));

  Reply param = client.OpenAi(
      OpenAiRequest({{{"role", "user"}, {"content", "hi"}}, {{"role", "user"}, {"content", 5}}}));
  EXPECT_EQ(param.Json().at("error").at("param"), "messages.1.content");

  EXPECT_EQ(server->stats().openai.by_status.at(400), 13);
  EXPECT_EQ(server->stats().anthropic.by_status.at(400), 8);
}

TEST(MockModelTest, WrongPathsMethodsAndSizes) {
  auto server = StartServer(TestSuite(), {.body_limit = 2048});
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  Reply missing = client.Send(http::verb::post, "/v2/complete", "{}");
  EXPECT_EQ(missing.status(), 404);
  EXPECT_THAT(Str(missing.Json().at("error").at("message")), HasSubstr("/v1/messages"));
  Reply get = client.Get("/v1/messages");
  EXPECT_EQ(get.status(), 405);
  EXPECT_EQ(get.header("Allow"), "POST");

  Client big_client(server->port());
  Reply big = big_client.Send(http::verb::post, "/v1/chat/completions", std::string(4096, ' '));
  EXPECT_EQ(big.status(), 413);
}

// ---- Faults ----

TEST(MockModelTest, EachFaultKindOnOpenAi) {
  MockModelOptions options;
  options.first_faults = {MockFault::kRateLimited, MockFault::kServerError, MockFault::kOverloaded,
                          MockFault::kGarbage,     MockFault::kTruncated,   MockFault::kErrorBody,
                          MockFault::kUnknownTool, MockFault::kBadArguments};
  auto server = StartServer(TestSuite(), options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::object request = OpenAiRequest(OpenAiStart(kPrompt));
  auto send = [&] { return client.OpenAi(request); };

  Reply rate_limited = send();
  EXPECT_EQ(rate_limited.status(), 429);
  EXPECT_EQ(rate_limited.header("Retry-After"), "0");
  EXPECT_EQ(rate_limited.Json().at("error").at("code"), "rate_limit_exceeded");

  Reply server_error = send();
  EXPECT_EQ(server_error.status(), 500);
  EXPECT_EQ(server_error.Json().at("error").at("type"), "server_error");

  EXPECT_EQ(send().status(), 503);

  Reply garbage = send();
  EXPECT_EQ(garbage.status(), 200);
  boost::system::error_code ec;
  json::parse(garbage.body(), ec);
  EXPECT_TRUE(ec) << garbage.body();

  Reply truncated = send();
  EXPECT_EQ(truncated.status(), 200);
  json::parse(truncated.body(), ec);
  EXPECT_TRUE(ec) << truncated.body();
  EXPECT_THAT(truncated.body(), ::testing::StartsWith("{\"id\":\"chatcmpl-"));

  Reply error_body = send();
  EXPECT_EQ(error_body.status(), 200);
  EXPECT_TRUE(error_body.Json().as_object().contains("error"));

  Reply unknown_tool = send();
  ASSERT_EQ(unknown_tool.status(), 200);
  std::string name =
      Str(OpenAiMessage(unknown_tool.Json()).at("tool_calls").at(0).at("function").at("name"));
  EXPECT_NE(name, "bash");
  EXPECT_NE(name, "python");
  EXPECT_NE(name, "submit");

  Reply bad_arguments = send();
  ASSERT_EQ(bad_arguments.status(), 200);
  json::value call = OpenAiMessage(bad_arguments.Json()).at("tool_calls").at(0);
  EXPECT_EQ(call.at("function").at("name"), "bash");
  json::parse(call.at("function").at("arguments").as_string(), ec);
  EXPECT_TRUE(ec);

  // The faults are spent: the next request is answered normally.
  Reply normal = send();
  ASSERT_EQ(normal.status(), 200);
  EXPECT_EQ(OpenAiCall(normal.Json()).first, "bash");

  MockModelStats stats = server->stats();
  for (MockFault fault : options.first_faults) {
    EXPECT_EQ(stats.faults[fault], 1) << MockFaultName(fault);
  }
  EXPECT_EQ(stats.openai.requests, 9);
  EXPECT_EQ(stats.openai.by_status[200], 6);
}

TEST(MockModelTest, EachFaultKindOnAnthropic) {
  MockModelOptions options;
  options.first_faults = {MockFault::kRateLimited, MockFault::kServerError, MockFault::kOverloaded,
                          MockFault::kErrorBody,   MockFault::kTruncated,   MockFault::kUnknownTool,
                          MockFault::kBadArguments};
  auto server = StartServer(TestSuite(), options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  json::object request = AnthropicRequest(AnthropicStart(kPrompt));
  auto send = [&] { return client.Anthropic(request); };

  Reply rate_limited = send();
  EXPECT_EQ(rate_limited.status(), 429);
  EXPECT_EQ(rate_limited.header("Retry-After"), "0");
  EXPECT_EQ(rate_limited.Json().at("error").at("type"), "rate_limit_error");
  EXPECT_EQ(send().Json().at("error").at("type"), "api_error");
  Reply overloaded = send();
  EXPECT_EQ(overloaded.status(), 529);
  EXPECT_EQ(overloaded.Json().at("error").at("type"), "overloaded_error");
  Reply error_body = send();
  EXPECT_EQ(error_body.status(), 200);
  EXPECT_EQ(error_body.Json().at("type"), "error");
  Reply truncated = send();
  boost::system::error_code ec;
  json::parse(truncated.body(), ec);
  EXPECT_TRUE(ec);
  EXPECT_NE(send().Json().at("content").at(0).at("name"), "bash");
  // An invalid `input` cannot be sent as an object: it comes as the invalid text.
  json::value input = send().Json().at("content").at(0).at("input");
  ASSERT_TRUE(input.is_string());
  json::parse(input.as_string(), ec);
  EXPECT_TRUE(ec);
}

// The statuses a fresh server gives `n` requests.
std::vector<int> Statuses(const MockModelOptions& options, int n) {
  auto server = StartServer(TestSuite(), options);
  Client client(server->port());
  std::vector<int> statuses;
  for (int i = 0; i < n; ++i) {
    statuses.push_back(client.OpenAi(OpenAiRequest(OpenAiStart(kPrompt))).status());
  }
  return statuses;
}

TEST(MockModelTest, FailRatesAreDeterministic) {
  MockModelOptions options;
  options.fail_rate = {{MockFault::kRateLimited, 0.2}, {MockFault::kServerError, 0.1}};
  std::vector<int> first = Statuses(options, 200);
  EXPECT_EQ(Statuses(options, 200), first);
  int rate_limited = static_cast<int>(std::count(first.begin(), first.end(), 429));
  int server_errors = static_cast<int>(std::count(first.begin(), first.end(), 500));
  EXPECT_GE(rate_limited, 22);  // 40 expected
  EXPECT_LE(rate_limited, 58);
  EXPECT_GE(server_errors, 7);  // 20 expected
  EXPECT_LE(server_errors, 33);
  EXPECT_EQ(rate_limited + server_errors + std::count(first.begin(), first.end(), 200), 200);

  options.seed = 1;
  EXPECT_NE(Statuses(options, 200), first);
  options.fail_rate = {{MockFault::kGarbage, 1}};
  EXPECT_EQ(Statuses(options, 5), std::vector<int>(5, 200));
}

TEST(MockModelTest, StartRejectsBadOptions) {
  EXPECT_EQ(MockModelServer::Start(TestSuite(), {.solve_rate = 1.5}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(MockModelServer::Start(TestSuite(), {.latency_ms = -1}).status().code(),
            StatusCode::kInvalidArgument);
  MockModelOptions too_many;
  too_many.fail_rate = {{MockFault::kGarbage, 0.6}, {MockFault::kTruncated, 0.6}};
  EXPECT_EQ(MockModelServer::Start(TestSuite(), too_many).status().code(),
            StatusCode::kInvalidArgument);
  StatusOr<std::unique_ptr<MockModelServer>> host =
      MockModelServer::Start(TestSuite(), {.host = "localhost:80"});
  EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(host.status().message(), HasSubstr("IP address"));

  auto first = StartServer(TestSuite());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(MockModelServer::Start(TestSuite(), {.port = first->port()}).status().code(),
            StatusCode::kUnavailable);
}

TEST(MockModelTest, FaultNamesRoundTrip) {
  for (MockFault fault : kMockFaults) {
    EXPECT_EQ(ParseMockFault(MockFaultName(fault)), fault);
  }
  EXPECT_EQ(ParseMockFault("timeout"), std::nullopt);
}

// ---- Latency, concurrency, counters ----

TEST(MockModelTest, LatencyDoesNotSerializeRequests) {
  constexpr int kClients = 32;
  auto server = StartServer(TestSuite(), {.latency_ms = 200});
  ASSERT_NE(server, nullptr);
  std::vector<std::string> answers(kClients);
  std::latch ready(kClients);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        Client client(server->port());
        ready.arrive_and_wait();
        Reply reply = i % 2 == 0 ? client.OpenAi(OpenAiRequest(OpenAiStart(kPrompt)))
                                 : client.Anthropic(AnthropicRequest(AnthropicStart(kPrompt)));
        answers[i] =
            reply.status() == 200 ? reply.body() : "status " + std::to_string(reply.status());
      });
    }
  }
  for (int i = 0; i < kClients; ++i) EXPECT_THAT(answers[i], HasSubstr("cat /srv/data.txt")) << i;
  MockModelStats stats = server->stats();
  EXPECT_EQ(stats.openai.by_status[200] + stats.anthropic.by_status[200], kClients);
  // A server that waited out each request's latency in turn would never hold two at once.
  EXPECT_GE(stats.peak_in_flight, 8);
}

TEST(MockModelTest, CountersThroughTheApiAndStatsEndpoint) {
  auto server = StartServer(TestSuite());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->base_url(), "http://127.0.0.1:" + std::to_string(server->port()));
  Client client(server->port());
  Reply health = client.Get("/healthz");
  EXPECT_EQ(health.status(), 200);
  EXPECT_EQ(health.body(), "ok\n");

  // The question in, the 11-byte flag out.
  std::string question = "What is the capital of France? Answer as FLAG{...}.";
  json::object request{{"model", "m"},
                       {"messages", json::array{{{"role", "user"}, {"content", question}}}}};
  json::value reply = client.OpenAi(request).Json();
  EXPECT_EQ(reply.at("usage").at("prompt_tokens"), (question.size() + 3) / 4);
  client.OpenAi(request);
  client.Anthropic(json::object{{"model", "m"}});  // 400
  client.Get("/nowhere");

  MockModelStats stats = server->stats();
  EXPECT_EQ(stats.openai.requests, 2);
  EXPECT_EQ(stats.openai.by_status[200], 2);
  EXPECT_EQ(stats.anthropic.requests, 1);
  EXPECT_EQ(stats.anthropic.by_status[400], 1);
  EXPECT_EQ(stats.other.requests, 2);
  EXPECT_EQ(stats.other.by_status[404], 1);
  EXPECT_EQ(stats.input_tokens, 2 * static_cast<int64_t>((question.size() + 3) / 4));
  EXPECT_EQ(stats.output_tokens, 2 * 3);
  EXPECT_EQ(stats.peak_in_flight, 1);

  json::value json_stats = client.Get("/stats").Json();
  EXPECT_EQ(json_stats.at("openai").at("requests"), 2);
  EXPECT_EQ(json_stats.at("openai").at("by_status").at("200"), 2);
  EXPECT_EQ(json_stats.at("anthropic").at("by_status").at("400"), 1);
  EXPECT_EQ(json_stats.at("other").at("requests"), 2);
  EXPECT_EQ(json_stats.at("input_tokens"), stats.input_tokens);
  EXPECT_EQ(json_stats.at("output_tokens"), 6);
}

TEST(MockModelTest, StopClosesConnectionsAndIsIdempotent) {
  auto server = StartServer(TestSuite(), {.latency_ms = 60'000});
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();
  std::jthread waiting([port] {
    Client client(port);
    EXPECT_ANY_THROW(client.OpenAi(OpenAiRequest(OpenAiStart(kPrompt))));
  });
  while (server->stats().peak_in_flight == 0) std::this_thread::yield();
  server->Stop();
  server->Stop();
  waiting.join();
  EXPECT_ANY_THROW(Client{port});
}

}  // namespace
}  // namespace bulwark::evals
