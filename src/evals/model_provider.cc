#include "evals/model_provider.h"

#include <charconv>
#include <chrono>
#include <functional>
#include <thread>

#include "base/clock.h"
#include "base/random.h"
#include "evals/internal/retry_policy.h"
#include "evals/internal/wire_protocol.h"
#include "net/http_client.h"

namespace bulwark::evals {
namespace {

using internal::AdaptiveLimiter;
using internal::WireProtocol;
using net::HttpClient;
using net::HttpRequest;
using net::HttpResponse;

// Real replies stay far below this; the cap keeps a broken or hostile server from taking the
// memory of the machine.
constexpr int64_t kMaxResponseBytes = int64_t{64} << 20;

// Holds one of the limiter's slots for the length of a request.
class Slot {
 public:
  explicit Slot(AdaptiveLimiter& limiter) : limiter_(limiter) { limiter_.Acquire(); }
  ~Slot() { limiter_.Release(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  AdaptiveLimiter& limiter_;
};

class HttpModelProvider final : public ModelProvider {
 public:
  HttpModelProvider(const ProviderConfig& config, std::unique_ptr<WireProtocol> wire,
                    std::unique_ptr<HttpClient> client, std::function<void(double)> sleep)
      : config_(config),
        wire_(std::move(wire)),
        client_(std::move(client)),
        sleep_(std::move(sleep)),
        limiter_(config.max_concurrency, SystemClock::Get()) {}

  ModelOutcome Complete(const ModelRequest& request) override {
    auto start = std::chrono::steady_clock::now();
    ModelOutcome outcome;
    StatusOr<HttpRequest> http_request = wire_->BuildRequest(request);
    if (!http_request.ok()) {
      outcome.failure = {FailureKind::kBadRequest, http_request.status().message(), 0};
    } else {
      Run(*http_request, outcome);
    }
    outcome.failure.message = Redacted(std::move(outcome.failure.message));
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return outcome;
  }

  int concurrency_limit() const override { return limiter_.limit(); }

 private:
  // Sends the request until it succeeds, fails for good, or runs out of retries.
  void Run(const HttpRequest& http_request, ModelOutcome& outcome) {
    for (int retry = 0;; ++retry) {
      std::optional<double> retry_after;
      ProviderFailure failure;
      StatusOr<HttpResponse> response = [&] {
        Slot slot(limiter_);
        return client_->Post(http_request);
      }();
      if (!response.ok()) {
        int sent = 1;
        if (std::optional<std::string> detail = response.status().detail("requests_sent")) {
          std::from_chars(detail->data(), detail->data() + detail->size(), sent);
        }
        outcome.attempts += sent;
        failure.kind = TransportFailureKind(response.status().code());
        failure.message = response.status().message();
      } else {
        outcome.attempts += response->requests_sent;
        failure.http_status = response->status;
        if (response->status >= 200 && response->status < 300) {
          StatusOr<ModelReply> reply = wire_->ParseReply(response->body);
          if (reply.ok()) {
            limiter_.OnSuccess();
            outcome.reply = std::move(reply).value();
            outcome.failure = {};
            return;
          }
          failure.kind = FailureKind::kMalformed;
          failure.message = reply.status().message();
        } else {
          failure.kind = internal::FailureKindOfStatus(response->status);
          failure.message = "HTTP " + std::to_string(response->status) + ": " +
                            internal::DescribeErrorBody(response->body);
          if (failure.kind == FailureKind::kRateLimited) limiter_.OnRateLimited();
          if (std::optional<std::string_view> value = response->Header("retry-after")) {
            retry_after = internal::ParseRetryAfter(*value);
          }
        }
      }
      if (!internal::IsRetryable(failure.kind) || retry >= config_.max_retries) {
        if (outcome.attempts > 1) {
          failure.message += " (after " + std::to_string(outcome.attempts) + " attempts)";
        }
        outcome.failure = std::move(failure);
        return;
      }
      double wait_s = internal::BackoffSeconds(retry + 1, config_.initial_backoff_s,
                                               config_.max_backoff_s, retry_after, FastRandom());
      sleep_(wait_s);
    }
  }

  static FailureKind TransportFailureKind(StatusCode code) {
    switch (code) {
      case StatusCode::kDeadlineExceeded:
        return FailureKind::kTimeout;
      case StatusCode::kResourceExhausted:  // a reply over the size limit
        return FailureKind::kMalformed;
      default:
        return FailureKind::kTransport;
    }
  }

  // Servers quote a wrong key back in their error messages; it must not reach logs or reports.
  std::string Redacted(std::string message) const {
    if (config_.api_key.empty()) return message;
    constexpr std::string_view kMask = "[redacted]";
    for (size_t at = message.find(config_.api_key); at != std::string::npos;
         at = message.find(config_.api_key, at + kMask.size())) {
      message.replace(at, config_.api_key.size(), kMask);
    }
    return message;
  }

  const ProviderConfig config_;
  const std::unique_ptr<WireProtocol> wire_;
  const std::unique_ptr<HttpClient> client_;
  const std::function<void(double)> sleep_;
  AdaptiveLimiter limiter_;
};

StatusOr<std::unique_ptr<ModelProvider>> MakeProvider(const ProviderConfig& config,
                                                      std::function<void(double)> sleep) {
  if (config.model.empty()) return InvalidArgumentError("the provider needs a model name");
  StatusOr<net::HttpUrl> url = net::ParseHttpUrl(config.base_url);
  if (!url.ok()) return url.status().WithPrefix("base_url");
  for (unsigned char c : config.api_key) {
    // The key goes into a header: a line break would end it and start another.
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgumentError("the API key contains a line break or a control character");
    }
  }
  if (config.max_retries < 0) return InvalidArgumentError("max_retries must not be negative");
  if (config.max_concurrency < 1) return InvalidArgumentError("max_concurrency must be at least 1");
  if (!(config.initial_backoff_s >= 0) || !(config.max_backoff_s >= 0)) {
    return InvalidArgumentError("the backoff times must not be negative");
  }
  net::HttpClientOptions options{.timeout_s = config.request_timeout_s,
                                 .max_response_bytes = kMaxResponseBytes,
                                 .max_idle_connections = config.max_concurrency,
                                 .ca_file = config.ca_file};
  BW_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, HttpClient::Create(*url, options));
  std::unique_ptr<WireProtocol> wire;
  switch (config.protocol) {
    case Protocol::kOpenAi:
      wire = internal::NewOpenAiProtocol(url->path, config.model, config.api_key);
      break;
    case Protocol::kAnthropic:
      wire = internal::NewAnthropicProtocol(url->path, config.model, config.api_key);
      break;
  }
  if (wire == nullptr) return InvalidArgumentError("the provider's protocol is not one we speak");
  return std::unique_ptr<ModelProvider>(std::make_unique<HttpModelProvider>(
      config, std::move(wire), std::move(client), std::move(sleep)));
}

}  // namespace

std::string_view FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kNone:
      return "none";
    case FailureKind::kTransport:
      return "transport";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kRateLimited:
      return "rate_limited";
    case FailureKind::kServerError:
      return "server_error";
    case FailureKind::kAuth:
      return "auth";
    case FailureKind::kBadRequest:
      return "bad_request";
    case FailureKind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

StatusOr<std::unique_ptr<ModelProvider>> NewModelProvider(const ProviderConfig& config) {
  return MakeProvider(config, [](double seconds) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  });
}

StatusOr<std::unique_ptr<ModelProvider>> internal::NewModelProviderForTest(
    const ProviderConfig& config, std::function<void(double)> sleep) {
  return MakeProvider(config, std::move(sleep));
}

}  // namespace bulwark::evals
