#include "api/http_server.h"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/ids.h"
#include "base/json.h"
#include "base/log.h"
#include "base/time_format.h"

namespace bulwark::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// After an error response on a connection that may still hold unread request bytes, the server
// stops sending and reads (and discards) for a while before closing, so that the client sees the
// response instead of a reset.
constexpr Duration kLingerTimeout = Seconds(2);
constexpr size_t kLingerLimit = 1 << 20;
constexpr Duration kTlsShutdownTimeout = Seconds(1);
constexpr Duration kForceCloseGrace = Seconds(1);
constexpr size_t kReadChunk = 4096;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return std::string(known);
  }
  return "other";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return beast::iequals(a, b); }

bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos;
}

void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    Log(LogLevel::kWarning, "cannot raise the open file limit",
        {{"soft_limit", std::to_string(before)}});
  }
}

HttpResponse RunHandler(const Handler& handler, HttpRequest& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "handler threw an exception",
        {{"request_id", request.request_id}, {"error", e.what()}});
  } catch (...) {
    Log(LogLevel::kError, "handler threw an exception", {{"request_id", request.request_id}});
  }
  return ErrorResponse(InternalError("internal error"));
}

// A response's `after`, which must not take the server down.
void RunAfter(const std::function<void()>& after, const std::string& request_id) {
  try {
    after();
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "work after a response threw an exception",
        {{"request_id", request_id}, {"error", e.what()}});
  }
}

// A live connection as the server sees it, whatever its stream type.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // The server is draining: close the connection unless a request is being handled or answered.
  virtual void NotifyShutdown() = 0;
  // The drain timed out: close the connection now.
  virtual void ForceClose() = 0;
};

// Live sessions, so that Shutdown() can reach them and wait for them to go away.
class SessionRegistry {
 public:
  uint64_t Register(std::weak_ptr<SessionBase> session) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t id = ++next_id_;
    sessions_.emplace(id, std::move(session));
    return id;
  }

  void Unregister(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.erase(id);
    if (sessions_.empty()) empty_.notify_all();
  }

  std::vector<std::shared_ptr<SessionBase>> Live() {
    std::vector<std::shared_ptr<SessionBase>> live;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, weak] : sessions_) {
      if (std::shared_ptr<SessionBase> session = weak.lock()) live.push_back(std::move(session));
    }
    return live;
  }

  // True when every session went away within `timeout`.
  bool WaitUntilEmpty(Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return empty_.wait_for(lock, timeout, [&] { return sessions_.empty(); });
  }

 private:
  std::mutex mu_;
  std::condition_variable empty_;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions_;  // GUARDED_BY(mu_)
  uint64_t next_id_ = 0;                                               // GUARDED_BY(mu_)
};

// What every session shares with the server. Outlives all sessions.
struct ServerContext {
  ServerContext(HttpServerOptions server_options, const Router& server_router, Metrics& metrics)
      : options(std::move(server_options)),
        router(server_router),
        requests_total(metrics.Counter("bulwark_http_requests_total",
                                       "HTTP requests answered, by method, route and status.",
                                       {"method", "route", "status"})),
        request_duration(metrics.Histogram(
            "bulwark_http_request_duration_seconds",
            "Time from the end of a request's header to the end of its response, by route.",
            {"route"})),
        connections_open(
            metrics.Gauge("bulwark_http_connections_open", "HTTP connections currently open.")),
        requests_in_flight(metrics.Gauge("bulwark_http_requests_in_flight",
                                         "HTTP requests being handled or answered.")) {}

  const HttpServerOptions options;
  const Router& router;
  CounterFamily& requests_total;
  HistogramFamily& request_duration;
  GaugeFamily& connections_open;
  GaugeFamily& requests_in_flight;
  std::atomic<bool> stopping{false};
  std::atomic<bool> io_stopped{false};   // the I/O threads stopped: nothing posted will run
  asio::thread_pool* workers = nullptr;  // set by Start() before the first session
  asio::thread_pool* blocking_workers = nullptr;      // likewise; for Execution::kBlocking routes
  asio::thread_pool* long_running_workers = nullptr;  // for Execution::kLongRunning routes
  SessionRegistry sessions;
};

