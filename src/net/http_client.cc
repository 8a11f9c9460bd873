#include "net/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <mutex>

namespace bulwark::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

// Reply headers of real APIs stay within a few KiB; the limit only stops a hostile server from
// growing the header block without end.
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Runs one asynchronous operation on `io` to completion. The operation's own expiry (set on
// the stream) bounds how long this takes.
template <typename Start>
beast::error_code RunOne(asio::io_context& io, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

StatusOr<HttpUrl> ParseHttpUrl(std::string_view url) {
  auto refuse = [&](std::string_view why) {
    return InvalidArgumentError("the URL '" + std::string(url) + "' " + std::string(why));
  };
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return refuse("contains a space or a control character");
  }
  HttpUrl parsed;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
    parsed.port = 80;
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    parsed.tls = true;
    parsed.port = 443;
  } else {
    return refuse("must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return refuse("must not have a query or a fragment");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return refuse("must not carry user information; the API key goes in the configuration");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return refuse("has an unterminated IPv6 address");
    parsed.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return refuse("has text after its IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return refuse("has an empty port");
    }
  } else {
    size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return refuse("has an empty port");
    }
  }
  if (parsed.host.empty()) return refuse("has no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return refuse("has a port that is not a number from 1 to 65535");
    }
    parsed.port = static_cast<uint16_t>(port);
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  parsed.path = std::string(path);
  return parsed;
}

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

struct HttpClient::TlsContext {
  ssl::context context{ssl::context::tls_client};
};

// One connection with the io_context that drives it: each connection is used by one thread at
// a time, so its operations run on the calling thread and never wait for another's.
class HttpClient::Connection {
 public:
  explicit Connection(ssl::context* tls) {
    if (tls != nullptr) {
      secure_.emplace(io_, *tls);
    } else {
      plain_.emplace(io_);
    }
  }

  beast::tcp_stream& tcp() { return secure_ ? secure_->next_layer() : *plain_; }

  // Connects (and shakes hands, for https) before `deadline`.
  beast::error_code Connect(const tcp::resolver::results_type& endpoints, SteadyTime deadline,
                            const std::string& host, bool host_is_ip, std::string* stage) {
    *stage = "connecting";
    tcp().expires_at(deadline);
    beast::error_code ec =
        RunOne(io_, [&](auto handler) { tcp().async_connect(endpoints, std::move(handler)); });
    if (ec) return ec;
    tcp().socket().set_option(tcp::no_delay(true), ec);
    if (ec) return ec;
    if (!secure_) return {};
    *stage = "in the TLS handshake";
    if (!host_is_ip && !SSL_set_tlsext_host_name(secure_->native_handle(), host.c_str())) {
      return beast::error_code(static_cast<int>(::ERR_get_error()),
                               asio::error::get_ssl_category());
    }
    secure_->set_verify_mode(ssl::verify_peer);
    secure_->set_verify_callback(ssl::host_name_verification(host));
    tcp().expires_at(deadline);
    return RunOne(io_, [&](auto handler) {
      secure_->async_handshake(ssl::stream_base::client, std::move(handler));
    });
  }

  // Runs one operation, `op(stream, handler)`, on whichever stream this connection has, to
  // completion or `deadline`.
  template <typename Op>
  beast::error_code OnStream(SteadyTime deadline, Op&& op) {
    tcp().expires_at(deadline);
    return RunOne(io_, [&](auto handler) {
      if (secure_) {
        op(*secure_, std::move(handler));
      } else {
        op(*plain_, std::move(handler));
      }
    });
  }

  // Writes `request` and reads the reply into `parser`: the whole reply, or with `header_only`
  // its header (the body is then read with ReadSome). `stage` names the step that failed.
  template <typename Parser>
  beast::error_code Exchange(http::request<http::string_body>& request, Parser& parser,
                             SteadyTime deadline, std::string* stage, bool header_only = false) {
    *stage = "sending the request";
    beast::error_code ec = OnStream(deadline, [&](auto& stream, auto handler) {
      http::async_write(stream, request, std::move(handler));
    });
    if (ec) return ec;
    *stage = "reading the reply";
    return OnStream(deadline, [&](auto& stream, auto handler) {
      if (header_only) {
        http::async_read_header(stream, buffer_, parser, std::move(handler));
      } else {
        http::async_read(stream, buffer_, parser, std::move(handler));
      }
    });
  }

