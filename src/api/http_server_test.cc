#include "api/http_server.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

#include "base/log.h"

namespace bulwark::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Response = http::response<http::string_body>;

tcp::endpoint Loopback(uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

// A blocking HTTP/1.1 client on one connection.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_context_) { socket_.connect(Loopback(port)); }

  Response Send(http::verb method, std::string target, std::string body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(socket_, request);
    return Read(method == http::verb::head);
  }

  Response Get(std::string target) { return Send(http::verb::get, std::move(target)); }

  void WriteRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  Response Read(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    http::read(socket_, buffer_, parser);
    return parser.release();
  }

  // True when the server has closed the connection (the next read sees end of stream).
  bool ServerClosed() {
    beast::error_code ec;
    char byte;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

  tcp::socket& socket() { return socket_; }

 private:
  asio::io_context io_context_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

boost::json::value ParseBody(const Response& response) {
  return boost::json::parse(response.body());
}

std::string ErrorCode(const Response& response) {
  return std::string(ParseBody(response).at("error").at("code").as_string());
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/hello/{name}", [](HttpRequest& request) {
      HttpResponse response =
          JsonResponse(200, {{"hello", request.path_params.at("name")},
                             {"q", request.query.contains("q") ? request.query.at("q") : ""},
                             {"request_id", request.request_id},
                             {"tls", request.tls},
                             {"remote", request.remote_address}});
      response.principal = "usr_test";
      return response;
    });
    router_.Add("POST", "/echo",
                [](HttpRequest& request) { return TextResponse(200, "text/plain", request.body); });
    router_.Add("GET", "/throws",
                [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    router_.Add("GET", "/cached", [](HttpRequest&) {
      HttpResponse response = TextResponse(200, "text/plain", "x");
      response.headers.emplace_back("Cache-Control", "max-age=60");
      response.headers.emplace_back("X-Bad", "a\r\nInjected: yes");
      return response;
    });
    router_.Add("GET", "/slow", [this](HttpRequest&) {
      slow_entered_.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return JsonResponse(200, {{"slow", true}});
    });
  }

  ~HttpServerTest() override {
    if (server_) server_->Shutdown();
  }

  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    server_ = std::make_unique<HttpServer>(options, router_, metrics_);
    Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_NE(server_->port(), 0);
  }

  uint16_t port() const { return server_->port(); }

  Router router_;
  Metrics metrics_;
  std::promise<void> slow_entered_;
  std::unique_ptr<HttpServer> server_;
};

// A streamed body arrives chunk by chunk, as the handler writes it: the handler writes its
// second chunk only after the client has read the first, so buffering would deadlock.
TEST_F(HttpServerTest, StreamsTheBodyChunkByChunkAndKeepsTheConnection) {
  std::promise<void> first_read;
  std::shared_future<void> first_read_done = first_read.get_future().share();
  router_.Add(
      "POST", "/stream",
      [first_read_done](HttpRequest&) {
        HttpResponse response;
        response.content_type = "text/event-stream";
        response.headers.emplace_back("X-Upstream", "mock");
        response.stream = [first_read_done](BodyWriter& out) {
          EXPECT_TRUE(out.Write("data: one\n\n"));
          EXPECT_EQ(first_read_done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
          EXPECT_TRUE(out.Write("data: two\n\n"));
          EXPECT_TRUE(out.Write(""));  // nothing to send is not an end
          EXPECT_FALSE(out.ClientGone());
        };
        return response;
      },
      Execution::kLongRunning);
  StartServer();
  Client client(port());
  http::request<http::string_body> request(http::verb::post, "/stream", 11);
  request.set(http::field::host, "localhost");
  request.prepare_payload();
  http::write(client.socket(), request);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  http::read_header(client.socket(), buffer, parser);
  EXPECT_EQ(parser.get().result_int(), 200);
  EXPECT_TRUE(parser.get().chunked());
  EXPECT_EQ(parser.get()["Content-Type"], "text/event-stream");
  EXPECT_EQ(parser.get()["X-Upstream"], "mock");
  EXPECT_FALSE(parser.get()["X-Request-Id"].empty());
  std::string body;
  char chunk[256];
  while (body.find("one") == std::string::npos) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    beast::error_code ec;
    http::read_some(client.socket(), buffer, parser, ec);
    ASSERT_TRUE(!ec || ec == http::error::need_buffer) << ec.message();
    body.append(chunk, sizeof(chunk) - parser.get().body().size);
  }
  EXPECT_EQ(body, "data: one\n\n");
  first_read.set_value();
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    beast::error_code ec;
    http::read_some(client.socket(), buffer, parser, ec);
    ASSERT_TRUE(!ec || ec == http::error::need_buffer) << ec.message();
    body.append(chunk, sizeof(chunk) - parser.get().body().size);
  }
  EXPECT_EQ(body, "data: one\n\ndata: two\n\n");
  // The connection serves the next request.
  Response next = client.Get("/hello/again");
  EXPECT_EQ(next.result_int(), 200);
  EXPECT_NE(next.body().find("again"), std::string::npos);
}