// One connection: reads requests, hands them to the worker pool, writes the responses, in order,
// on the connection's strand. Lives as long as some operation or queued handler holds it.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  template <class... StreamArgs>
  Session(ServerContext* server, std::string remote, StreamArgs&&... stream_args)
      : server_(server),
        remote_(std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...) {}

  ~Session() override {
    if (exchange_.in_flight) server_->requests_in_flight.Add({}, -1);
    server_->connections_open.Add({}, -1);
    server_->sessions.Unregister(id_);
  }

  void Start() {
    server_->connections_open.Add({}, 1);
    id_ = server_->sessions.Register(this->weak_from_this());
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->ReadRequest();
      }
    });
  }

  void NotifyShutdown() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      switch (self->phase_) {
        case Phase::kHandshake:
        case Phase::kWaiting:
        case Phase::kReadingHeader:
        case Phase::kLingering:
        case Phase::kClosing:
          self->Lowest().cancel();
          break;
        case Phase::kReadingBody:  // A request is arriving: answer it, then close.
        case Phase::kHandling:
        case Phase::kWriting:
          break;
      }
    });
  }

  void ForceClose() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->CloseSocket(); });
  }

 private:
  enum class Phase {
    kHandshake,
    kWaiting,  // for the first byte of a request
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kLingering,
    kClosing,
  };

  // What the access log and metrics record about the current request.
  struct Exchange {
    std::string method;
    std::string path;
    std::string route = "unmatched";
    std::string request_id;
    std::string user_agent;
    std::string principal;
    int status = 0;
    size_t bytes = 0;
    bool head = false;
    bool keep_alive = false;
    bool in_flight = false;
    std::chrono::steady_clock::time_point start;
  };

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    if constexpr (kTls) {
      phase_ = Phase::kHandshake;
      Lowest().expires_after(server_->options.header_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->CloseSocket();
                                self->handshake_done_ = true;
                                self->ReadRequest();
                              });
    }
  }

  void ReadRequest() {
    if (server_->stopping.load()) return Close();
    phase_ = Phase::kWaiting;
    exchange_ = Exchange();
    parser_.emplace();
    // The header is read under the largest limit of any route; once it names its route, the
    // body is held to that route's (OnHeader).
    body_limit_ = server_->options.body_limit;
    parser_->body_limit(std::max(body_limit_, server_->router.max_body_limit()));
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.header_limit));
    if (buffer_.size() > 0) return ReadHeader();  // The next request is already here.
    const HttpServerOptions& options = server_->options;
    Lowest().expires_after(first_request_ ? options.header_timeout : options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    phase_ = Phase::kReadingHeader;
    Lowest().expires_after(server_->options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    exchange_.start = std::chrono::steady_clock::now();
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return OnRequest();
    // A route that takes large bodies (an SBOM) raises the limit for its requests alone.
    body_limit_ = server_->options.body_limit;
    {
      const auto& header = parser_->get();
      std::string_view target(header.target().data(), header.target().size());
      target = target.substr(0, target.find('?'));
      const RouteMatch route = server_->router.Match(
          std::string_view(header.method_string().data(), header.method_string().size()), target);
      if (route.result == RouteMatch::Result::kFound && route.body_limit > body_limit_) {
        body_limit_ = route.body_limit;
      }
      parser_->body_limit(body_limit_);
      if (parser_->content_length() && *parser_->content_length() > body_limit_) {
        return OnReadError(http::error::body_limit);
      }
    }
    phase_ = Phase::kReadingBody;
    if (EqualsIgnoreCase(parser_->get()[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      Lowest().expires_after(server_->options.request_timeout);
      http::async_write(stream_, *continue_,
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    phase_ = Phase::kReadingBody;
    Lowest().expires_after(server_->options.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->OnRequest();
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      const size_t limit = std::max(body_limit_, server_->options.body_limit);
      return RespondAndClose(
          ErrorResponse(413, "resource_exhausted",
                        "request body exceeds the limit of " + std::to_string(limit) + " bytes",
                        {{"limit_bytes", std::to_string(limit)}}));
    }
    if (ec == http::error::header_limit) {
      return RespondAndClose(ErrorResponse(431, "resource_exhausted",
                                           "request header exceeds the limit of " +
                                               std::to_string(server_->options.header_limit) +
                                               " bytes"));
    }
    // Any other parse error is malformed HTTP; the connection closing, a timeout or a
    // cancellation just ends the connection.
    bool malformed = ec.category() == http::make_error_code(http::error::bad_method).category() &&
                     ec != http::error::end_of_stream && ec != http::error::partial_message;
    if (malformed) {
      return RespondAndClose(
          ErrorResponse(400, "invalid_argument", "malformed HTTP request: " + ec.message()));
    }
    Close();
  }

  // Answers a request that could not be read completely, then closes the connection.
  void RespondAndClose(HttpResponse response) {
    if (parser_->is_header_done()) {
      const http::request<http::string_body>& message = parser_->get();
      exchange_.method = std::string(message.method_string());
      std::string_view target = message.target();
      exchange_.path = std::string(target.substr(0, target.find_first_of("?#")));
      exchange_.user_agent = std::string(message[http::field::user_agent]);
    }
    exchange_.request_id = NewId("req", FastRandom());
    exchange_.keep_alive = false;
    linger_ = true;
    BeginInFlight();
    Write(std::move(response));
  }

  void BeginInFlight() {
    exchange_.in_flight = true;
    server_->requests_in_flight.Add({}, 1);
  }

  void OnRequest() {
    phase_ = Phase::kHandling;
    http::request<http::string_body>& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote_address = remote_;
    request.tls = kTls;
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    std::optional<std::string> client_id = request.Header("X-Request-Id");
    request.request_id =
        client_id && IsSaneRequestId(*client_id) ? *client_id : NewId("req", FastRandom());

    exchange_.method = request.method;
    exchange_.head = request.method == "HEAD";
    exchange_.keep_alive = message.keep_alive();
    exchange_.request_id = request.request_id;
    exchange_.user_agent = std::string(message[http::field::user_agent]);
    BeginInFlight();

    std::string_view target = request.target;
    std::string_view raw_path = target.substr(0, target.find_first_of("?#"));
    exchange_.path = std::string(raw_path);
    Status parsed = ParseTarget(target, &request.path, &request.query);
    if (!parsed.ok()) return Write(ErrorResponse(parsed));
    exchange_.path = request.path;

    RouteMatch match = server_->router.Match(request.method, raw_path);
    switch (match.result) {
      case RouteMatch::Result::kBadPath:
        return Write(ErrorResponse(InvalidArgumentError("malformed percent-escape in path")));
      case RouteMatch::Result::kNotFound:
        return Write(ErrorResponse(NotFoundError("no route for " + request.path)));
      case RouteMatch::Result::kMethodNotAllowed: {
        std::string allow;
        for (const std::string& m : match.allowed_methods) {
          allow += (allow.empty() ? "" : ", ") + m;
        }
        HttpResponse response = ErrorResponse(
            405, "method_not_allowed",
            "method " + request.method + " is not allowed on " + request.path, {{"allow", allow}});
        response.headers.emplace_back("Allow", allow);
        return Write(std::move(response));
      }
      case RouteMatch::Result::kFound:
        break;
    }
    exchange_.route = match.pattern;
    request.path_params = std::move(match.path_params);
    asio::thread_pool& pool = match.execution == Execution::kBlocking ? *server_->blocking_workers
                              : match.execution == Execution::kLongRunning
                                  ? *server_->long_running_workers
                                  : *server_->workers;
    asio::post(pool, [self = this->shared_from_this(), handler = match.handler,
                      request = std::move(request)]() mutable {
      HttpResponse response = RunHandler(*handler, request);
      std::function<void()> after = std::move(response.after);
      response.after = nullptr;
      if (response.stream && response.status >= 200 && response.status < 300 &&
          !self->exchange_.head) {
        self->StreamBody(std::move(response));  // on this thread, until it ends
      } else {
        response.stream = nullptr;
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->Write(std::move(response));
        });
      }
      if (after) RunAfter(after, request.request_id);
    });
  }

  // ---- streamed bodies ----
  //
  // The handler's thread drives the stream. The header is the first write, posted to the
  // connection's strand; each chunk after it is queued, and the strand writes what is queued as
  // soon as the write before it is done (what came meanwhile goes out together), so the handler
  // does not wait for the network unless kMaxQueuedBytes are queued.
  // The last chunk follows once the queue is empty. Meanwhile one read on the socket watches
  // for the client going away (or for its next request, which then waits in buffer_ until the
  // stream ends). A timer bounds each write, and the wait for the next request afterwards.
  static constexpr size_t kMaxQueuedBytes = size_t{1} << 20;

  // What the handler's thread and the strand share about one streamed body.
  struct StreamState {
    std::mutex mu;
    std::condition_variable cv;
    bool failed = false;            // GUARDED_BY(mu): a write failed, or the client went
    std::function<void()> on_gone;  // GUARDED_BY(mu)
    std::string queued;             // GUARDED_BY(mu): chunks not yet handed to the network
    bool writing = false;           // GUARDED_BY(mu): the strand is writing (or will write)
    bool ended = false;             // GUARDED_BY(mu): the handler is done; nothing more queued
  };

  class StreamWriter final : public BodyWriter {
   public:
    StreamWriter(std::shared_ptr<Session> session, std::shared_ptr<StreamState> state)
        : session_(std::move(session)), state_(std::move(state)) {}
    bool Write(std::string_view bytes) override {
      if (bytes.empty()) return !ClientGone();
      return session_->Queue(state_, bytes);
    }
    bool ClientGone() const override {
      std::lock_guard<std::mutex> lock(state_->mu);
      return state_->failed;
    }
    void OnClientGone(std::function<void()> fn) override {
      std::unique_lock<std::mutex> lock(state_->mu);
      if (state_->failed) {
        lock.unlock();
        fn();
        return;
      }
      state_->on_gone = std::move(fn);
    }

   private:
    std::shared_ptr<Session> session_;
    std::shared_ptr<StreamState> state_;
  };

  // Queues a chunk (on the handler's thread); false once the stream failed.
  bool Queue(const std::shared_ptr<StreamState>& state, std::string_view bytes) {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->failed && state->queued.size() >= kMaxQueuedBytes) {
      if (!state->cv.wait_for(
              lock, std::chrono::milliseconds(200),
              [&] { return state->failed || state->queued.size() < kMaxQueuedBytes; }) &&
          server_->io_stopped.load()) {
        state->failed = true;  // the server stopped: nothing will be written
      }
    }
    if (state->failed) return false;
    state->queued.append(bytes);
    if (!state->writing) {  // else what writes now (the header, or chunks) writes this next
      state->writing = true;
      asio::post(stream_.get_executor(),
                 [self = this->shared_from_this(), state] { self->WriteQueued(state); });
    }
    return true;
  }

  // Writes what is queued as one chunk (on the strand), then what was queued meanwhile.
  void WriteQueued(const std::shared_ptr<StreamState>& state) {
    auto data = std::make_shared<std::string>();
    bool idle = false, end = false;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      data->swap(state->queued);
      idle = state->failed || data->empty();
      if (idle) {
        state->writing = false;
        end = state->ended;
      }
    }
    state->cv.notify_all();  // room in the queue
    if (idle) {
      if (end) EndStream(state);
      return;
    }
    ArmStreamTimer(server_->options.request_timeout);
    asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                      [self = this->shared_from_this(), state, data](beast::error_code ec, size_t) {
                        self->stream_timer_->cancel();
                        if (ec) return self->WriteFailed(state);
                        self->exchange_.bytes += data->size();
                        self->WriteQueued(state);
                      });
  }

  // A write of the stream failed (on the strand): the stream fails for the handler, and ends
  // here when the handler is done already.
  void WriteFailed(const std::shared_ptr<StreamState>& state) {
    bool end = false;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->writing = false;
      end = state->ended;
    }
    FailStream(state);
    if (end) EndStream(state);
  }

  // Runs on the handler's thread: the header, the handler's chunks, the last chunk.
  void StreamBody(HttpResponse response) {
    auto state = std::make_shared<StreamState>();
    std::function<void(BodyWriter&)> body = std::move(response.stream);
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->writing = true;  // the header: chunks queue behind it
    }
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), state,
                head = std::make_shared<HttpResponse>(std::move(response))] {
                 self->WriteStreamHeader(state, std::move(*head));
               });
    StreamWriter writer(this->shared_from_this(), state);
    try {
      body(writer);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "streaming handler threw an exception",
          {{"request_id", exchange_.request_id}, {"error", e.what()}});
    }
    // What is queued goes out, then the last chunk (when the stream still stands), then the
    // next request or the close: on the strand, where the write in progress, if any, ends it.
    bool post = false;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      state->ended = true;
      if (!state->writing) {
        state->writing = true;
        post = true;
      }
    }
    if (post) {
      asio::post(stream_.get_executor(),
                 [self = this->shared_from_this(), state] { self->WriteQueued(state); });
    }
  }

  void WriteStreamHeader(const std::shared_ptr<StreamState>& state, HttpResponse response) {
    phase_ = Phase::kWriting;
    stream_keep_alive_ = exchange_.keep_alive && !server_->stopping.load();
    stream_response_.emplace();
    http::response<http::empty_body>& out = *stream_response_;
    out.version(11);
    out.result(static_cast<unsigned>(response.status));
    if (!response.content_type.empty()) out.set(http::field::content_type, response.content_type);
    out.set("X-Request-Id", exchange_.request_id);
    out.set("X-Content-Type-Options", "nosniff");
    bool has_cache_control = false;
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || HasLineBreakOrNul(name) || HasLineBreakOrNul(value)) continue;
      if (EqualsIgnoreCase(name, "Cache-Control")) has_cache_control = true;
      out.insert(name, value);
    }
    if (!has_cache_control) out.set(http::field::cache_control, "no-store");
    out.keep_alive(stream_keep_alive_);
    out.chunked(true);
    exchange_.status = response.status;
    exchange_.bytes = 0;
    exchange_.principal = std::move(response.principal);
    CountRequest();
    stream_serializer_.emplace(out);
    Lowest().expires_never();
    ArmStreamTimer(server_->options.request_timeout);
    http::async_write_header(
        stream_, *stream_serializer_,
        [self = this->shared_from_this(), state](beast::error_code ec, size_t) {
          self->stream_timer_->cancel();
          if (ec) return self->WriteFailed(state);
          self->WatchClient(state);
          self->WriteQueued(state);  // the chunks queued meanwhile
        });
  }

  // One read while the body streams: an error or end of file means the client went; bytes are
  // its next request, kept for when the stream ends.
  void WatchClient(const std::shared_ptr<StreamState>& state) {
    watching_ = true;
    stream_.async_read_some(buffer_.prepare(kReadChunk), [self = this->shared_from_this(), state](
                                                             beast::error_code ec, size_t n) {
      self->watching_ = false;
      if (ec) {
        self->client_closed_ = true;
        FailStream(state);
      } else {
        self->buffer_.commit(n);
      }
      if (self->stream_ended_) self->AfterStream();
    });
  }

  // A write failed or the client went: the stream fails for the handler, and whoever waits on
  // the client is told.
  static void FailStream(const std::shared_ptr<StreamState>& state) {
    std::function<void()> gone;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (state->failed) return;
      state->failed = true;
      gone = std::move(state->on_gone);
    }
    state->cv.notify_all();
    if (gone) gone();
  }

  void EndStream(const std::shared_ptr<StreamState>& state) {
    bool failed;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      failed = state->failed;
    }
    if (failed || client_closed_) {
      FailStream(state);
      Record();
      stream_serializer_.reset();
      stream_response_.reset();
      return CloseSocket();
    }
    ArmStreamTimer(server_->options.request_timeout);
    asio::async_write(stream_, http::make_chunk_last(),
                      [self = this->shared_from_this(), state](beast::error_code ec, size_t) {
                        self->stream_timer_->cancel();
                        if (ec) FailStream(state);
                        self->Record();
                        self->stream_serializer_.reset();
                        self->stream_response_.reset();
                        if (ec || !self->stream_keep_alive_) return self->CloseSocket();
                        self->first_request_ = false;
                        self->stream_ended_ = true;
                        if (self->watching_) {
                          // The watching read goes on as the wait for the next request.
                          self->phase_ = Phase::kWaiting;
                          self->ArmStreamTimer(self->server_->options.idle_timeout);
                          return;
                        }
                        self->AfterStream();
                      });
  }

  // After a streamed response: the next request (already in buffer_, or to be read), or the
  // close when the client went.
  void AfterStream() {
    stream_ended_ = false;
    if (stream_timer_) stream_timer_->cancel();
    if (client_closed_) return CloseSocket();
    ReadRequest();
  }

  void ArmStreamTimer(Duration timeout) {
    if (!stream_timer_) stream_timer_.emplace(stream_.get_executor());
    stream_timer_->expires_after(timeout);
    stream_timer_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->CloseSocket();  // a write or the wait for the next request took too long
    });
  }

  void Write(HttpResponse response) {
    phase_ = Phase::kWriting;
    bool keep_alive = exchange_.keep_alive && !server_->stopping.load();
    int status = response.status;
    if (status < 100 || status > 599) {
      Log(LogLevel::kError, "handler returned an invalid HTTP status",
          {{"request_id", exchange_.request_id}, {"status", std::to_string(status)}});
      response = ErrorResponse(InternalError("internal error"));
      status = response.status;
    }
    response_.emplace();
    http::response<http::string_body>& out = *response_;
    out.version(11);
    out.result(static_cast<unsigned>(status));
    bool bodiless = status < 200 || status == 204 || status == 304;
    if (!bodiless && !response.content_type.empty()) {
      out.set(http::field::content_type, response.content_type);
    }
    out.set("X-Request-Id", exchange_.request_id);
    out.set("X-Content-Type-Options", "nosniff");
    bool has_cache_control = false;
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || HasLineBreakOrNul(name) || HasLineBreakOrNul(value)) {
        Log(LogLevel::kError, "dropped a response header with a line break",
            {{"request_id", exchange_.request_id}, {"header", name}});
        continue;
      }
      if (EqualsIgnoreCase(name, "Cache-Control")) has_cache_control = true;
      out.insert(name, value);
    }
    if (!has_cache_control) out.set(http::field::cache_control, "no-store");
    out.keep_alive(keep_alive);
    size_t body_size = bodiless ? 0 : response.body.size();
    if (!bodiless) {
      out.content_length(body_size);
      if (!exchange_.head) out.body() = std::move(response.body);
    }
    exchange_.status = status;
    exchange_.bytes = exchange_.head ? 0 : body_size;
    exchange_.principal = std::move(response.principal);

    // Counted before the response leaves, so that a client which reads /metrics next sees
    // this request in it.
    CountRequest();
    Lowest().expires_after(server_->options.request_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->OnWritten(ec, keep_alive);
                      });
  }

  void OnWritten(beast::error_code ec, bool keep_alive) {
    Record();
    response_.reset();
    if (ec) return CloseSocket();
    if (!keep_alive) return linger_ ? Linger() : Close();
    first_request_ = false;
    ReadRequest();
  }

  // The request's count and duration (until its response is ready to go).
  void CountRequest() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange_.start).count();
    server_->requests_total.Increment(
        {MethodLabel(exchange_.method), exchange_.route, std::to_string(exchange_.status)});
    server_->request_duration.Observe({exchange_.route}, seconds);
  }

  // The access log line for the exchange just answered (its duration includes the write), and
  // the request no longer in flight.
  void Record() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - exchange_.start).count();
    std::string status = std::to_string(exchange_.status);
    if (exchange_.in_flight) {
      exchange_.in_flight = false;
      server_->requests_in_flight.Add({}, -1);
    }
    if (!server_->options.access_log) return;
    char duration_ms[32];
    std::snprintf(duration_ms, sizeof(duration_ms), "%.3f", seconds * 1000);
    std::string line =
        "{\"time\":" + JsonQuote(FormatRfc3339(SystemClock::Get().Now())) +
        ",\"msg\":\"http request\"" + ",\"request_id\":" + JsonQuote(exchange_.request_id) +
        ",\"remote\":" + JsonQuote(remote_) + ",\"method\":" + JsonQuote(exchange_.method) +
        ",\"path\":" + JsonQuote(exchange_.path) + ",\"route\":" + JsonQuote(exchange_.route) +
        ",\"status\":" + status + ",\"bytes\":" + std::to_string(exchange_.bytes) +
        ",\"duration_ms\":" + duration_ms + ",\"principal\":" + JsonQuote(exchange_.principal) +
        ",\"user_agent\":" + JsonQuote(exchange_.user_agent) +
        ",\"tls\":" + (kTls ? "true" : "false") + "}";
    LogAccessLine(std::move(line));
  }

  // Stops sending and discards what the client is still sending, for a bounded time, so that
  // it reads the error response before the connection closes.
  void Linger() {
    if constexpr (kTls) {
      return Close();
    } else {
      if (server_->stopping.load()) return CloseSocket();
      phase_ = Phase::kLingering;
      beast::error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Lowest().expires_after(kLingerTimeout);
      buffer_.clear();
      DiscardInput();
    }
  }

  void DiscardInput() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kLingerLimit) return self->CloseSocket();
                              self->DiscardInput();
                            });
  }

  // Ends the connection: a TLS close_notify exchange first when it makes sense.
  void Close() {
    phase_ = Phase::kClosing;
    if constexpr (kTls) {
      if (handshake_done_ && !server_->stopping.load()) {
        Lowest().expires_after(kTlsShutdownTimeout);
        stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->CloseSocket(); });
        return;
      }
    }
    CloseSocket();
  }

  void CloseSocket() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().close();
  }

  ServerContext* server_;
  const std::string remote_;
  Stream stream_;
  uint64_t id_ = 0;
  Phase phase_ = Phase::kWaiting;
  bool first_request_ = true;
  size_t body_limit_ = 0;  // the request's: the server's, or its route's when larger
  bool handshake_done_ = false;
  bool linger_ = false;
  size_t lingered_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  Exchange exchange_;
  // A streamed response (see StreamBody), used on the strand.
  std::optional<http::response<http::empty_body>> stream_response_;
  std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
  std::optional<asio::steady_timer> stream_timer_;
  bool stream_keep_alive_ = false;
  bool watching_ = false;       // the client-watching read is outstanding
  bool stream_ended_ = false;   // the last chunk went; the watching read decides what is next
  bool client_closed_ = false;  // the watching read saw the connection end
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Router& router, Metrics& metrics)
      : context_(std::move(options), router, metrics),
        options_(context_.options),
        io_context_(std::max(1, options_.io_threads)),
        accept_strand_(asio::make_strand(io_context_)) {}

  ~Impl() { Shutdown(); }

  Status Start();
  uint16_t port() const { return port_; }
  void Shutdown();
  void Wait();
  void RunUntilSignal();

 private:
  enum class State { kNew, kRunning, kStopping, kStopped };

  Status LoadTls();
  Status Listen();
  void RunIo();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void StartSession(tcp::socket socket);
  std::string ListenAddress() const;

  // First, so that it outlives the sessions destroyed with the io_context and worker pool.
  ServerContext context_;
  const HttpServerOptions& options_;

  std::mutex state_mu_;
  std::condition_variable state_cv_;
  State state_ = State::kNew;  // GUARDED_BY(state_mu_)
  int signal_ = 0;             // GUARDED_BY(state_mu_)
  uint16_t port_ = 0;

  std::optional<ssl::context> ssl_context_;
  std::optional<asio::thread_pool> workers_;
  std::optional<asio::thread_pool> blocking_workers_;
  std::optional<asio::thread_pool> long_running_workers_;
  asio::io_context io_context_;
  asio::strand<asio::io_context::executor_type> accept_strand_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;           // used on accept_strand_
  std::optional<asio::steady_timer> accept_retry_;  // used on accept_strand_
  std::vector<std::thread> io_threads_;
};

