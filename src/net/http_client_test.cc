#include "net/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

namespace bulwark::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A one-connection-at-a-time server on loopback that answers each request with `respond`,
// which writes raw bytes to the socket (and may pause between them).
class RawServer {
 public:
  using Respond = std::function<void(tcp::socket&)>;
  explicit RawServer(Respond respond)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        respond_(std::move(respond)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~RawServer() {
    stopping_ = true;
    // A connection wakes the blocking accept, which then sees that it is stopping.
    boost::system::error_code ignored;
    asio::io_context io;
    tcp::socket wake(io);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_.load(); }

 private:
  void Serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ++connections_;
      // Requests on this connection, until the client closes it.
      while (true) {
        asio::streambuf request;
        asio::read_until(socket, request, "\r\n\r\n", ec);
        if (ec) break;
        std::string head(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
        size_t length_at = head.find("Content-Length: ");
        size_t length =
            length_at == std::string::npos ? 0 : std::stoul(head.substr(length_at + 16));
        size_t have = request.size() - (head.find("\r\n\r\n") + 4);
        if (length > have) {
          std::string rest(length - have, '\0');
          asio::read(socket, asio::buffer(rest), ec);
        }
        try {
          respond_(socket);
        } catch (const std::exception&) {
          break;
        }
      }
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  Respond respond_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

void WriteAll(tcp::socket& socket, std::string_view bytes) {
  asio::write(socket, asio::buffer(bytes));
}

std::string Chunk(std::string_view data) {
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

std::unique_ptr<HttpClient> Client(const std::string& url, double timeout_s = 10) {
  StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
  EXPECT_TRUE(parsed.ok());
  StatusOr<std::unique_ptr<HttpClient>> client =
      HttpClient::Create(*parsed, {.timeout_s = timeout_s, .user_agent = "bulwark-test"});
  EXPECT_TRUE(client.ok());
  return std::move(client).value();
}

TEST(StreamedReplyTest, TheBodyArrivesAsTheServerSendsItAndTheConnectionIsReused) {
  std::promise<void> second_allowed;
  std::shared_future<void> go = second_allowed.get_future().share();
  int requests = 0;
  RawServer server([&](tcp::socket& socket) {
    ++requests;
    WriteAll(socket,
             "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
             "chunked\r\n\r\n");
    WriteAll(socket, Chunk("data: one\n\n"));
    if (requests == 1) go.wait();  // the second event waits until the client saw the first
    WriteAll(socket, Chunk("data: two\n\n") + "0\r\n\r\n");
  });
  std::unique_ptr<HttpClient> client = Client(server.url());
  StatusOr<std::unique_ptr<StreamedReply>> reply =
      client->Send({.target = "/v1/chat", .body = "{}"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ((*reply)->status(), 200);
  EXPECT_EQ((*reply)->Header("content-type"), "text/event-stream");
  StatusOr<std::optional<std::string>> piece = (*reply)->Next();
  ASSERT_TRUE(piece.ok()) << piece.status().ToString();
  ASSERT_TRUE(piece->has_value());
  EXPECT_EQ(**piece, "data: one\n\n");
  second_allowed.set_value();
  std::string rest;
  while (true) {
    piece = (*reply)->Next();
    ASSERT_TRUE(piece.ok()) << piece.status().ToString();
    if (!piece->has_value()) break;
    rest += **piece;
  }
  EXPECT_EQ(rest, "data: two\n\n");
  reply->reset();
  // The connection went back to the pool: the next exchange uses it.
  StatusOr<HttpResponse> whole = client->Post({.target = "/v1/chat", .body = "{}"});
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->body, "data: one\n\ndata: two\n\n");
  EXPECT_EQ(server.connections(), 1);
}

TEST(StreamedReplyTest, CancelEndsAReadInProgressFromAnotherThread) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  RawServer server([&](tcp::socket& socket) {
    WriteAll(socket,
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunk("data: a\n\n"));
    released.wait();  // then silence, as a model thinking for a long time
    throw std::runtime_error("done");
  });
  std::unique_ptr<HttpClient> client = Client(server.url(), 30);
  StatusOr<std::unique_ptr<StreamedReply>> reply = client->Send({.target = "/", .body = "{}"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_TRUE((*reply)->Next().ok());
  StreamedReply* r = reply->get();
  std::thread canceller([r] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r->Cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  StatusOr<std::optional<std::string>> blocked = (*reply)->Next();
  canceller.join();
  EXPECT_EQ(blocked.status().code(), StatusCode::kCancelled) << blocked.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ((*reply)->Next().status().code(), StatusCode::kCancelled);
  release.set_value();
}

TEST(StreamedReplyTest, SilenceAfterTheHeaderTimesOut) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  int requests = 0;
  RawServer server([&](tcp::socket& socket) {
    if (++requests == 1) {
      WriteAll(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    }
    released.wait();
    throw std::runtime_error("done");
  });
  std::unique_ptr<HttpClient> client = Client(server.url(), 0.2);
  StatusOr<std::unique_ptr<StreamedReply>> reply = client->Send({.target = "/", .body = "{}"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ((*reply)->Next().status().code(), StatusCode::kDeadlineExceeded);
  release.set_value();
}

TEST(StreamedReplyTest, AReplyWithoutBodyEndsAtOnce) {
  RawServer server([](tcp::socket& socket) {
    WriteAll(socket,
             "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\nContent-Length: 0\r\n\r\n");
  });
  std::unique_ptr<HttpClient> client = Client(server.url());
  StatusOr<std::unique_ptr<StreamedReply>> reply = client->Send({.target = "/", .body = "{}"});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ((*reply)->status(), 429);
  EXPECT_EQ((*reply)->Header("Retry-After"), "3");
  StatusOr<std::optional<std::string>> end = (*reply)->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
}

TEST(StreamedReplyTest, ARefusedConnectionIsUnavailable) {
  std::string url;
  {
    RawServer gone([](tcp::socket&) {});
    url = gone.url();
  }
  std::unique_ptr<HttpClient> client = Client(url);
  EXPECT_EQ(client->Send({.target = "/", .body = "{}"}).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace bulwark::net