// A client that goes away mid-stream is noticed without another write: the handler hears of it
// (to cancel its upstream request) and its writes fail.
TEST_F(HttpServerTest, AClientThatLeavesMidStreamIsNoticedAtOnce) {
  std::promise<void> gone;
  std::future<void> gone_heard = gone.get_future();
  std::promise<bool> later_write;
  std::future<bool> later_write_result = later_write.get_future();
  router_.Add(
      "GET", "/forever",
      [&](HttpRequest&) {
        HttpResponse response;
        response.content_type = "text/event-stream";
        response.stream = [&](BodyWriter& out) {
          out.OnClientGone([&] { gone.set_value(); });
          EXPECT_TRUE(out.Write("data: first\n\n"));
          // Like an upstream that stays silent: the client leaves meanwhile.
          EXPECT_EQ(gone_heard.wait_for(std::chrono::seconds(10)), std::future_status::ready);
          EXPECT_TRUE(out.ClientGone());
          later_write.set_value(out.Write("data: never\n\n"));
        };
        return response;
      },
      Execution::kLongRunning);
  StartServer();
  {
    Client client(port());
    http::request<http::string_body> request(http::verb::get, "/forever", 11);
    request.set(http::field::host, "localhost");
    http::write(client.socket(), request);
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    http::read_header(client.socket(), buffer, parser);
    EXPECT_EQ(parser.get().result_int(), 200);
    std::string body;
    char chunk[256];
    while (body.find("first") == std::string::npos) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      beast::error_code ec;
      http::read_some(client.socket(), buffer, parser, ec);
      ASSERT_TRUE(!ec || ec == http::error::need_buffer) << ec.message();
      body.append(chunk, sizeof(chunk) - parser.get().body().size);
    }
  }  // the client closes its connection
  ASSERT_EQ(later_write_result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_FALSE(later_write_result.get());
  // The server is still well.
  Client again(port());
  EXPECT_EQ(again.Get("/hello/x").result_int(), 200);
}

// An error answered by a streaming route is an ordinary response; a server shutting down ends
// streams whose writes can no longer run.
TEST_F(HttpServerTest, StreamingRoutesAnswerErrorsWhole) {
  router_.Add(
      "GET", "/refused",
      [](HttpRequest&) {
        HttpResponse response = ErrorResponse(PermissionDeniedError("the window is closed"));
        response.stream = [](BodyWriter& out) { out.Write("never"); };
        return response;
      },
      Execution::kLongRunning);
  StartServer();
  Client client(port());
  Response refused = client.Get("/refused");
  EXPECT_EQ(refused.result_int(), 403);
  EXPECT_NE(refused.body().find("the window is closed"), std::string::npos);
  EXPECT_FALSE(refused.chunked());
}

