#include "evals/mock_model.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "base/json.h"
#include "evals/internal/mock_policy.h"
#include "evals/internal/mock_wire.h"

namespace bulwark::evals {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using internal::MockProtocol;

constexpr std::chrono::seconds kIdleTimeout{60};   // waiting for a request
constexpr std::chrono::seconds kWriteTimeout{30};  // writing a reply
constexpr size_t kHeaderLimit = 64 << 10;
constexpr int kMaxLatencyMs = 600'000;
constexpr int kMaxIoThreads = 64;

enum class Endpoint { kOpenAi, kAnthropic, kOther };

// One request's reply, and what the counters learn from it.
struct Answer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  Endpoint endpoint = Endpoint::kOther;
  std::optional<MockFault> fault;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool model_reply = false;  // waits latency_ms before it is written
};

Answer JsonAnswer(Endpoint endpoint, int status, std::string body) {
  Answer a;
  a.endpoint = endpoint;
  a.status = status;
  a.body = std::move(body);
  return a;
}

MockProtocol ProtocolOf(Endpoint endpoint) {
  return endpoint == Endpoint::kAnthropic ? MockProtocol::kAnthropic : MockProtocol::kOpenAi;
}

// A tool name the request does not offer, for the kUnknownTool fault.
std::string UnknownToolName(const internal::MockConversation& conversation) {
  std::string name = "execute_shell_command";
  while (std::find(conversation.tool_names.begin(), conversation.tool_names.end(), name) !=
         conversation.tool_names.end()) {
    name += "_x";
  }
  return name;
}

json::object EndpointJson(const MockModelStats::Endpoint& e) {
  json::object by_status;
  for (const auto& [status, n] : e.by_status) by_status[std::to_string(status)] = n;
  return {{"requests", e.requests}, {"by_status", std::move(by_status)}};
}

}  // namespace

std::string_view MockFaultName(MockFault fault) {
  switch (fault) {
    case MockFault::kRateLimited:
      return "rate_limit";
    case MockFault::kServerError:
      return "server_error";
    case MockFault::kOverloaded:
      return "overloaded";
    case MockFault::kGarbage:
      return "garbage";
    case MockFault::kTruncated:
      return "truncated";
    case MockFault::kErrorBody:
      return "error_body";
    case MockFault::kUnknownTool:
      return "unknown_tool";
    case MockFault::kBadArguments:
      return "bad_arguments";
  }
  return "unknown";
}

std::optional<MockFault> ParseMockFault(std::string_view name) {
  for (MockFault fault : kMockFaults) {
    if (MockFaultName(fault) == name) return fault;
  }
  return std::nullopt;
}

class MockModelServer::Impl {
 public:
  Impl(Suite suite, MockModelOptions options)
      : suite_(std::move(suite)),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Get()) {}
  ~Impl() { Stop(); }

  Status Listen(const asio::ip::address& address);
  void Stop();
  uint16_t port() const { return port_; }
  const std::string& host() const { return options_.host; }
  MockModelStats stats() const {
    std::lock_guard<std::mutex> lock(stats_mu_);
    return stats_;
  }

 private:
  class Session;

  void Accept();
  Answer Handle(const http::request<http::string_body>& request);
  Answer HandleModel(Endpoint endpoint, const http::request<http::string_body>& request);
  Answer FaultAnswer(MockProtocol protocol, MockFault fault) const;
  std::optional<MockFault> ChooseFault(uint64_t n) const;
  std::string StatsJson() const;
  void RequestStarted();
  void RequestFinished(const Answer& answer);

  const Suite suite_;
  const MockModelOptions options_;
  const Clock& clock_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> next_model_request_{0};

  mutable std::mutex stats_mu_;
  MockModelStats stats_;   // GUARDED_BY(stats_mu_)
  int64_t in_flight_ = 0;  // GUARDED_BY(stats_mu_)

  std::mutex stop_mu_;
  bool stopped_ = false;  // GUARDED_BY(stop_mu_)
  std::vector<std::thread> threads_;
  // Declared last: destroyed first, with every session still holding a reference to this.
  std::optional<asio::io_context> io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;    // used by the accept chain only
  std::optional<asio::steady_timer> retry_;  // after a failed accept (out of descriptors)
};

