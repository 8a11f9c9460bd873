// HttpClient: a blocking HTTP/1.1 client for one origin (scheme, host and port), as the model
// providers use it to talk to a model's API and the model gateway to forward to a lab's.
//
// Connections are kept alive and pooled: a call takes an idle connection (or opens one),
// sends one request, reads the whole reply, and gives the connection back when the server lets
// it stay open. At most `max_idle_connections` are kept idle; a provider sets this to its
// concurrency so that every thread of a run finds a warm connection. A pooled connection the
// server closed while it sat idle is noticed before use, and a request that fails on a reused
// connection before any byte of the reply arrived is sent once more on a fresh one (the server
// closed the connection without reading the request).
//
// https verifies the server's certificate against the system's trust store (or `ca_file`) and
// its host name. The timeout covers connecting, the TLS handshake, writing the request and
// reading the reply, together; resolving a host name (never done for IP literals) is left to
// the system resolver and its own timeouts. A reply larger than `max_response_bytes` is refused.
//
// Errors are Status codes: DeadlineExceeded (the timeout passed), ResourceExhausted (the reply
// is over the size limit), Unavailable (DNS, connect, TLS, a reset or a connection closed
// before the reply was complete), InvalidArgument (a URL that is not http:// or https://).
//
// Send is Post with the reply's body read as it arrives (StreamedReply::Next), for server-sent
// events: the timeout then covers everything up to the reply's header, and again each wait for
// the next bytes of the body. Cancel, from any thread, ends the exchange at once (the client
// went away); the connection is then closed rather than reused.
//
// Thread-safety: Post and Send may be called from many threads at once; each call uses a
// connection of its own, and the pool's lock is never held during I/O.
//
//   BW_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl("http://127.0.0.1:8000/v1"));
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, HttpClient::Create(url, {}));
//   BW_ASSIGN_OR_RETURN(HttpResponse reply,
//                       client->Post({.target = url.path + "/models", .body = "{}"}));
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace bulwark::net {

struct HttpUrl {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 0;
  std::string path;  // no trailing "/": "" for the root, "/v1"
};

// Parses http://HOST[:PORT][/PATH] or https://...; IPv6 literals are written [::1]. Query
// strings, fragments and user information are refused: an API root has none.
StatusOr<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpRequest {
  std::string target;  // "/v1/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as application/json
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names as the server sent them
  std::string body;
  // Requests sent to get this reply: 2 when a stale pooled connection had to be replaced.
  int requests_sent = 1;

  // The value of the first header called `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpClientOptions {
  double timeout_s = 300;
  std::string user_agent = "bulwark";
  int64_t max_response_bytes = int64_t{64} << 20;
  int max_idle_connections = 16;
  std::string ca_file;  // PEM file of trusted CAs for https; "" uses the system's store
};

class HttpClient;

// A reply whose body is read as it arrives. Destroying it before the end of the body closes
// the connection; after the end, a kept-alive connection goes back to the pool.
class StreamedReply {
 public:
  ~StreamedReply();
  StreamedReply(const StreamedReply&) = delete;
  StreamedReply& operator=(const StreamedReply&) = delete;

  int status() const { return status_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }
  std::optional<std::string_view> Header(std::string_view name) const;

  // The next bytes of the body as they arrived, or nullopt at its end. Errors:
  // DeadlineExceeded (nothing arrived within the timeout), Unavailable (the connection broke),
  // Cancelled (after Cancel), ResourceExhausted (over the size limit).
  StatusOr<std::optional<std::string>> Next();

  // Ends the exchange from any thread: a Next in progress or to come returns Cancelled.
  void Cancel();

 private:
  friend class HttpClient;
  struct State;
  explicit StreamedReply(HttpClient& client);

  HttpClient& client_;
  std::unique_ptr<State> state_;
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
};

class HttpClient {
 public:
  // InvalidArgument for an unusable option (a timeout not above 0, a CA file that cannot be
  // read).
  static StatusOr<std::unique_ptr<HttpClient>> Create(const HttpUrl& origin,
                                                      const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends a POST and returns the reply, whatever its status code. An error after a stale
  // pooled connection was replaced carries the detail {"requests_sent", "2"}.
  StatusOr<HttpResponse> Post(const HttpRequest& request);

  // Sends a POST and returns once the reply's header arrived; its body is read with Next.
  StatusOr<std::unique_ptr<StreamedReply>> Send(const HttpRequest& request);

  // Connections opened since creation (for tests and diagnostics).
  int64_t connections_opened() const { return connections_opened_.load(); }

 private:
  friend class StreamedReply;
  class Connection;
  struct TlsContext;
  HttpClient(const HttpUrl& origin, const HttpClientOptions& options);

  // An idle connection that still looks open, or nullptr.
  std::unique_ptr<Connection> TakeIdle();
  void GiveBack(std::unique_ptr<Connection> connection);
  StatusOr<std::unique_ptr<Connection>> Open(std::chrono::steady_clock::time_point deadline);
  std::chrono::steady_clock::time_point Deadline() const;

  const HttpUrl origin_;
  const HttpClientOptions options_;
  std::string host_header_;
  std::unique_ptr<TlsContext> tls_;  // https only
  std::atomic<int64_t> connections_opened_{0};

  std::mutex idle_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(idle_mu_)
};

}  // namespace bulwark::net
