// MockModelServer: a built-in model that speaks both model APIs, for tests, demos and benchmarks
// of the harness without a real model behind it.
//
// It serves OpenAI-compatible Chat Completions (POST /v1/chat/completions and
// /chat/completions) with tool calls and Anthropic Messages (POST /v1/messages) with tool use,
// validating requests as strictly as the public APIs do (a 400 in the protocol's error format,
// naming what is wrong), so that the harness's providers and this server check each other: the
// two share no code. It knows a Suite and plays its tasks:
//
//   - The conversation's task is the one whose prompt appears in the first user message (the
//     longest such prompt), or, when a sample marker "[sample: TASK#EPOCH]" names a task whose
//     prompt is there, that task (public task sets give several tasks one prompt); a
//     conversation about no known task gets a polite text and stop.
//   - An agent task replays the task's reference solution as tool calls, one step per assistant
//     turn: the reply to a conversation holding i assistant turns is step i, a call of `bash`
//     ({"command"}), `python` ({"code"}) or `submit` ({"answer"}); when the request does not
//     offer that tool, the reply is a text saying so. A task without a solution but with a flag
//     is solved by submitting the flag. Once the steps run out, a final text and stop.
//   - A single-turn task is answered with its flag as text (the last submitted answer of its
//     solution when it has no flag).
//   - A sample is solved iff a hash of (task id, sample marker, seed) falls below `solve_rate`;
//     an unsolved agent sample submits kMockWrongAnswer at once, an unsolved single-turn sample
//     answers it. The sample marker is the ID of a line "[sample: ID]" in the system message or
//     the first user message, so the epochs of one task can differ; without one, the task id
//     alone decides.
//   - Usage: input tokens are the request's text bytes / 4, output tokens the reply's, rounded
//     up (a deterministic estimate, not a tokenizer).
//   - Faults, for the harness's error handling: a request may be answered with a 429
//     (Retry-After: 0), a 500, an overload (529 on Anthropic, 503 on OpenAI), a 200 whose body is
//     not JSON, a 200 whose JSON is cut short, a 200 whose body is an error, a call of a tool the
//     request did not offer, or a call whose arguments are not valid JSON (on Anthropic, whose
//     `input` must be an object, the arguments come as a JSON string instead). The first
//     requests take `first_faults` in order; after them request n (counted from 0 over both
//     APIs) takes a fault by a hash of (seed, n) against `fail_rate`, so a run's faults are the
//     same whatever the order requests arrive in.
//   - A request with "stream": true gets the same reply as server-sent events, as each API
//     streams it (OpenAI's chunks end with "data: [DONE]" and carry the usage when
//     stream_options.include_usage asks for it; Anthropic's events carry it in message_start
//     and message_delta), written at once.
//   - GET /healthz answers "ok"; GET /stats the counters of stats() as JSON.
//
// Requests wait `latency_ms` before their reply on a timer, not a thread, so a few I/O threads
// serve hundreds of concurrent keep-alive connections. No API key is checked.
//
// Thread-safety: every method may be called from any thread. The destructor stops the server.
//
//   Suite suite{.name = "demo", .tasks = {task}};
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<MockModelServer> mock,
//                       MockModelServer::Start(suite, {.solve_rate = 0.5, .latency_ms = 200}));
//   ProviderConfig config{.protocol = Protocol::kAnthropic, .base_url = mock->base_url(),
//                         .model = "mock"};
//   ...
//   EXPECT_EQ(mock->stats().anthropic.requests, 10);
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "evals/task.h"

namespace bulwark::evals {

// What an unsolved sample submits or answers.
inline constexpr std::string_view kMockWrongAnswer = "FLAG{wrong}";

// A way a reply can fail.
enum class MockFault {
  kRateLimited,   // 429, Retry-After: 0
  kServerError,   // 500
  kOverloaded,    // 529 (Anthropic), 503 (OpenAI)
  kGarbage,       // 200, a body that is not JSON
  kTruncated,     // 200, the reply's JSON cut in half
  kErrorBody,     // 200, an error object as the body
  kUnknownTool,   // a call of a tool the request does not offer
  kBadArguments,  // a tool call whose arguments are not valid JSON
};

// Every fault, in the order fail_rate's shares are laid out on [0, 1).
inline constexpr std::array<MockFault, 8> kMockFaults = {
    MockFault::kRateLimited, MockFault::kServerError, MockFault::kOverloaded,
    MockFault::kGarbage,     MockFault::kTruncated,   MockFault::kErrorBody,
    MockFault::kUnknownTool, MockFault::kBadArguments};

// "rate_limit", "server_error", "overloaded", "garbage", "truncated", "error_body",
// "unknown_tool", "bad_arguments".
std::string_view MockFaultName(MockFault fault);
// The fault of a name above, or nullopt.
std::optional<MockFault> ParseMockFault(std::string_view name);

struct MockModelOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see port()
  // The share of samples solved, in [0, 1].
  double solve_rate = 1;
  // Added before every model reply; other requests do not wait for it.
  int latency_ms = 0;
  // Varies which samples are solved and which requests fail.
  uint64_t seed = 0;
  // The share of model requests answered with each fault; the shares sum to at most 1.
  std::map<MockFault, double> fail_rate;
  // The first model requests, one each in this order, fail so; fail_rate applies after them.
  std::vector<MockFault> first_faults;
  int io_threads = 2;
  size_t body_limit = 16 << 20;  // bytes; a larger request gets 413
  // For replies' `created`; nullptr is the system clock. Must outlive the server.
  const Clock* clock = nullptr;
};

struct MockModelStats {
  struct Endpoint {
    int64_t requests = 0;              // answered, whatever the status
    std::map<int, int64_t> by_status;  // HTTP status -> requests
  };
  Endpoint openai;                      // Chat Completions
  Endpoint anthropic;                   // Messages
  Endpoint other;                       // /healthz, /stats, unknown paths, unreadable HTTP
  std::map<MockFault, int64_t> faults;  // faults served, by kind
  int64_t input_tokens = 0;             // usage reported in 200 replies, summed
  int64_t output_tokens = 0;
  // The most requests read and not yet answered at one time (latency waits included).
  int64_t peak_in_flight = 0;
};

class MockModelServer {
 public:
  // Binds host:port and starts serving. Errors: InvalidArgument for options out of range or a
  // host that is not an IP address, Unavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<MockModelServer>> Start(Suite suite, MockModelOptions options);
  ~MockModelServer();
  MockModelServer(const MockModelServer&) = delete;
  MockModelServer& operator=(const MockModelServer&) = delete;

  // The port bound (the one chosen when options.port was 0).
  uint16_t port() const;
  // "http://HOST:PORT": the base URL for either protocol (so is BASE/v1).
  std::string base_url() const;
  MockModelStats stats() const;
  // Stops accepting and closes every connection, requests in flight included. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit MockModelServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::evals