std::string HttpServer::Impl::ListenAddress() const {
  bool v6 = options_.address.find(':') != std::string::npos;
  std::string host = v6 ? "[" + options_.address + "]" : options_.address;
  return host + ":" + std::to_string(port_ != 0 ? port_ : options_.port);
}

Status HttpServer::Impl::LoadTls() {
  const std::string& cert = options_.tls_cert_file;
  const std::string& key = options_.tls_key_file;
  ssl_context_.emplace(ssl::context::tls_server);
  ssl_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
  beast::error_code ec;
  ssl_context_->use_certificate_chain_file(cert, ec);
  if (ec) {
    ssl_context_.reset();
    return InvalidArgumentError("cannot load the TLS certificate chain from \"" + cert +
                                "\": " + ec.message());
  }
  ssl_context_->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    ssl_context_.reset();
    return InvalidArgumentError("cannot load the TLS private key from \"" + key +
                                "\": " + ec.message());
  }
  if (SSL_CTX_check_private_key(ssl_context_->native_handle()) != 1) {
    ssl_context_.reset();
    return InvalidArgumentError("the TLS private key in \"" + key +
                                "\" does not match the certificate in \"" + cert + "\"");
  }
  return OkStatus();
}

Status HttpServer::Impl::Listen() {
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return InvalidArgumentError("bad listen address \"" + options_.address +
                                "\": expected an IPv4 or IPv6 address");
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.emplace(accept_strand_);
  auto fail = [&](std::string_view what) {
    std::string message = std::string(what) + " " + ListenAddress() + ": " + ec.message();
    acceptor_.reset();
    if (ec == asio::error::address_in_use) {
      return Status(StatusCode::kUnavailable, "address " + ListenAddress() + " is already in use");
    }
    if (ec == std::errc::address_not_available || ec == asio::error::access_denied) {
      return InvalidArgumentError(message);
    }
    return UnavailableError(message);
  };
  acceptor_->open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open a socket for");
  acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("cannot set SO_REUSEADDR for");
  acceptor_->bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  port_ = acceptor_->local_endpoint(ec).port();
  if (ec) return fail("cannot read the bound port of");
  return OkStatus();
}