  // Reads some of the body into the parser's buffer.
  beast::error_code ReadSome(http::response_parser<http::buffer_body>& parser,
                             SteadyTime deadline) {
    return OnStream(deadline, [&](auto& stream, auto handler) {
      http::async_read_some(stream, buffer_, parser, std::move(handler));
    });
  }

  // From any thread: closes the socket on the connection's own thread, so that a read in
  // progress ends at once (and any later one fails).
  void Abort() {
    asio::post(io_, [this] {
      beast::error_code ignored;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp().close();
    });
  }

  // Bytes read past the end of the last reply: a well-behaved server sends none.
  size_t leftover() const { return buffer_.size(); }

  // False when the server closed the connection (or sent stray bytes) while it sat idle.
  bool LooksOpen() {
    int fd = tcp().socket().native_handle();
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    int ready = ::poll(&p, 1, 0);
    if (ready == 0) return true;
    if (ready < 0) return false;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
    char byte;
    ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    // TLS 1.3 servers may send session tickets after the handshake; those records are read
    // with the next reply. Plain HTTP has no business sending anything unasked.
    return secure_.has_value();
  }

 private:
  asio::io_context io_{1};
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure_;
  beast::flat_buffer buffer_;
};

HttpClient::HttpClient(const HttpUrl& origin, const HttpClientOptions& options)
    : origin_(origin), options_(options) {
  bool ipv6 = origin_.host.find(':') != std::string::npos;
  host_header_ = ipv6 ? "[" + origin_.host + "]" : origin_.host;
  if (origin_.port != (origin_.tls ? 443 : 80)) host_header_ += ":" + std::to_string(origin_.port);
}

HttpClient::~HttpClient() = default;

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpUrl& origin,
                                                         const HttpClientOptions& options) {
  if (!(options.timeout_s > 0)) {
    return InvalidArgumentError("the request timeout must be above 0 seconds");
  }
  if (options.max_response_bytes <= 0) {
    return InvalidArgumentError("the response size limit must be above 0");
  }
  std::unique_ptr<HttpClient> client(new HttpClient(origin, options));
  if (origin.tls) {
    client->tls_ = std::make_unique<TlsContext>();
    beast::error_code ec;
    if (options.ca_file.empty()) {
      client->tls_->context.set_default_verify_paths(ec);
    } else {
      client->tls_->context.load_verify_file(options.ca_file, ec);
    }
    if (ec) {
      return InvalidArgumentError(
          "cannot load the trusted certificates" +
          (options.ca_file.empty() ? std::string() : " from '" + options.ca_file + "'") + ": " +
          ec.message());
    }
  }
  return client;
}

std::unique_ptr<HttpClient::Connection> HttpClient::TakeIdle() {
  while (true) {
    std::unique_ptr<Connection> connection;
    {
      std::lock_guard<std::mutex> lock(idle_mu_);
      if (idle_.empty()) return nullptr;
      connection = std::move(idle_.back());
      idle_.pop_back();
    }
    if (connection->LooksOpen()) return connection;
  }
}

void HttpClient::GiveBack(std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(idle_mu_);
  if (static_cast<int>(idle_.size()) < options_.max_idle_connections) {
    idle_.push_back(std::move(connection));
  }
}