// One connection: reads requests, answers each after the latency, keeps the connection alive
// when the client asks to. Everything runs on the connection's strand.
class MockModelServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Impl& server)
      : stream_(std::move(socket)), delay_(stream_.get_executor()), server_(server) {}

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) {
      // Malformed HTTP gets an answer; a closed, reset or idle connection just ends.
      bool http_error = ec.category() == http::make_error_code(http::error::bad_target).category();
      if (!http_error || ec == http::error::end_of_stream || ec == http::error::partial_message) {
        stream_.socket().close(ec);
        return;
      }
      int status = ec == http::error::body_limit     ? 413
                   : ec == http::error::header_limit ? 431
                                                     : 400;
      answer_ = JsonAnswer(Endpoint::kOther, status,
                           internal::RenderError(MockProtocol::kOpenAi, "invalid_request_error",
                                                 "unreadable HTTP request: " + ec.message()));
      keep_alive_ = false;
      Begin();
      return;
    }
    http::request<http::string_body> request = parser_->release();
    keep_alive_ = request.keep_alive();
    try {
      answer_ = server_.Handle(request);
    } catch (const std::exception& e) {
      answer_ =
          JsonAnswer(Endpoint::kOther, 500,
                     internal::RenderError(MockProtocol::kOpenAi, "api_error",
                                           std::string("the mock model failed: ") + e.what()));
    }
    Begin();
  }

  void Begin() {
    server_.RequestStarted();
    int latency_ms = server_.options_.latency_ms;
    if (!answer_.model_reply || latency_ms <= 0) return Write();
    stream_.expires_never();
    delay_.expires_after(std::chrono::milliseconds(latency_ms));
    delay_.async_wait([self = shared_from_this()](beast::error_code) { self->Write(); });
  }

  void Write() {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer_.status));
    // Beast knows no reason phrase for Anthropic's own status.
    if (answer_.status == 529) response_.reason("Overloaded");
    response_.set(http::field::server, "bulwark-mock-model");
    response_.set(http::field::content_type, answer_.content_type);
    for (const auto& [name, value] : answer_.headers) response_.set(name, value);
    response_.body() = answer_.body;
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    // Counted before the write, so that a client holding its reply finds it in the counters.
    server_.RequestFinished(answer_);
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    if (ec) return;
    if (!keep_alive_) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    Read();
  }

  beast::tcp_stream stream_;
  asio::steady_timer delay_;
  Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  Answer answer_;
  bool keep_alive_ = false;
};

Status MockModelServer::Impl::Listen(const asio::ip::address& address) {
  io_.emplace(options_.io_threads);
  work_.emplace(io_->get_executor());
  acceptor_.emplace(*io_);
  retry_.emplace(*io_);
  tcp::endpoint endpoint(address, options_.port);
  beast::error_code ec;
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("the mock model cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + ec.message());
  }
  port_ = acceptor_->local_endpoint().port();
  Accept();
  try {
    for (int i = 0; i < options_.io_threads; ++i) {
      threads_.emplace_back([this] { io_->run(); });
    }
  } catch (const std::system_error& e) {
    return InternalError(std::string("the mock model cannot start its threads: ") + e.what());
  }
  return OkStatus();
}

void MockModelServer::Impl::Accept() {
  acceptor_->async_accept(asio::make_strand(*io_),
                          [this](beast::error_code ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted) return;
                            if (ec) {
                              // Most likely out of file descriptors: wait for connections to close
                              // rather than spin.
                              retry_->expires_after(std::chrono::milliseconds(100));
                              retry_->async_wait([this](beast::error_code wait_ec) {
                                if (!wait_ec) Accept();
                              });
                              return;
                            }
                            std::make_shared<Session>(std::move(socket), *this)->Start();
                            Accept();
                          });
}