Status HttpServer::Impl::Start() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (state_ != State::kNew)
      return FailedPreconditionError("the HTTP server was already started");
  }
  if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
    return InvalidArgumentError("tls_cert_file and tls_key_file must be set together");
  }
  if (options_.io_threads < 1 || options_.worker_threads < 1 || options_.blocking_threads < 1) {
    return InvalidArgumentError(
        "io_threads, worker_threads and blocking_threads must be at least 1");
  }
  try {
    RaiseFileLimit();
    if (!options_.tls_cert_file.empty()) BW_RETURN_IF_ERROR(LoadTls());
    BW_RETURN_IF_ERROR(Listen());
    work_.emplace(io_context_.get_executor());
    workers_.emplace(static_cast<size_t>(options_.worker_threads));
    context_.workers = &*workers_;
    blocking_workers_.emplace(static_cast<size_t>(options_.blocking_threads));
    context_.blocking_workers = &*blocking_workers_;
    long_running_workers_.emplace(static_cast<size_t>(std::max(1, options_.long_running_threads)));
    context_.long_running_workers = &*long_running_workers_;
    for (int i = 0; i < options_.io_threads; ++i) io_threads_.emplace_back([this] { RunIo(); });
    asio::post(accept_strand_, [this] { DoAccept(); });
  } catch (const std::exception& e) {
    return InternalError(std::string("cannot start the HTTP server: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    state_ = State::kRunning;
  }
  Log(LogLevel::kInfo, "server listening",
      {{"address", ListenAddress()}, {"tls", ssl_context_ ? "true" : "false"}});
  return OkStatus();
}

void HttpServer::Impl::RunIo() {
  while (true) {
    try {
      io_context_.run();
      return;
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "exception on an I/O thread", {{"error", e.what()}});
    }
  }
}

