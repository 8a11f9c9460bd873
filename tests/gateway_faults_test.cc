// The model gateway against an upstream that misbehaves: one that repeats the lab's credential
// in its errors, answers garbage, hangs, or streams while the client leaves; and a lab that
// replaces its credential between calls. The upstream here is a small HTTP server on loopback
// whose behaviour each test sets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"

namespace bulwark::tests {
namespace {

namespace json = boost::json;

constexpr char kLabCredential[] = "sk-lab-credential-4e1d77c0a9";

// One HTTP/1.1 server thread per connection; each request is answered as `mode` says.
class FakeUpstream {
 public:
  enum class Mode { kEchoCredentialInError, kGarbage, kHang, kSlowStream };

  FakeUpstream() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(listener_, 64);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~FakeUpstream() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (int fd : connections_) shutdown(fd, SHUT_RDWR);
    }
    stop_cv_.notify_all();
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    acceptor_.join();
    for (std::thread& t : handlers_) t.join();
    for (int fd : connections_) close(fd);
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  void set_mode(Mode mode) { mode_ = mode; }
  std::string last_authorization() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_authorization_;
  }
  int chunks_sent() const { return chunks_sent_; }
  bool stream_broken() const { return stream_broken_; }

 private:
  void Accept() {
    while (true) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        close(fd);
        return;
      }
      connections_.push_back(fd);
      handlers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  static bool Send(int fd, const std::string& data) {
    return send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  // Reads one request's head and body; false when the connection ended.
  bool ReadRequest(int fd, std::string& buffer, std::string& head) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      char chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    head = buffer.substr(0, end);
    size_t length = 0;
    for (const std::string name : {"Content-Length: ", "content-length: "}) {
      if (size_t at = head.find(name); at != std::string::npos) {
        length = std::stoul(head.substr(at + name.size()));
      }
    }
    while (buffer.size() < end + 4 + length) {
      char chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    buffer.erase(0, end + 4 + length);
    for (const std::string name : {"Authorization: ", "authorization: "}) {
      if (size_t at = head.find(name); at != std::string::npos) {
        std::lock_guard<std::mutex> lock(mu_);
        last_authorization_ =
            head.substr(at + name.size(), head.find("\r\n", at) - at - name.size());
      }
    }
    return true;
  }

  void Serve(int fd) {
    std::string buffer, head;
    while (ReadRequest(fd, buffer, head)) {
      switch (mode_.load()) {
        case Mode::kEchoCredentialInError: {
          const std::string body =
              R"({"error":{"message":"bad request for key )" + last_authorization() + R"("}})";
          if (!Send(fd,
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                    "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body)) {
            return;
          }
          break;
        }
        case Mode::kGarbage: {
          const std::string body = "<html>upstream is having a bad day";
          if (!Send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body)) {
            return;
          }
          break;
        }
        case Mode::kHang: {
          std::unique_lock<std::mutex> lock(mu_);
          stop_cv_.wait(lock, [&] { return stopping_; });
          return;
        }
        case Mode::kSlowStream: {
          if (!Send(fd,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n")) {
            return;
          }
          for (int i = 0; i < 500; ++i) {
            const std::string event =
                R"(data: {"object":"chat.completion.chunk","choices":[{"delta":{"content":"x"}}]})"
                "\n\n";
            char size[16];
            snprintf(size, sizeof(size), "%zx\r\n", event.size());
            if (!Send(fd, size + event + "\r\n")) {
              stream_broken_ = true;
              return;
            }
            ++chunks_sent_;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            std::lock_guard<std::mutex> lock(mu_);
            if (stopping_) return;
          }
          Send(fd, "0\r\n\r\n");
          break;
        }
      }
    }
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<Mode> mode_{Mode::kEchoCredentialInError};
  std::atomic<int> chunks_sent_{0};
  std::atomic<bool> stream_broken_{false};
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;              // GUARDED_BY(mu_)
  std::string last_authorization_;     // GUARDED_BY(mu_)
  std::vector<int> connections_;       // GUARDED_BY(mu_)
  std::vector<std::thread> handlers_;  // GUARDED_BY(mu_)
  std::thread acceptor_;
};

class GatewayFaultsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (IsSkipped()) return;
    const access::Principal& lab = actors_["lab_admin"].principal;
    review::Model model = review_->RegisterModel(lab, symbols_["lab"], "Vega", "").value();
    version_ = review_
                   ->AddVersion(lab, model.id,
                                {"1.0",
                                 review::Provider::kOpenAi,
                                 upstream_.base_url(),
                                 "vega-upstream",
                                 kLabCredential,
                                 {}})
                   .value();
    review::Window window =
        review_->OpenWindow(lab, version_.id, {clock_.Now(), clock_.Now() + Days(7)}).value();
    review::PartnerGrant grant =
        review_->ProposePartner(lab, window.id, symbols_["hospital"], {}).value();
    EXPECT_TRUE(review_->ConcurPartner(actors_["officer"].principal, grant.id).ok());
    review::IssuedGatewayKey key =
        review_->IssueGatewayKey(actors_["nurse"].principal, grant.id, "laptop", {}).value();
    key_ = key.secret;
    key_id_ = key.key.id;
  }

  Reply Chat(bool stream = false) {
    json::object body{{"model", "Vega/1.0"},
                      {"messages", json::array{json::object{{"role", "user"}, {"content", "hi"}}}}};
    if (stream) body["stream"] = true;
    Reply reply =
        HttpCall(port_, "POST", "/gateway/v1/chat/completions", json::serialize(body),
                 {{"Authorization", "Bearer " + key_}, {"Content-Type", "application/json"}});
    gateway_->AwaitRecorded();  // the record is written once the answer is on its way
    return reply;
  }

  FakeUpstream upstream_;
  review::ModelVersion version_;
  std::string key_;
  std::string key_id_;
};

TEST_F(GatewayFaultsTest, TheLabsCredentialIsScrubbedAndAReplacedOneIsUsedAtOnce) {
  upstream_.set_mode(FakeUpstream::Mode::kEchoCredentialInError);
  Reply reply = Chat();
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(upstream_.last_authorization(), std::string("Bearer ") + kLabCredential);
  EXPECT_EQ(reply.body.find(kLabCredential), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("[redacted]"), std::string::npos) << reply.body;
  // The lab replaces its credential: the next call carries the new one.
  constexpr char kNewCredential[] = "sk-lab-credential-replaced-91bb";
  ASSERT_TRUE(
      review_->ReplaceCredential(actors_["lab_admin"].principal, version_.id, kNewCredential).ok());
  reply = Chat();
  EXPECT_EQ(upstream_.last_authorization(), std::string("Bearer ") + kNewCredential);
  EXPECT_EQ(reply.body.find(kNewCredential), std::string::npos) << reply.body;
}

TEST_F(GatewayFaultsTest, GarbageIs502AndAHangIs504) {
  upstream_.set_mode(FakeUpstream::Mode::kGarbage);
  Reply garbage = Chat();
  EXPECT_EQ(garbage.status, 502) << garbage.body;
  EXPECT_EQ(garbage.json.at("error").at("code"), "bad_gateway") << garbage.body;
  upstream_.set_mode(FakeUpstream::Mode::kHang);
  Reply hang = Chat();  // the fixture's gateway waits 5 s
  EXPECT_EQ(hang.status, 504) << hang.body;
  // Neither call keeps tokens reserved once the gateway's lease is given back.
  ASSERT_TRUE(gateway_->ReturnQuotaLeases().ok());
  review::QuotaUse use = review_->UsageOn(key_id_, clock_.Now()).value();
  EXPECT_EQ(use.requests, 2);
  EXPECT_EQ(use.tokens_reserved, 0);
}

TEST_F(GatewayFaultsTest, AClientLeavingMidStreamCancelsUpstreamAndSettlesWhatStreamed) {
  upstream_.set_mode(FakeUpstream::Mode::kSlowStream);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string body =
      R"({"model":"Vega/1.0","stream":true,"messages":[{"role":"user","content":"hi"}]})";
  const std::string request =
      "POST /gateway/v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer " +
      key_ +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  // Read until the first streamed event arrives, then leave.
  std::string received;
  while (received.find("chat.completion.chunk") == std::string::npos) {
    char chunk[4096];
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    ASSERT_GT(n, 0) << received;
    received.append(chunk, static_cast<size_t>(n));
  }
  EXPECT_NE(received.find("200 OK"), std::string::npos) << received;
  close(fd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!upstream_.stream_broken() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(upstream_.stream_broken()) << "upstream was not cancelled";
  EXPECT_LT(upstream_.chunks_sent(), 500);
  // Settled from what streamed: nothing stays reserved, and the bytes passed are charged.
  gateway_->AwaitRecorded();
  ASSERT_TRUE(gateway_->ReturnQuotaLeases().ok());
  review::QuotaUse use = review_->UsageOn(key_id_, clock_.Now()).value();
  EXPECT_EQ(use.requests, 1);
  EXPECT_EQ(use.tokens_reserved, 0);
  EXPECT_GT(use.tokens_used, 0);
}

}  // namespace
}  // namespace bulwark::tests