StatusOr<std::unique_ptr<HttpClient::Connection>> HttpClient::Open(SteadyTime deadline) {
  std::string where = host_header_;
  auto connection = std::make_unique<Connection>(tls_ ? &tls_->context : nullptr);
  beast::error_code ec;
  asio::ip::address address = asio::ip::make_address(origin_.host, ec);
  bool host_is_ip = !ec;
  tcp::resolver::results_type endpoints;
  if (host_is_ip) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, origin_.port),
                                                    origin_.host, std::to_string(origin_.port));
  } else {
    // The system resolver, with its own timeouts; connections are reused, so this runs only
    // when a new connection is needed.
    tcp::resolver resolver(connection->tcp().get_executor());
    endpoints = resolver.resolve(origin_.host, std::to_string(origin_.port), ec);
    if (ec) return UnavailableError("cannot resolve " + origin_.host + ": " + ec.message());
  }
  std::string stage;
  ec = connection->Connect(endpoints, deadline, origin_.host, host_is_ip, &stage);
  if (ec == beast::error::timeout) {
    return DeadlineExceededError("no connection to " + where + " within " +
                                 std::to_string(options_.timeout_s) + " s (" + stage + ")");
  }
  if (ec) return UnavailableError(where + ": " + stage + ": " + ec.message());
  connections_opened_.fetch_add(1);
  return connection;
}

SteadyTime HttpClient::Deadline() const {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(options_.timeout_s));
}

namespace {

http::request<http::string_body> BuildMessage(const HttpRequest& request,
                                              const std::string& host_header,
                                              const std::string& user_agent) {
  http::request<http::string_body> message(http::verb::post, request.target, 11);
  message.set(http::field::host, host_header);
  message.set(http::field::user_agent, user_agent);
  message.set(http::field::content_type, "application/json");
  message.set(http::field::accept, "application/json");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = request.body;
  message.prepare_payload();
  message.keep_alive(true);
  return message;
}

}  // namespace

StatusOr<HttpResponse> HttpClient::Post(const HttpRequest& request) {
  SteadyTime deadline = Deadline();
  http::request<http::string_body> message =
      BuildMessage(request, host_header_, options_.user_agent);

  for (int sent = 1;; ++sent) {
    auto fail = [sent](Status status) {
      return sent > 1 ? status.WithDetail("requests_sent", std::to_string(sent)) : status;
    };
    std::unique_ptr<Connection> connection = TakeIdle();
    bool reused = connection != nullptr;
    if (!reused) {
      StatusOr<std::unique_ptr<Connection>> opened = Open(deadline);
      if (!opened.ok()) return fail(opened.status());
      connection = std::move(opened).value();
    }
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(static_cast<uint64_t>(options_.max_response_bytes));
    std::string stage;
    beast::error_code ec = connection->Exchange(message, parser, deadline, &stage);
    if (ec == beast::error::timeout) {
      return fail(DeadlineExceededError("no complete reply from " + host_header_ + " within " +
                                        std::to_string(options_.timeout_s) + " s (" + stage + ")"));
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return fail(ResourceExhaustedError("the reply from " + host_header_ +
                                         " is over the limit of " +
                                         std::to_string(options_.max_response_bytes) + " bytes"));
    }
    if (ec) {
      // A pooled connection the server dropped between requests: the request was never read,
      // so sending it again on a fresh connection is safe.
      if (reused && sent == 1 && !parser.got_some()) continue;
      std::string what = ec == http::error::end_of_stream || ec == http::error::partial_message
                             ? "the connection closed before the reply was complete"
                             : ec.message();
      return fail(UnavailableError(host_header_ + ": " + stage + ": " + what));
    }
    http::response<http::string_body> reply = parser.release();
    HttpResponse response;
    response.status = static_cast<int>(reply.result_int());
    response.requests_sent = sent;
    for (const auto& field : reply) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    bool keep = reply.keep_alive() && connection->leftover() == 0;
    response.body = std::move(reply.body());
    if (keep) GiveBack(std::move(connection));
    return response;
  }
}

// ---- streamed replies ----

struct StreamedReply::State {
  std::unique_ptr<HttpClient::Connection> connection;
  http::response_parser<http::buffer_body> parser;
  std::mutex mu;
  bool cancelled = false;  // GUARDED_BY(mu)
  bool done = false;       // the body was read to its end
  bool broken = false;     // the connection is not fit for reuse
  int64_t received = 0;
};

StreamedReply::StreamedReply(HttpClient& client)
    : client_(client), state_(std::make_unique<State>()) {}