TEST_F(HttpServerTest, ServesRouteWithStandardHeaders) {
  StartServer();
  Client client(port());
  Response r = client.Get("/hello/w%C3%B6rld?q=a+b");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r[http::field::cache_control], "no-store");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
  boost::json::value body = ParseBody(r);
  EXPECT_EQ(body.at("hello").as_string(), "w\xC3\xB6rld");
  EXPECT_EQ(body.at("q").as_string(), "a b");
  EXPECT_EQ(body.at("tls").as_bool(), false);
  EXPECT_EQ(body.at("remote").as_string(), "127.0.0.1");
  std::string id(r["X-Request-Id"]);
  EXPECT_TRUE(id.starts_with("req_")) << id;
  EXPECT_EQ(id.size(), 4u + 26u);
  EXPECT_EQ(body.at("request_id").as_string(), id);
}

TEST_F(HttpServerTest, EchoesSaneRequestIdOnly) {
  StartServer();
  Client client(port());
  Response r = client.Send(http::verb::get, "/hello/x", "", {{"X-Request-Id", "abc.DEF-1_2"}});
  EXPECT_EQ(r["X-Request-Id"], "abc.DEF-1_2");
  r = client.Send(http::verb::get, "/hello/x", "", {{"X-Request-Id", "has space"}});
  EXPECT_TRUE(std::string(r["X-Request-Id"]).starts_with("req_"));
  r = client.Send(http::verb::get, "/hello/x", "", {{"X-Request-Id", std::string(129, 'a')}});
  EXPECT_TRUE(std::string(r["X-Request-Id"]).starts_with("req_"));
  // Error responses carry one too.
  r = client.Get("/nowhere");
  EXPECT_TRUE(std::string(r["X-Request-Id"]).starts_with("req_"));
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client client(port());
  for (int i = 0; i < 10; ++i) {
    Response r = client.Send(http::verb::post, "/echo", "message " + std::to_string(i));
    ASSERT_EQ(r.result_int(), 200);
    EXPECT_EQ(r.body(), "message " + std::to_string(i));
    EXPECT_TRUE(r.keep_alive());
  }
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  StartServer();
  Client client(port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo");
  EXPECT_EQ(client.Read().body(), "one");
  EXPECT_EQ(client.Read().body(), "two");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  Client client(port());
  Response r = client.Send(http::verb::get, "/hello/x", "", {{"Connection", "close"}});
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, NotFoundAndMethodNotAllowed) {
  StartServer();
  Client client(port());
  Response r = client.Get("/nowhere");
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(ErrorCode(r), "not_found");
  EXPECT_TRUE(ParseBody(r).at("error").at("details").is_object());

  r = client.Send(http::verb::delete_, "/hello/x");
  EXPECT_EQ(r.result_int(), 405);
  EXPECT_EQ(ErrorCode(r), "method_not_allowed");
  EXPECT_EQ(r[http::field::allow], "GET, HEAD");
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(client.Get("/hello/still-open").result_int(), 200);
}

TEST_F(HttpServerTest, HeadIsGetWithoutBody) {
  StartServer();
  Client client(port());
  size_t get_length = client.Get("/hello/x").body().size();
  Response r = client.Send(http::verb::head, "/hello/x");
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[http::field::content_length], std::to_string(get_length));
  EXPECT_TRUE(r.body().empty());
  EXPECT_EQ(client.Get("/hello/after-head").result_int(), 200);  // framing intact
}

TEST_F(HttpServerTest, HandlerHeadersCacheControlAndInjection) {
  StartServer();
  Client client(port());
  Response r = client.Get("/cached");
  EXPECT_EQ(r[http::field::cache_control], "max-age=60");
  EXPECT_EQ(r.count("X-Bad"), 0u);
  EXPECT_EQ(r.count("Injected"), 0u);
}