void MockModelServer::Impl::Stop() {
  std::lock_guard<std::mutex> lock(stop_mu_);
  if (stopped_ || !io_) return;
  stopped_ = true;
  io_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  retry_.reset();
  acceptor_.reset();
  work_.reset();
  // Destroys the handlers still queued, and with them the sessions and their sockets.
  io_.reset();
}

void MockModelServer::Impl::RequestStarted() {
  std::lock_guard<std::mutex> lock(stats_mu_);
  ++in_flight_;
  stats_.peak_in_flight = std::max(stats_.peak_in_flight, in_flight_);
}

void MockModelServer::Impl::RequestFinished(const Answer& answer) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  --in_flight_;
  MockModelStats::Endpoint& e = answer.endpoint == Endpoint::kOpenAi      ? stats_.openai
                                : answer.endpoint == Endpoint::kAnthropic ? stats_.anthropic
                                                                          : stats_.other;
  ++e.requests;
  ++e.by_status[answer.status];
  if (answer.fault) ++stats_.faults[*answer.fault];
  stats_.input_tokens += answer.input_tokens;
  stats_.output_tokens += answer.output_tokens;
}

std::string MockModelServer::Impl::StatsJson() const {
  MockModelStats s = stats();
  json::object faults;
  for (const auto& [fault, n] : s.faults) faults[MockFaultName(fault)] = n;
  return json::serialize(json::object{{"openai", EndpointJson(s.openai)},
                                      {"anthropic", EndpointJson(s.anthropic)},
                                      {"other", EndpointJson(s.other)},
                                      {"faults", std::move(faults)},
                                      {"input_tokens", s.input_tokens},
                                      {"output_tokens", s.output_tokens},
                                      {"peak_in_flight", s.peak_in_flight}});
}

Answer MockModelServer::Impl::Handle(const http::request<http::string_body>& request) {
  std::string_view path = request.target();
  path = path.substr(0, path.find('?'));
  bool get = request.method() == http::verb::get || request.method() == http::verb::head;

  if (path == "/healthz" || path == "/stats") {
    if (!get) {
      Answer a = JsonAnswer(Endpoint::kOther, 405,
                            internal::RenderError(MockProtocol::kOpenAi, "invalid_request_error",
                                                  std::string(path) + " answers GET only"));
      a.headers.emplace_back("Allow", "GET, HEAD");
      return a;
    }
    if (path == "/stats") return JsonAnswer(Endpoint::kOther, 200, StatsJson());
    Answer a = JsonAnswer(Endpoint::kOther, 200, "ok\n");
    a.content_type = "text/plain";
    return a;
  }

  Endpoint endpoint = Endpoint::kOther;
  if (path == "/v1/chat/completions" || path == "/chat/completions") endpoint = Endpoint::kOpenAi;
  if (path == "/v1/messages") endpoint = Endpoint::kAnthropic;
  if (endpoint == Endpoint::kOther) {
    return JsonAnswer(Endpoint::kOther, 404,
                      internal::RenderError(
                          MockProtocol::kOpenAi, "not_found_error",
                          "no such endpoint: " + std::string(path) +
                              "; the mock model serves POST /v1/chat/completions (and "
                              "/chat/completions), POST /v1/messages, GET /healthz, GET /stats"));
  }
  if (request.method() != http::verb::post) {
    Answer a = JsonAnswer(endpoint, 405,
                          internal::RenderError(ProtocolOf(endpoint), "invalid_request_error",
                                                std::string(path) + " answers POST only"));
    a.headers.emplace_back("Allow", "POST");
    return a;
  }
  return HandleModel(endpoint, request);
}

