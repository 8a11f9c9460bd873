// gateway_probe: the load generator of bench/gateway/run.sh. It keeps a fixed number of HTTP/1.1
// keep-alive connections busy with the same POST, one request at a time on each (a closed loop,
// as wrk does), and measures for every answer the time from sending the request to its first
// body byte (for a streamed answer, the first streamed byte) and to its last byte. Nothing of the
// project is linked in: POSIX sockets and epoll only, so it builds in seconds.
//
//   gateway_probe --url http://127.0.0.1:8080/gateway/v1/chat/completions --body-file body.json
//                 [--header 'Authorization: Bearer bwg_...']... [--connections 64]
//                 [--spread-header 'Authorization: Bearer bwg_...']...
//                 [--seconds 10] [--warmup-seconds 2] [--expect '[DONE]'] [--rate 2000]
//
// Each --spread-header goes to every n-th connection only (connection i gets the (i mod n)-th):
// several keys share the load, so that no key reaches its own per-minute limit.
//
// With --rate, the connections are paced instead: together they send that many requests a
// second, each connection on its own schedule (staggered), so the run shows what a gateway
// adds under a load it can carry rather than how long its queue grows when saturated. A
// connection whose answer comes after its next request was due sends at once; latencies are
// measured from the moment each request is sent.
//
// Answers during the warm-up are not counted. An answer counts as an error when its status is
// not 2xx, its body lacks the --expect text, or its connection breaks. Prints one line:
//
//   <answers/s> <p50 ms> <p99 ms> <first byte p50 ms> <first byte p99 ms> <answers> <errors>
//
// and, on standard error, what the errors were. Single-threaded; not for use as a library.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host;
  std::string port;
  std::string path;
  std::string body;
  std::vector<std::string> headers;
  std::vector<std::string> spread_headers;  // one to each connection, in turn
  int connections = 64;
  double seconds = 10;
  double warmup_seconds = 2;
  std::string expect;
  double rate = 0;  // requests a second over all connections; 0: a closed loop
};

// Where one connection is in reading an answer.
enum class Phase { kHeaders, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailers, kUntilClose };

struct Connection {
  int fd = -1;
  bool connecting = false;
  std::string out;
  size_t out_sent = 0;
  std::string in;  // received bytes not yet parsed
  Phase phase = Phase::kHeaders;
  int status = 0;
  int64_t remaining = 0;  // of the body or of the current chunk
  bool close_after = false;
  bool seen_body_byte = false;
  bool in_flight = false;
  Clock::time_point sent_at;
  Clock::time_point due;  // paced: when its next request is due
  bool waiting = false;   // paced: connected, idle until `due`
  Clock::time_point first_byte_at;
  std::string body;  // kept only to look for --expect
};

// What the measured part of the run saw.
struct Tally {
  std::vector<int64_t> total_ns;
  std::vector<int64_t> first_byte_ns;
  int64_t errors = 0;
  std::map<std::string, int64_t> error_kinds;
};

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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The nearest-rank percentile `p` (0..1) of `values`, in milliseconds; 0 when there are none.
double PercentileMs(std::vector<int64_t>& values, double p) {
  if (values.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  rank = std::clamp<size_t>(rank, 1, values.size());
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(rank - 1), values.end());
  return static_cast<double>(values[rank - 1]) / 1e6;
}

class Probe {
 public:
  explicit Probe(Options options) : options_(std::move(options)) {}

  int Run() {
    if (!Resolve()) return 2;
    request_ = "POST " + options_.path + " HTTP/1.1\r\nHost: " + options_.host + ":" +
               options_.port + "\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(options_.body.size()) + "\r\n";
    for (const std::string& h : options_.headers) request_ += h + "\r\n";
    if (options_.spread_headers.empty()) {
      requests_.push_back(request_ + "\r\n" + options_.body);
    } else {
      for (const std::string& h : options_.spread_headers) {
        requests_.push_back(request_ + h + "\r\n\r\n" + options_.body);
      }
    }

    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) return Fail("epoll_create1");
    connections_.resize(static_cast<size_t>(options_.connections));
    const Clock::time_point start = Clock::now();
    measure_from_ = start + ToDuration(options_.warmup_seconds);
    const Clock::time_point end = measure_from_ + ToDuration(options_.seconds);
    interval_ = options_.rate > 0
                    ? ToDuration(static_cast<double>(options_.connections) / options_.rate)
                    : Clock::duration::zero();
    for (size_t i = 0; i < connections_.size(); ++i) {
      Open(connections_[i]);
      connections_[i].due =
          start + interval_ * static_cast<int64_t>(i) / static_cast<int64_t>(connections_.size());
    }