TEST_F(HttpServerTest, HandlerExceptionIsInternalError) {
  StartServer();
  Client client(port());
  Response r = client.Get("/throws");
  EXPECT_EQ(r.result_int(), 500);
  EXPECT_EQ(ErrorCode(r), "internal");
  EXPECT_EQ(ParseBody(r).at("error").at("message").as_string(), "internal error");
}

TEST_F(HttpServerTest, OversizedContentLengthIs413) {
  StartServer({.body_limit = 1024});
  Client client(port());
  EXPECT_EQ(client.Send(http::verb::post, "/echo", std::string(1024, 'a')).result_int(), 200);
  Response r = client.Send(http::verb::post, "/echo", std::string(4096, 'a'));
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCode(r), "resource_exhausted");
  EXPECT_NE(std::string(ParseBody(r).at("error").at("message").as_string()).find("1024"),
            std::string::npos);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, OversizedChunkedBodyIs413) {
  StartServer({.body_limit = 1024});
  Client client(port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "200\r\n" +
      std::string(512, 'a') + "\r\n" + "200\r\n" + std::string(512, 'b') + "\r\n" + "200\r\n" +
      std::string(512, 'c') + "\r\n0\r\n\r\n");
  Response r = client.Read();
  EXPECT_EQ(r.result_int(), 413);
  EXPECT_EQ(ErrorCode(r), "resource_exhausted");
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, ChunkedBodyWithinLimit) {
  StartServer({.body_limit = 1024});
  Client client(port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  Response r = client.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "abcde");
}

TEST_F(HttpServerTest, ExpectContinue) {
  StartServer();
  Client client(port());
  client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  Response interim = client.Read();
  EXPECT_EQ(interim.result_int(), 100);
  client.WriteRaw("hello");
  Response r = client.Read();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "hello");
}

TEST_F(HttpServerTest, MalformedRequestIs400AndCloses) {
  StartServer();
  Client client(port());
  client.WriteRaw("GET /hello/x HTTP/1.1\r\nBad Header Line\r\n\r\n");
  Response r = client.Read();
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(ErrorCode(r), "invalid_argument");
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, BadTargetIs400) {
  StartServer();
  Client client(port());
  Response r = client.Get("/hello/%zz");
  EXPECT_EQ(r.result_int(), 400);
  EXPECT_EQ(ErrorCode(r), "invalid_argument");
}

void RaiseFileLimitForTest() {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  ASSERT_GE(limit.rlim_cur, 2100u) << "need room for 1,000 connections at both ends";
}

TEST_F(HttpServerTest, ThousandConcurrentConnectionsDespiteStalledClient) {
  RaiseFileLimitForTest();
  StartServer({.io_threads = 2, .worker_threads = 4});
  // One client sends half a header and stalls.
  Client stalled(port());
  stalled.WriteRaw("GET /hello/stalled HTTP/1.1\r\nHost: x\r\nX-Partial: ");

  constexpr int kConnections = 1000;
  asio::io_context io_context;
  std::vector<tcp::socket> sockets;
  sockets.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    sockets.emplace_back(io_context);
    sockets.back().connect(Loopback(port()));
  }
  // Every connection is open at once; now each sends a request.
  for (int i = 0; i < kConnections; ++i) {
    std::string request = "GET /hello/c" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(sockets[i], asio::buffer(request));
  }
  int ok = 0;
  for (int i = 0; i < kConnections; ++i) {
    beast::flat_buffer buffer;
    Response r;
    http::read(sockets[i], buffer, r);
    if (r.result_int() == 200 && ParseBody(r).at("hello").as_string() == "c" + std::to_string(i)) {
      ++ok;
    }
  }
  EXPECT_EQ(ok, kConnections);
  EXPECT_GE(metrics_.Gauge("bulwark_http_connections_open", "").Value({}), kConnections + 1.0);
}