std::optional<MockFault> MockModelServer::Impl::ChooseFault(uint64_t n) const {
  if (n < options_.first_faults.size()) return options_.first_faults[n];
  double draw = internal::MockDraw("fault " + std::to_string(n), options_.seed);
  double end = 0;
  for (MockFault fault : kMockFaults) {
    auto it = options_.fail_rate.find(fault);
    if (it == options_.fail_rate.end()) continue;
    end += it->second;
    if (draw < end) return fault;
  }
  return std::nullopt;
}

Answer MockModelServer::Impl::FaultAnswer(MockProtocol protocol, MockFault fault) const {
  bool anthropic = protocol == MockProtocol::kAnthropic;
  Answer a;
  a.fault = fault;
  switch (fault) {
    case MockFault::kRateLimited:
      a.status = 429;
      a.headers.emplace_back("Retry-After", "0");
      a.body = internal::RenderError(protocol, "rate_limit_error",
                                     "Rate limit reached (a fault injected by the mock model); "
                                     "retry after 0 seconds.");
      break;
    case MockFault::kServerError:
      a.status = 500;
      a.body = internal::RenderError(protocol, "api_error",
                                     "Internal server error (a fault injected by the mock model).");
      break;
    case MockFault::kOverloaded:
      a.status = anthropic ? 529 : 503;
      a.body = internal::RenderError(protocol, "overloaded_error",
                                     "Overloaded (a fault injected by the mock model).");
      break;
    case MockFault::kGarbage:
      // Labelled JSON on purpose: a client must not trust the header over the body.
      a.body =
          "<html><body><h1>502 Bad Gateway</h1>a fault injected by the mock model</body>"
          "</html>\n";
      break;
    case MockFault::kErrorBody:
      a.body = internal::RenderError(
          protocol, "api_error", "An error in a 200 reply (a fault injected by the mock model).");
      break;
    case MockFault::kTruncated:
    case MockFault::kUnknownTool:
    case MockFault::kBadArguments:
      break;
  }
  return a;
}

Answer MockModelServer::Impl::HandleModel(Endpoint endpoint,
                                          const http::request<http::string_body>& request) {
  MockProtocol protocol = ProtocolOf(endpoint);
  uint64_t n = next_model_request_.fetch_add(1);
  std::optional<MockFault> fault = ChooseFault(n);
  bool reply_fault = fault == MockFault::kTruncated || fault == MockFault::kUnknownTool ||
                     fault == MockFault::kBadArguments;
  Answer a;
  if (fault && !reply_fault) a = FaultAnswer(protocol, *fault);
  a.endpoint = endpoint;
  a.model_reply = true;
  std::string request_id = "req_mock" + std::to_string(n);
  a.headers.emplace_back(protocol == MockProtocol::kAnthropic ? "request-id" : "x-request-id",
                         request_id);
  if (fault && !reply_fault) return a;

  auto invalid = [&](const Status& status) {
    a.status = 400;
    a.body = internal::RenderError(protocol, "invalid_request_error", status.message(),
                                   status.detail("param").value_or(""));
    return a;
  };
  StatusOr<json::value> body = ParseJson(request.body());
  if (!body.ok()) return invalid(body.status().WithPrefix("the request body is not JSON"));
  if (protocol == MockProtocol::kAnthropic && request.find("anthropic-version") == request.end()) {
    return invalid(InvalidArgumentError(
        "anthropic-version: header is required (for example \"anthropic-version: 2023-06-01\")"));
  }
  StatusOr<internal::MockConversation> conversation =
      protocol == MockProtocol::kOpenAi ? internal::ParseChatCompletionsRequest(*body)
                                        : internal::ParseMessagesRequest(*body);
  if (!conversation.ok()) return invalid(conversation.status());

  internal::MockReply reply = internal::NextTurn(
      suite_, *conversation, {.solve_rate = options_.solve_rate, .seed = options_.seed});
  std::string call_id = "fault" + std::to_string(n);
  if (fault == MockFault::kUnknownTool) {
    reply = {
        "", internal::MockToolCall{call_id, UnknownToolName(*conversation), R"({"command":"id"})"}};
  } else if (fault == MockFault::kBadArguments) {
    if (!reply.tool_call) {
      std::string name =
          conversation->tool_names.empty() ? "bash" : conversation->tool_names.front();
      reply = {"", internal::MockToolCall{call_id, name, R"({"command":"id"})"}};
    }
    // Without its closing brace, the object never ends.
    reply.tool_call->arguments_json.pop_back();
  }
  std::string id =
      (protocol == MockProtocol::kOpenAi ? "chatcmpl-mock" : "msg_mock") + std::to_string(n);
  int64_t created = ToUnixMicros(clock_.Now()) / 1'000'000;
  a.fault = fault;
  const json::value* stream = body->as_object().if_contains("stream");
  if (stream != nullptr && stream->is_bool() && stream->get_bool()) {
    const json::value* include_usage = nullptr;
    if (const json::value* options = body->as_object().if_contains("stream_options");
        options != nullptr && options->is_object()) {
      include_usage = options->as_object().if_contains("include_usage");
    }
    a.content_type = "text/event-stream";
    a.body = internal::RenderStream(
        protocol, reply, *conversation, {id, created},
        include_usage != nullptr && include_usage->is_bool() && include_usage->get_bool());
  } else {
    a.body = internal::RenderReply(protocol, reply, *conversation, {id, created});
  }
  if (fault == MockFault::kTruncated) {
    a.body.resize(a.body.size() / 2);
    return a;
  }
  a.input_tokens = internal::InputTokens(*conversation);
  a.output_tokens = internal::OutputTokens(reply);
  return a;
}