    std::vector<epoll_event> events(connections_.size() + 1);
    while (true) {
      const Clock::time_point now = Clock::now();
      if (now >= end) break;
      if (!measuring_ && now >= measure_from_) measuring_ = true;
      Clock::time_point next = measuring_ ? end : measure_from_;
      for (Connection& c : connections_) {
        if (!c.waiting) continue;
        if (c.due <= now) {
          c.waiting = false;
          Send(c);
        } else {
          next = std::min(next, c.due);
        }
      }
      const int timeout_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1);
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0 && errno != EINTR) return Fail("epoll_wait");
      for (int i = 0; i < n; ++i) {
        Connection& c = connections_[events[static_cast<size_t>(i)].data.u64];
        Handle(c, events[static_cast<size_t>(i)].events);
      }
      if (warmup_errors_ > 1000 && answered_ == 0) {
        std::fprintf(stderr, "gateway_probe: nothing answers at %s:%s\n", options_.host.c_str(),
                     options_.port.c_str());
        break;
      }
    }
    const double measured = std::chrono::duration<double>(end - measure_from_).count();
    for (Connection& c : connections_) Close(c);
    close(epoll_);

    const size_t answers = tally_.total_ns.size();
    std::printf("%.1f %.3f %.3f %.3f %.3f %zu %" PRId64 "\n",
                static_cast<double>(answers) / measured, PercentileMs(tally_.total_ns, 0.50),
                PercentileMs(tally_.total_ns, 0.99), PercentileMs(tally_.first_byte_ns, 0.50),
                PercentileMs(tally_.first_byte_ns, 0.99), answers, tally_.errors);
    for (const auto& [kind, count] : tally_.error_kinds) {
      std::fprintf(stderr, "gateway_probe: %" PRId64 " x %s\n", count, kind.c_str());
    }
    return 0;
  }

 private:
  static Clock::duration ToDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }

  int Fail(const char* what) {
    std::fprintf(stderr, "gateway_probe: %s: %s\n", what, std::strerror(errno));
    return 1;
  }

  bool Resolve() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = getaddrinfo(options_.host.c_str(), options_.port.c_str(), &hints, &found);
    if (rc != 0 || found == nullptr) {
      std::fprintf(stderr, "gateway_probe: cannot resolve %s: %s\n", options_.host.c_str(),
                   gai_strerror(rc));
      return false;
    }
    std::memcpy(&address_, found->ai_addr, found->ai_addrlen);
    address_length_ = found->ai_addrlen;
    family_ = found->ai_family;
    freeaddrinfo(found);
    return true;
  }

  size_t IndexOf(const Connection& c) const {
    return static_cast<size_t>(&c - connections_.data());
  }

  void Watch(Connection& c, uint32_t events, int op) {
    epoll_event e{};
    e.events = events;
    e.data.u64 = IndexOf(c);
    epoll_ctl(epoll_, op, c.fd, &e);
  }

  void Open(Connection& c) {
    const Clock::time_point due = c.due;  // a paced schedule goes on on the new connection
    c = Connection{};
    c.due = due;
    c.fd = socket(family_, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      Error("socket: " + std::string(std::strerror(errno)));
      return;
    }
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = connect(c.fd, reinterpret_cast<const sockaddr*>(&address_), address_length_);
    if (rc < 0 && errno != EINPROGRESS) {
      Error("connect: " + std::string(std::strerror(errno)));
      close(c.fd);
      c.fd = -1;
      return;
    }
    c.connecting = true;
    Watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
  }

  void Close(Connection& c) {
    if (c.fd >= 0) close(c.fd);  // closing removes it from the epoll set
    c.fd = -1;
  }

  // Errors of the warm-up are reported but not counted.
  void Error(const std::string& kind) {
    if (measuring_) {
      ++tally_.errors;
      ++tally_.error_kinds[kind];
    } else {
      ++warmup_errors_;
      ++tally_.error_kinds["(warm-up) " + kind];
    }
  }

  // A broken connection: the answer in flight is an error; a new connection takes its place.
  void Reopen(Connection& c, const std::string& why) {
    if (c.in_flight || !c.in.empty()) Error(why);
    Close(c);
    Open(c);
  }

  void Send(Connection& c) {
    c.out = requests_[static_cast<size_t>(&c - connections_.data()) % requests_.size()];
    c.out_sent = 0;
    c.in_flight = true;
    c.phase = Phase::kHeaders;
    c.status = 0;
    c.seen_body_byte = false;
    c.close_after = false;
    c.body.clear();
    c.sent_at = Clock::now();
    Flush(c);
  }

  void Flush(Connection& c) {
    while (c.out_sent < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      Reopen(c, "send: " + std::string(std::strerror(errno)));
      return;
    }
    Watch(c, EPOLLIN, EPOLL_CTL_MOD);
  }

  void Handle(Connection& c, uint32_t events) {
    if (c.fd < 0) return;
    if (c.connecting) {
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        Error("connect: " + std::string(std::strerror(error)));
        Close(c);
        Open(c);
        return;
      }
      if ((events & EPOLLOUT) == 0) return;
      c.connecting = false;
      Next(c, Clock::now());
      return;
    }
    if ((events & EPOLLOUT) != 0 && c.out_sent < c.out.size()) Flush(c);
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) == 0) return;
    char buffer[65536];
    while (c.fd >= 0) {
      ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        const Clock::time_point now = Clock::now();
        c.in.append(buffer, static_cast<size_t>(n));
        if (!Parse(c, now) || c.connecting) return;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n == 0 && c.phase == Phase::kUntilClose && c.in_flight) {
        Complete(c, Clock::now());
        return;
      }
      Reopen(c, n == 0 ? "connection closed before the answer ended"
                       : "recv: " + std::string(std::strerror(errno)));
      return;
    }
  }

  void TakeBody(Connection& c, size_t n, Clock::time_point now) {
    if (n == 0) return;
    if (!c.seen_body_byte) {
      c.seen_body_byte = true;
      c.first_byte_at = now;
    }
    if (!options_.expect.empty() && c.body.size() < (1u << 20)) c.body.append(c.in, 0, n);
    c.in.erase(0, n);
  }

  // Parses what has arrived; false when the connection was replaced.
  bool Parse(Connection& c, Clock::time_point now) {
    while (c.in_flight) {
      switch (c.phase) {
        case Phase::kHeaders: {
          size_t end = c.in.find("\r\n\r\n");
          if (end == std::string::npos) return true;
          if (!ParseHead(c, std::string_view(c.in).substr(0, end))) {
            Reopen(c, "an answer that is not HTTP/1.1");
            return false;
          }
          c.in.erase(0, end + 4);
          if (c.phase == Phase::kBody && c.remaining == 0) Complete(c, now);
          break;
        }
        case Phase::kBody: {
          size_t n = std::min(c.in.size(), static_cast<size_t>(c.remaining));
          if (n == 0) return true;
          TakeBody(c, n, now);
          c.remaining -= static_cast<int64_t>(n);
          if (c.remaining == 0) Complete(c, now);
          break;
        }
        case Phase::kUntilClose:
          TakeBody(c, c.in.size(), now);
          return true;
        case Phase::kChunkSize: {
          size_t end = c.in.find("\r\n");
          if (end == std::string::npos) return true;
          c.remaining = std::strtoll(c.in.c_str(), nullptr, 16);
          c.in.erase(0, end + 2);
          c.phase = c.remaining == 0 ? Phase::kTrailers : Phase::kChunkData;
          break;
        }
        case Phase::kChunkData: {
          size_t n = std::min(c.in.size(), static_cast<size_t>(c.remaining));
          if (n == 0) return true;
          TakeBody(c, n, now);
          c.remaining -= static_cast<int64_t>(n);
          if (c.remaining == 0) c.phase = Phase::kChunkEnd;
          break;
        }
        case Phase::kChunkEnd:
          if (c.in.size() < 2) return true;
          c.in.erase(0, 2);
          c.phase = Phase::kChunkSize;
          break;
        case Phase::kTrailers: {
          size_t end = c.in.find("\r\n");
          if (end == std::string::npos) return true;
          c.in.erase(0, end + 2);
          if (end == 0) Complete(c, now);
          break;
        }
      }
    }
    if (!c.in.empty()) {
      Reopen(c, "bytes after the answer");
      return false;
    }
    return true;
  }

  bool ParseHead(Connection& c, std::string_view head) {
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) return false;
    c.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    c.close_after = status_line.starts_with("HTTP/1.0");
    bool chunked = false;
    std::optional<int64_t> length;
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (EqualsIgnoreCase(name, "Content-Length")) {
        length = std::strtoll(std::string(value).c_str(), nullptr, 10);
      } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
        chunked = value.find("chunked") != std::string_view::npos;
      } else if (EqualsIgnoreCase(name, "Connection")) {
        c.close_after = EqualsIgnoreCase(value, "close");
      }
    }
    if (chunked) {
      c.phase = Phase::kChunkSize;
    } else if (length) {
      c.phase = Phase::kBody;
      c.remaining = *length;
    } else {
      c.phase = Phase::kUntilClose;
      c.close_after = true;
    }
    return true;
  }

  void Complete(Connection& c, Clock::time_point now) {
    c.in_flight = false;
    if (!c.seen_body_byte) c.first_byte_at = now;
    ++answered_;
    const bool ok = c.status >= 200 && c.status < 300 &&
                    (options_.expect.empty() || c.body.find(options_.expect) != std::string::npos);
    if (!ok) {
      Error(c.status >= 200 && c.status < 300 ? "an answer without '" + options_.expect + "'"
                                              : "status " + std::to_string(c.status));
    } else if (measuring_) {
      tally_.total_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent_at).count());
      tally_.first_byte_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(c.first_byte_at - c.sent_at)
              .count());
    }
    if (options_.rate > 0) c.due += interval_;
    if (c.close_after) {
      Close(c);
      Open(c);
      return;
    }
    Next(c, now);
  }

  // Sends the connection's next request: at once in a closed loop; when due, paced.
  void Next(Connection& c, Clock::time_point now) {
    if (options_.rate > 0 && c.due > now) {
      c.waiting = true;
      Watch(c, EPOLLIN, EPOLL_CTL_MOD);
      return;
    }
    Send(c);
  }

  Options options_;
  std::string request_;                // the request line and common headers
  std::vector<std::string> requests_;  // whole requests, one per spread header (or one)
  sockaddr_storage address_{};
  socklen_t address_length_ = 0;
  int family_ = AF_INET;
  int epoll_ = -1;
  std::vector<Connection> connections_;
  Clock::time_point measure_from_;
  Clock::duration interval_{};  // paced: between one connection's requests
  bool measuring_ = false;
  int64_t answered_ = 0;
  int64_t warmup_errors_ = 0;
  Tally tally_;
};