void HttpServer::Impl::DoAccept() {
  acceptor_->async_accept(
      asio::make_strand(io_context_),
      asio::bind_executor(accept_strand_, [this](beast::error_code ec, tcp::socket socket) {
        OnAccept(ec, std::move(socket));
      }));
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (context_.stopping || !acceptor_->is_open()) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    Log(LogLevel::kWarning, "accept failed", {{"error", ec.message()}});
    // Out of descriptors or memory: back off instead of spinning on the same error.
    accept_retry_.emplace(io_context_);
    accept_retry_->expires_after(kAcceptRetryDelay);
    accept_retry_->async_wait(asio::bind_executor(accept_strand_, [this](beast::error_code ec) {
      if (!ec && !context_.stopping) DoAccept();
    }));
    return;
  }
  StartSession(std::move(socket));
  DoAccept();
}

void HttpServer::Impl::StartSession(tcp::socket socket) {
  beast::error_code ec;
  tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // Already gone.
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote = peer.address().to_string();
  if (ssl_context_) {
    std::make_shared<Session<ssl::stream<beast::tcp_stream>>>(&context_, std::move(remote),
                                                              std::move(socket), *ssl_context_)
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(&context_, std::move(remote), std::move(socket))
        ->Start();
  }
}

void HttpServer::Impl::Shutdown() {
  {
    std::unique_lock<std::mutex> lock(state_mu_);
    if (state_ == State::kNew) {
      state_ = State::kStopped;
      state_cv_.notify_all();
      return;
    }
    if (state_ != State::kRunning) {
      state_cv_.wait(lock, [&] { return state_ == State::kStopped; });
      return;
    }
    state_ = State::kStopping;
    state_cv_.notify_all();
  }
  Log(LogLevel::kInfo, "shutting down", {{"address", ListenAddress()}});
  context_.stopping = true;

  // Close the acceptor on its strand and wait: no connection is accepted after this.
  std::promise<void> closed;
  asio::post(accept_strand_, [this, &closed] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    if (accept_retry_) accept_retry_->cancel();
    closed.set_value();
  });
  closed.get_future().wait();

  for (const std::shared_ptr<SessionBase>& session : context_.sessions.Live()) {
    session->NotifyShutdown();
  }
  if (!context_.sessions.WaitUntilEmpty(options_.drain_timeout)) {
    std::vector<std::shared_ptr<SessionBase>> remaining = context_.sessions.Live();
    Log(LogLevel::kWarning, "drain timeout; closing remaining connections",
        {{"connections", std::to_string(remaining.size())}});
    for (const std::shared_ptr<SessionBase>& session : remaining) session->ForceClose();
    remaining.clear();
    // Let the I/O threads carry out the closes before they stop; sessions whose handler is still
    // running stay registered until it returns, so this wait may run out.
    context_.sessions.WaitUntilEmpty(kForceCloseGrace);
  }

  work_.reset();
  context_.io_stopped = true;  // streaming handlers waiting on a write give up
  io_context_.stop();
  for (std::thread& thread : io_threads_) thread.join();
  io_threads_.clear();
  // Handlers still running finish here; what they post back is discarded with the io_context.
  workers_->join();
  blocking_workers_->join();
  long_running_workers_->join();
  Log(LogLevel::kInfo, "stopped", {{"address", ListenAddress()}});
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    state_ = State::kStopped;
    state_cv_.notify_all();
  }
}