MockModelServer::MockModelServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MockModelServer::~MockModelServer() { Stop(); }

StatusOr<std::unique_ptr<MockModelServer>> MockModelServer::Start(Suite suite,
                                                                  MockModelOptions options) {
  if (!(options.solve_rate >= 0 && options.solve_rate <= 1)) {
    return InvalidArgumentError("the solve rate must be from 0 to 1");
  }
  if (options.latency_ms < 0 || options.latency_ms > kMaxLatencyMs) {
    return InvalidArgumentError("the latency must be from 0 to " + std::to_string(kMaxLatencyMs) +
                                " ms");
  }
  double total = 0;
  for (const auto& [fault, rate] : options.fail_rate) {
    if (!(rate >= 0 && rate <= 1)) {
      return InvalidArgumentError("the fail rate of " + std::string(MockFaultName(fault)) +
                                  " must be from 0 to 1");
    }
    total += rate;
  }
  if (total > 1 + 1e-9) {
    return InvalidArgumentError("the fail rates add up to more than 1");
  }
  if (options.io_threads < 1 || options.io_threads > kMaxIoThreads) {
    return InvalidArgumentError("io_threads must be from 1 to " + std::to_string(kMaxIoThreads));
  }
  if (options.body_limit < 1024) {
    return InvalidArgumentError("the body limit must be at least 1024 bytes");
  }
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.host, ec);
  if (ec) {
    return InvalidArgumentError("the host must be an IP address such as 127.0.0.1, got \"" +
                                options.host + "\"");
  }
  auto impl = std::make_unique<Impl>(std::move(suite), std::move(options));
  BW_RETURN_IF_ERROR(impl->Listen(address));
  return std::unique_ptr<MockModelServer>(new MockModelServer(std::move(impl)));
}

uint16_t MockModelServer::port() const { return impl_->port(); }

std::string MockModelServer::base_url() const {
  std::string host = impl_->host();
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port());
}

MockModelStats MockModelServer::stats() const { return impl_->stats(); }

void MockModelServer::Stop() { impl_->Stop(); }

}  // namespace bulwark::evals