int Usage(const char* why) {
  std::fprintf(stderr,
               "gateway_probe: %s\nusage: gateway_probe --url http://HOST:PORT/PATH --body-file "
               "FILE [--header 'Name: value']... [--spread-header 'Name: value']... "
               "[--connections N] [--seconds S] "
               "[--warmup-seconds S] [--expect TEXT] [--rate R]\n",
               why);
  return 2;
}

// Splits "http://host:port/path"; only plain HTTP.
bool ParseUrl(std::string_view url, Options& options) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  url.remove_prefix(kScheme.size());
  size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  options.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    options.host = std::string(authority);
    options.port = "80";
  } else {
    options.host = std::string(authority.substr(0, colon));
    options.port = std::string(authority.substr(colon + 1));
  }
  if (options.host.size() > 2 && options.host.front() == '[') {
    options.host = options.host.substr(1, options.host.size() - 2);
  }
  return !options.host.empty();
}

int Main(int argc, char** argv) {
  Options options;
  bool have_url = false, have_body = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return Usage("every option takes a value");
    const char* value = argv[++i];
    if (arg == "--url") {
      if (!ParseUrl(value, options)) return Usage("--url must be http://HOST:PORT/PATH");
      have_url = true;
    } else if (arg == "--body-file") {
      std::ifstream in(value, std::ios::binary);
      if (!in) return Usage("cannot read the --body-file");
      std::stringstream text;
      text << in.rdbuf();
      options.body = text.str();
      have_body = true;
    } else if (arg == "--header") {
      options.headers.emplace_back(value);
    } else if (arg == "--spread-header") {
      options.spread_headers.emplace_back(value);
    } else if (arg == "--connections") {
      options.connections = std::atoi(value);
    } else if (arg == "--seconds") {
      options.seconds = std::atof(value);
    } else if (arg == "--warmup-seconds") {
      options.warmup_seconds = std::atof(value);
    } else if (arg == "--expect") {
      options.expect = value;
    } else if (arg == "--rate") {
      options.rate = std::atof(value);
    } else {
      return Usage(("unknown option " + std::string(arg)).c_str());
    }
  }
  if (!have_url || !have_body) return Usage("--url and --body-file are required");
  if (options.connections < 1 || options.connections > 10000) {
    return Usage("--connections must be from 1 to 10000");
  }
  if (!(options.rate >= 0)) return Usage("--rate must not be negative");
  if (!(options.seconds > 0) || !(options.warmup_seconds >= 0)) {
    return Usage("--seconds must be positive and --warmup-seconds not negative");
  }
  return Probe(std::move(options)).Run();
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