void HttpServer::Impl::Wait() {
  std::unique_lock<std::mutex> lock(state_mu_);
  state_cv_.wait(lock, [&] { return state_ == State::kNew || state_ == State::kStopped; });
}

void HttpServer::Impl::RunUntilSignal() {
  bool running;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    running = state_ == State::kRunning;
  }
  if (!running) return Wait();
  asio::signal_set signals(io_context_, SIGINT, SIGTERM);
  signals.async_wait([this](beast::error_code ec, int signal_number) {
    if (ec) return;
    std::lock_guard<std::mutex> lock(state_mu_);
    signal_ = signal_number;
    state_cv_.notify_all();
  });
  int signal_number;
  {
    std::unique_lock<std::mutex> lock(state_mu_);
    state_cv_.wait(lock, [&] { return signal_ != 0 || state_ != State::kRunning; });
    signal_number = signal_;
  }
  if (signal_number != 0) {
    Log(LogLevel::kInfo, "signal received",
        {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  }
  Shutdown();
  // `signals` is destroyed only now, with the I/O threads stopped.
}

HttpServer::HttpServer(HttpServerOptions options, Router& router, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Shutdown() { impl_->Shutdown(); }
void HttpServer::Wait() { impl_->Wait(); }
void HttpServer::RunUntilSignal() { impl_->RunUntilSignal(); }

}  // namespace bulwark::api