StreamedReply::~StreamedReply() {
  if (!state_->connection) return;
  bool cancelled;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    cancelled = state_->cancelled;
  }
  if (state_->done && !state_->broken && !cancelled && state_->parser.keep_alive() &&
      state_->connection->leftover() == 0) {
    client_.GiveBack(std::move(state_->connection));
  }
}

std::optional<std::string_view> StreamedReply::Header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void StreamedReply::Cancel() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->cancelled) return;
  state_->cancelled = true;
  if (state_->connection && !state_->done) state_->connection->Abort();
}

StatusOr<std::optional<std::string>> StreamedReply::Next() {
  State& st = *state_;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    if (st.cancelled) return Status(StatusCode::kCancelled, "the exchange was cancelled");
  }
  if (st.done) return std::optional<std::string>();
  std::string piece(16 * 1024, '\0');
  while (true) {
    st.parser.get().body().data = piece.data();
    st.parser.get().body().size = piece.size();
    beast::error_code ec = st.connection->ReadSome(st.parser, client_.Deadline());
    const size_t got = piece.size() - st.parser.get().body().size;
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      st.broken = true;
      std::lock_guard<std::mutex> lock(st.mu);
      if (st.cancelled) return Status(StatusCode::kCancelled, "the exchange was cancelled");
      if (ec == beast::error::timeout) {
        return DeadlineExceededError("nothing more from " + client_.host_header_ + " within " +
                                     std::to_string(client_.options_.timeout_s) + " s");
      }
      if (ec == http::error::body_limit) {
        return ResourceExhaustedError(
            "the reply from " + client_.host_header_ + " is over the limit of " +
            std::to_string(client_.options_.max_response_bytes) + " bytes");
      }
      std::string what = ec == http::error::end_of_stream || ec == http::error::partial_message
                             ? "the connection closed before the reply was complete"
                             : ec.message();
      return UnavailableError(client_.host_header_ + ": reading the reply: " + what);
    }
    st.received += static_cast<int64_t>(got);
    if (st.parser.is_done()) st.done = true;
    if (got > 0) {
      piece.resize(got);
      return std::optional<std::string>(std::move(piece));
    }
    if (st.done) return std::optional<std::string>();
  }
}

StatusOr<std::unique_ptr<StreamedReply>> HttpClient::Send(const HttpRequest& request) {
  SteadyTime deadline = Deadline();
  http::request<http::string_body> message =
      BuildMessage(request, host_header_, options_.user_agent);
  for (int sent = 1;; ++sent) {
    std::unique_ptr<Connection> connection = TakeIdle();
    bool reused = connection != nullptr;
    if (!reused) {
      BW_ASSIGN_OR_RETURN(connection, Open(deadline));
    }
    std::unique_ptr<StreamedReply> reply(new StreamedReply(*this));
    StreamedReply::State& st = *reply->state_;
    st.parser.header_limit(kMaxHeaderBytes);
    st.parser.body_limit(static_cast<uint64_t>(options_.max_response_bytes));
    std::string stage;
    beast::error_code ec =
        connection->Exchange(message, st.parser, deadline, &stage, /*header_only=*/true);
    if (ec == beast::error::timeout) {
      return DeadlineExceededError("no reply from " + host_header_ + " within " +
                                   std::to_string(options_.timeout_s) + " s (" + stage + ")");
    }
    if (ec == http::error::header_limit) {
      return ResourceExhaustedError("the reply header from " + host_header_ + " is too large");
    }
    if (ec) {
      if (reused && sent == 1 && !st.parser.got_some()) continue;  // a stale pooled connection
      std::string what = ec == http::error::end_of_stream || ec == http::error::partial_message
                             ? "the connection closed before the reply was complete"
                             : ec.message();
      return UnavailableError(host_header_ + ": " + stage + ": " + what);
    }
    reply->status_ = static_cast<int>(st.parser.get().result_int());
    for (const auto& field : st.parser.get()) {
      reply->headers_.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (st.parser.is_done()) st.done = true;  // no body (204, 304, Content-Length: 0)
    st.connection = std::move(connection);
    return reply;
  }
}

}  // namespace bulwark::net