// `after` runs once the response is on its way: the client has its answer while it still runs,
// for a plain body and for a stream, and Shutdown waits for it.
TEST_F(HttpServerTest, WorkAfterTheResponseDoesNotDelayItAndShutdownWaitsForIt) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> done{0};
  auto after = [released, &done] {
    released.wait();
    ++done;
  };
  router_.Add("GET", "/after", [after](HttpRequest&) {
    HttpResponse response = JsonResponse(200, {{"answered", true}});
    response.after = after;
    return response;
  });
  router_.Add(
      "GET", "/after-stream",
      [after](HttpRequest&) {
        HttpResponse response;
        response.content_type = "text/plain";
        response.stream = [](BodyWriter& out) { out.Write("streamed"); };
        response.after = after;
        return response;
      },
      Execution::kLongRunning);
  StartServer();
  Client plain(port());
  Response answered = plain.Get("/after");
  EXPECT_EQ(answered.result_int(), 200);
  Client streamed(port());
  Response stream = streamed.Get("/after-stream");
  EXPECT_EQ(stream.body(), "streamed");
  EXPECT_EQ(done.load(), 0);  // both answers arrived while their `after` waits
  std::thread stopper([this] { server_->Shutdown(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  stopper.join();
  EXPECT_EQ(done.load(), 2);  // Shutdown returned only after both ran
}

TEST_F(HttpServerTest, ShutdownDrainsRequestInFlight) {
  StartServer();
  Client idle(port());
  ASSERT_EQ(idle.Get("/hello/idle").result_int(), 200);

  std::future<Response> slow = std::async(std::launch::async, [port = port()] {
    Client client(port);
    return client.Get("/slow");
  });
  slow_entered_.get_future().wait();
  server_->Shutdown();  // Returns after the slow request was answered.

  Response r = slow.get();
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(ParseBody(r).at("slow").as_bool(), true);
  EXPECT_FALSE(r.keep_alive());  // Connection: close while draining
  EXPECT_TRUE(idle.ServerClosed());

  asio::io_context io_context;
  tcp::socket socket(io_context);
  beast::error_code ec;
  socket.connect(Loopback(port()), ec);
  EXPECT_TRUE(ec) << "connected after Shutdown";

  server_->Shutdown();  // idempotent
  server_->Wait();
}

TEST_F(HttpServerTest, ShutdownClosesStalledHeader) {
  StartServer();
  Client stalled(port());
  stalled.WriteRaw("GET /hello/x HTTP/1.1\r\nHost: x");
  ASSERT_EQ(Client(port()).Get("/hello/y").result_int(), 200);  // the server saw the stalled one
  server_->Shutdown();
  EXPECT_TRUE(stalled.ServerClosed());
}

TEST_F(HttpServerTest, HeaderTimeoutClosesStalledClient) {
  StartServer({.header_timeout = std::chrono::milliseconds(100)});
  Client stalled(port());
  stalled.WriteRaw("GET /hello/x HTTP/1.1\r\nHost: x");
  EXPECT_TRUE(stalled.ServerClosed());  // blocks until the server gives up
}

TEST_F(HttpServerTest, IdleTimeoutClosesKeepAliveConnection) {
  StartServer({.idle_timeout = std::chrono::milliseconds(100)});
  Client client(port());
  ASSERT_EQ(client.Get("/hello/x").result_int(), 200);
  EXPECT_TRUE(client.ServerClosed());
}

TEST_F(HttpServerTest, RunUntilSignalReturnsAfterShutdown) {
  StartServer();
  std::thread runner([&] { server_->RunUntilSignal(); });
  server_->Shutdown();
  runner.join();
}

TEST_F(HttpServerTest, RunUntilSignalAfterShutdownReturnsAtOnce) {
  StartServer();
  server_->Shutdown();
  server_->RunUntilSignal();
}

TEST_F(HttpServerTest, RecordsMetricsByRoutePattern) {
  StartServer();
  {
    Client client(port());
    client.Get("/hello/a");
    client.Get("/hello/b");
    client.Get("/nowhere/at/all");
  }
  server_->Shutdown();  // everything recorded
  std::string text = metrics_.Render();
  EXPECT_NE(text.find("bulwark_http_requests_total{method=\"GET\",route=\"/hello/{name}\","
                      "status=\"200\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bulwark_http_requests_total{method=\"GET\",route=\"unmatched\","
                      "status=\"404\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bulwark_http_request_duration_seconds_count{route=\"/hello/{name}\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bulwark_http_requests_in_flight 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("bulwark_http_connections_open 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE bulwark_http_request_duration_seconds histogram\n"),
            std::string::npos);
}

TEST_F(HttpServerTest, WritesOneAccessLogLinePerRequest) {
  std::FILE* sink = std::tmpfile();
  ASSERT_NE(sink, nullptr);
  SetLogSink(sink);
  {
    HttpServer server({.port = 0, .access_log = true}, router_, metrics_);
    ASSERT_TRUE(server.Start().ok());
    Client client(server.port());
    client.Send(http::verb::get, "/hello/logged?q=1", "",
                {{"User-Agent", "test-agent"}, {"X-Request-Id", "log-1"}});
    server.Shutdown();
  }
  SetLogSink(nullptr);
  std::rewind(sink);
  std::vector<boost::json::object> access;
  char line[4096];
  while (std::fgets(line, sizeof(line), sink) != nullptr) {
    boost::json::object entry = boost::json::parse(line).as_object();
    if (entry.contains("request_id")) access.push_back(entry);
  }
  std::fclose(sink);
  ASSERT_EQ(access.size(), 1u);
  const boost::json::object& entry = access[0];
  EXPECT_EQ(entry.at("request_id").as_string(), "log-1");
  EXPECT_EQ(entry.at("remote").as_string(), "127.0.0.1");
  EXPECT_EQ(entry.at("method").as_string(), "GET");
  EXPECT_EQ(entry.at("path").as_string(), "/hello/logged");
  EXPECT_EQ(entry.at("route").as_string(), "/hello/{name}");
  EXPECT_EQ(entry.at("status").as_int64(), 200);
  EXPECT_GT(entry.at("bytes").as_int64(), 0);
  EXPECT_TRUE(entry.at("duration_ms").is_number());
  EXPECT_EQ(entry.at("principal").as_string(), "usr_test");
  EXPECT_EQ(entry.at("user_agent").as_string(), "test-agent");
  EXPECT_TRUE(entry.contains("time"));
}

TEST(HttpServerStartTest, BadAddress) {
  Router router;
  Metrics metrics;
  HttpServer server({.address = "not-an-address", .port = 0}, router, metrics);
  Status status = server.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not-an-address"), std::string::npos);
}

TEST(HttpServerStartTest, AddressInUse) {
  Router router;
  Metrics metrics;
  HttpServer first({.port = 0, .access_log = false}, router, metrics);
  ASSERT_TRUE(first.Start().ok());
  HttpServer second({.port = first.port(), .access_log = false}, router, metrics);
  Status status = second.Start();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("already in use"), std::string::npos) << status.ToString();
  EXPECT_EQ(first.Start().code(), StatusCode::kFailedPrecondition);
}

// A scratch directory removed with the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bulwark_api_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Writes a self-signed P-256 certificate for CN=localhost and its key as PEM files.
void WriteSelfSignedCertificate(const std::string& cert_file, const std::string& key_file) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  ASSERT_GT(X509_sign(cert, key, EVP_sha256()), 0);
  std::FILE* f = std::fopen(cert_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, cert);
  std::fclose(f);
  f = std::fopen(key_file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
}

TEST_F(HttpServerTest, ServesTls) {
  TempDir dir;
  WriteSelfSignedCertificate(dir.File("cert.pem"), dir.File("key.pem"));
  StartServer({.tls_cert_file = dir.File("cert.pem"), .tls_key_file = dir.File("key.pem")});

  asio::io_context io_context;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> stream(io_context, context);
  stream.next_layer().connect(Loopback(port()));
  stream.handshake(ssl::stream_base::client);
  beast::flat_buffer buffer;
  for (int i = 0; i < 2; ++i) {  // keep-alive over TLS
    http::request<http::empty_body> request(http::verb::get, "/hello/tls", 11);
    request.set(http::field::host, "localhost");
    http::write(stream, request);
    Response r;
    http::read(stream, buffer, r);
    EXPECT_EQ(r.result_int(), 200);
    EXPECT_EQ(ParseBody(r).at("tls").as_bool(), true);
    EXPECT_TRUE(std::string(r["X-Request-Id"]).starts_with("req_"));
  }
  http::request<http::empty_body> request(http::verb::get, "/nowhere", 11);
  request.set(http::field::host, "localhost");
  http::write(stream, request);
  Response r;
  http::read(stream, buffer, r);
  EXPECT_EQ(r.result_int(), 404);
}

TEST(HttpServerStartTest, BadTlsFiles) {
  TempDir dir;
  Router router;
  Metrics metrics;
  HttpServer missing({.port = 0,
                      .tls_cert_file = dir.File("missing-cert.pem"),
                      .tls_key_file = dir.File("missing-key.pem")},
                     router, metrics);
  Status status = missing.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("missing-cert.pem"), std::string::npos) << status.ToString();

  WriteSelfSignedCertificate(dir.File("a.pem"), dir.File("a.key"));
  WriteSelfSignedCertificate(dir.File("b.pem"), dir.File("b.key"));
  HttpServer mismatched(
      {.port = 0, .tls_cert_file = dir.File("a.pem"), .tls_key_file = dir.File("b.key")}, router,
      metrics);
  status = mismatched.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(status.message().find("mismatch") != std::string::npos ||
              status.message().find("does not match") != std::string::npos)
      << status.ToString();

  HttpServer half({.port = 0, .tls_cert_file = dir.File("a.pem")}, router, metrics);
  EXPECT_EQ(half.Start().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace bulwark::api

namespace bulwark::api {
namespace {

// A handler on the blocking pool that holds its thread does not hold up standard routes, even
// when every blocking thread is taken.
TEST(HttpServerPools, BlockingRoutesDoNotOccupyRequestWorkers) {
  Router router;
  Metrics metrics;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  router.Add(
      "POST", "/sign-in",
      [&](HttpRequest&) {
        entered.set_value();
        released.wait();
        return JsonResponse(200, {{"signed_in", true}});
      },
      Execution::kBlocking);
  router.Add("GET", "/quick", [](HttpRequest&) { return JsonResponse(200, {{"quick", true}}); });
  HttpServer server({.port = 0, .worker_threads = 1, .blocking_threads = 1, .access_log = false},
                    router, metrics);
  ASSERT_TRUE(server.Start().ok());
  std::thread slow([&] {
    Client client(server.port());
    EXPECT_EQ(client.Send(http::verb::post, "/sign-in", "{}").result_int(), 200);
  });
  entered.get_future().wait();
  Client client(server.port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Get("/quick").result_int(), 200);
  release.set_value();
  slow.join();
  server.Shutdown();
}

TEST(RouterExecution, MatchCarriesTheRoutesExecution) {
  Router router;
  router.Add("GET", "/a", [](HttpRequest&) { return HttpResponse{}; });
  router.Add(
      "POST", "/a", [](HttpRequest&) { return HttpResponse{}; }, Execution::kBlocking);
  EXPECT_EQ(router.Match("GET", "/a").execution, Execution::kStandard);
  EXPECT_EQ(router.Match("POST", "/a").execution, Execution::kBlocking);
}

}  // namespace
}  // namespace bulwark::api
