// bench/evals (evaluations): an evaluation run end to end as a deployment runs it, and how close
// it comes to the rate its model allows.
//
//   build/bench/evaluation_bench [--bulwark build/bin/bulwark] [--tasks 200] [--epochs 50]
//       [--workers 2] [--concurrency 64] [--latency-ms 200] [--solve-rate 0.5] [--quick]
//
// A throwaway PostgreSQL cluster on loopback (testing/postgres_cluster.h, as the tests and
// bench/jobs use), and on it, each a process of its own: `bulwark serve --no-worker` (the API
// and the gateway), `bulwark mock-model` answering after --latency-ms, and --workers `bulwark
// worker --gateway-url` processes running --concurrency samples at once between them. The demo's
// people, lab and open window are seeded (`admin seed-demo`; the window keeps no content of
// calls, as windows do unless the lab chooses otherwise), with a generated suite of --tasks
// single-turn tasks: a sample is one model call through the gateway, no sandbox. Then, through
// the API, as the evaluator:
//
//   1. an evaluation of tasks x epochs samples under a fixed-size policy, timed from the moment
//      it was started (its samples queued) to its decision. Its rate in samples/s is compared
//      with the ideal rate measured in the same run: concurrency / (model calls per sample x the
//      mock's latency, as measured by calling it directly). Target: at least 95% of it.
//   2. the same model, suite and epochs under the demo's sequential policy (threshold 0.34,
//      level 0.95): the samples its decision used against the fixed size, and the samples run
//      (the decision stops the queue; the samples in flight then still finish and are
//      recorded, unused). The mock solves a --solve-rate share of samples, so the answer is known.
//
// Also shown, to see what limits the rate: the CPU seconds each process used, PostgreSQL's
// commits and rollbacks (conflicts retried) per sample, and how busy the machine's cores were.
// No test asserts time; this prints.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/time_format.h"
#include "store/database.h"
#include "testing/postgres_cluster.h"
#include "testing/temp_dir.h"

namespace bulwark::bench {
namespace {

namespace beast = boost::beast;
namespace json = boost::json;
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

// Thrown to end the run: the stack unwinds, so the processes and the cluster are stopped.
struct Stop {};

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void OnInterrupt(int) { g_interrupted = 1; }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "evaluation_bench: %s\n", what.c_str());
  throw Stop{};
}

void CheckInterrupted() {
  if (g_interrupted) Die("interrupted");
}

template <typename T>
T Check(StatusOr<T> value, const std::string& what) {
  if (!value.ok()) Die(what + ": " + value.status().ToString());
  return std::move(*value);
}

struct Options {
  std::string bulwark = "build/bin/bulwark";
  int tasks = 200;
  int epochs = 50;
  int workers = 2;
  int concurrency = 64;
  int latency_ms = 200;
  double solve_rate = 0.5;
};

uint16_t FreePort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, {boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(0)});
  return acceptor.local_endpoint().port();
}

struct Reply {
  int status = 0;
  std::string body;
  json::value Json() const {
    StatusOr<json::value> parsed = ParseJson(body);
    return parsed.ok() ? *parsed : json::value();
  }
};

// One HTTP/1.1 exchange with 127.0.0.1:`port`; status 0 when nothing answered.
Reply Http(uint16_t port, beast::http::verb method, const std::string& target,
           const std::string& token = "", const std::string& body = "") {
  Reply reply;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(120));
    stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    beast::http::request<beast::http::string_body> request(method, target, 11);
    request.set(beast::http::field::host, "127.0.0.1");
    request.set(beast::http::field::content_type, "application/json");
    if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    request.body() = body;
    request.prepare_payload();
    beast::http::write(stream, request);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> response;
    beast::http::read(stream, buffer, response);
    reply.status = static_cast<int>(response.result_int());
    reply.body = std::move(response.body());
    beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  } catch (const std::exception&) {
    reply.status = 0;
  }
  return reply;
}

// `bulwark ARGS...` as a child process, its output in `log`; SIGTERM and reaped at destruction.
class Process {
 public:
  Process(const std::string& binary, const std::vector<std::string>& args, const std::string& log)
      : log_(log) {
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);  // should this program end without stopping it
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Process() { Stop(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// Runs `bulwark ARGS...` to its end; dies with its output when it fails.
void RunToEnd(const std::string& binary, const std::vector<std::string>& args,
              const std::string& log) {
  Process p(binary, args, log);
  int status = 0;
  waitpid(p.pid(), &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    Die("a bulwark command failed (" + log + "):\n" + text.str());
  }
}

void WaitForHealth(uint16_t port, const Process& p, const std::string& what) {
  for (int i = 0; i < 300; ++i) {
    if (Http(port, beast::http::verb::get, "/healthz").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Die(what + " did not answer on port " + std::to_string(port) + "; see " + p.log());
}

// CPU seconds (user + system) a process used so far; 0 when it is gone.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds of the PostgreSQL server: the postmaster and every process it started.
double PostgresCpuSeconds(const std::string& data_dir) {
  std::ifstream pidfile(data_dir + "/postmaster.pid");
  pid_t postmaster = 0;
  pidfile >> postmaster;
  double total = CpuSeconds(postmaster);
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string state;
    pid_t parent = 0;
    fields >> state >> parent;
    if (parent == postmaster) total += CpuSeconds(std::stoi(name));
  }
  return total;
}

// The machine's busy and total CPU time, in ticks, from /proc/stat.
std::pair<double, double> MachineTicks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  double total = 0, idle = 0, value = 0;
  for (int i = 0; i < 8 && in >> value; ++i) {
    total += value;
    if (i == 3 || i == 4) idle += value;  // idle, iowait
  }
  return {total - idle, total};
}

// Writes a suite of `count` single-turn tasks, each answered with its flag.
void WriteSuite(const std::string& dir, int count) {
  std::filesystem::create_directories(dir);
  std::string suite =
      "name: evaluation-bench\nversion: 1\ndescription: Single-turn questions, one model call "
      "each\ntasks:\n";
  for (int i = 0; i < count; ++i) {
    const std::string id = "q" + std::to_string(i);
    suite += "  - " + id + ".yaml\n";
    std::ofstream(dir + "/" + id + ".yaml")
        << "id: " << id << "\nmode: single_turn\nprompt: \"Question number " << i
        << ": what is the flag?\"\nflag: FLAG{q" << i << "}\n";
  }
  std::ofstream(dir + "/suite.yaml") << suite;
}

std::string Text(const json::value& v, std::initializer_list<std::string_view> path) {
  const json::value* at = &v;
  for (std::string_view key : path) {
    if (!at->is_object() || !at->as_object().contains(key)) return "";
    at = &at->as_object().at(key);
  }
  if (at->is_string()) return std::string(at->as_string());
  if (at->is_int64()) return std::to_string(at->as_int64());
  return "";
}

int64_t Int(const json::value& v, std::string_view key) {
  if (!v.is_object() || !v.as_object().contains(key)) return -1;
  const json::value& x = v.as_object().at(key);
  return x.is_int64() ? x.as_int64() : x.is_uint64() ? static_cast<int64_t>(x.as_uint64()) : -1;
}

// What the run's processes and the database did over an interval.
struct Usage {
  std::map<std::string, double> cpu;  // process -> CPU seconds
  double postgres_cpu = 0;
  int64_t commits = 0, rollbacks = 0;
  double machine_busy = 0, machine_total = 0;
};

class Deployment {
 public:
  Deployment(const Options& options, const std::string& dir) : options_(options), dir_(dir) {
    if (!testing::PostgresAvailable()) Die(testing::PostgresUnavailableReason());
    Status started = cluster_.Start();
    if (!started.ok()) Die("PostgreSQL: " + started.ToString());
    url_ = Check(cluster_.CreateDatabase("evaluation_bench"), "create the database");
    global_ = {"--database",        url_, "--ledger-key", dir + "/ledger.key", "--secrets-key",
               dir + "/secrets.key"};
    RunToEnd(options.bulwark, With({"keys", "init"}), dir + "/keys.log");

    WriteSuite(dir + "/suite", options.tasks);
    mock_port_ = FreePort();
    mock_ = std::make_unique<Process>(
        options.bulwark,
        std::vector<std::string>{"mock-model", "--suite", dir + "/suite", "--port",
                                 std::to_string(mock_port_), "--latency-ms",
                                 std::to_string(options.latency_ms), "--solve-rate",
                                 std::to_string(options.solve_rate), "--io-threads", "2"},
        dir + "/mock.log");
    WaitForHealth(mock_port_, *mock_, "bulwark mock-model");

    port_ = FreePort();
    RunToEnd(
        options.bulwark,
        With({"admin", "seed-demo", "--credentials-file", dir + "/demo.json", "--url",
              "http://127.0.0.1:" + std::to_string(port_), "--model-url",
              "http://127.0.0.1:" + std::to_string(mock_port_) + "/v1", "--suite", dir + "/suite"}),
        dir + "/seed.log");
    std::ifstream in(dir + "/demo.json");
    demo_ = Reply{200, std::string((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>())}
                .Json();
    serve_ = std::make_unique<Process>(
        options.bulwark,
        With({"serve", "--listen", "127.0.0.1:" + std::to_string(port_), "--no-worker",
              "--rate-limit", "100000000", "--rate-burst", "100000000"}),
        dir + "/serve.log");
    WaitForHealth(port_, *serve_, "bulwark serve");
    const std::string gateway = "http://127.0.0.1:" + std::to_string(port_) + "/gateway/v1";
    for (int i = 0; i < options.workers; ++i) {
      const int share = options.concurrency / options.workers +
                        (i < options.concurrency % options.workers ? 1 : 0);
      workers_.push_back(std::make_unique<Process>(
          options.bulwark,
          With({"worker", "--name", "bench-worker-" + std::to_string(i), "--concurrency",
                std::to_string(share), "--gateway-url", gateway}),
          dir + "/worker-" + std::to_string(i) + ".log"));
    }
    db_ = Check(store::OpenDatabase(url_, 1), "open the database");
  }

  ~Deployment() {
    for (auto& w : workers_) w->Stop();
    if (serve_) serve_->Stop();
    if (mock_) mock_->Stop();
  }

  std::string Token(const std::string& email) const { return Text(demo_, {email, "token"}); }
  std::string Demo(const std::string& field) const {
    return Text(demo_, {"demo_evaluation", field});
  }

  Reply Api(const std::string& email, beast::http::verb method, const std::string& target,
            const std::string& body = "") const {
    Reply r = Http(port_, method, target, Token(email), body);
    if (r.status < 200 || r.status >= 300) {
      Die(std::string(beast::http::to_string(method)) + " " + target + ": " +
          std::to_string(r.status) + " " + r.body);
    }
    return r;
  }

  // Model calls the mock answered so far.
  int64_t MockCalls() const {
    Reply r = Http(mock_port_, beast::http::verb::get, "/stats");
    json::value v = r.Json();
    if (!v.is_object() || !v.as_object().contains("openai")) return -1;
    return Int(v.as_object().at("openai"), "requests");
  }

  // The most model calls the mock answered at once so far (the gateway's calls in flight).
  int64_t MockPeakInFlight() const {
    return Int(Http(mock_port_, beast::http::verb::get, "/stats").Json(), "peak_in_flight");
  }

  // The mock's latency as one caller sees it, directly: the median of `n` calls in a row.
  double MockLatencySeconds(int n) const {
    std::vector<double> seconds;
    const std::string body =
        R"({"model": "mock", "max_tokens": 64, "messages": [{"role": "user", "content": )"
        R"("Question number 0: what is the flag?"}]})";
    for (int i = 0; i < n; ++i) {
      const auto start = Steady::now();
      Reply r = Http(mock_port_, beast::http::verb::post, "/v1/chat/completions", "", body);
      if (r.status != 200) Die("the mock answered " + std::to_string(r.status) + ": " + r.body);
      seconds.push_back(Since(start));
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
  }

  Usage Measure() const {
    Usage u;
    u.cpu["serve"] = CpuSeconds(serve_->pid());
    for (size_t i = 0; i < workers_.size(); ++i) {
      u.cpu["worker-" + std::to_string(i)] = CpuSeconds(workers_[i]->pid());
    }
    u.cpu["mock-model"] = CpuSeconds(mock_->pid());
    u.postgres_cpu = PostgresCpuSeconds(cluster_.data_dir());
    Status s = db_->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                          tx.Query("SELECT xact_commit, xact_rollback FROM pg_stat_database "
                                   "WHERE datname = current_database()"));
      u.commits = rows[0].Int(0);
      u.rollbacks = rows[0].Int(1);
      return OkStatus();
    });
    if (!s.ok()) Die("pg_stat_database: " + s.ToString());
    std::tie(u.machine_busy, u.machine_total) = MachineTicks();
    return u;
  }

  const Options& options() const { return options_; }

 private:
  std::vector<std::string> With(std::vector<std::string> args) const {
    args.insert(args.begin(), global_.begin(), global_.end());
    return args;
  }

  Options options_;
  std::string dir_;
  testing::PostgresCluster cluster_;
  std::string url_;
  std::vector<std::string> global_;
  uint16_t mock_port_ = 0, port_ = 0;
  std::unique_ptr<Process> mock_, serve_;
  std::vector<std::unique_ptr<Process>> workers_;
  json::value demo_;
  std::unique_ptr<store::Database> db_;
};

constexpr char kEvaluator[] = "evaluator@evaluation-office.demo";
constexpr char kLab[] = "lead@frontier-lab.demo";

// One evaluation, as it went.
struct Run {
  std::string id;
  int64_t total = 0, done = 0, used = 0, passed = 0, infrastructure_errors = 0;
  std::string state, outcome;
  double start_seconds = 0;  // the POST that started it
  double seconds = 0;        // from its start (the POST's answer) to its decision
  double steady_rate = 0;    // samples/s between 10% and 90% of the samples recorded
  int64_t model_calls = 0;
  double sample_ms = 0;        // a sample's run on its worker, the model call through the gateway
  double to_first_record = 0;  // seconds from its start to its first sample recorded
  double last_record_to_decision = 0;  // seconds from the last sample recorded to its decision
  Usage before, after;
  double rate() const { return seconds > 0 ? total / seconds : 0; }
};

Run Evaluate(Deployment& d, const std::string& policy_hash, uint64_t seed) {
  Run run;
  const int64_t calls_before = d.MockCalls();
  run.before = d.Measure();
  const auto posted = Steady::now();
  json::value started = d.Api(kEvaluator, beast::http::verb::post, "/api/v1/evaluations",
                              json::serialize(json::object{{"version_id", d.Demo("version_id")},
                                                           {"policy_hash", policy_hash},
                                                           {"epochs", d.options().epochs},
                                                           {"seed", std::to_string(seed)}}))
                            .Json();
  run.start_seconds = Since(posted);
  const auto start = Steady::now();
  const Time started_wall = SystemClock::Get().Now();
  run.id = Text(started, {"id"});
  run.total = Int(started, "samples_total");
  std::optional<double> at10, at90;
  json::value e;
  int64_t last_done = -1;
  double last_progress = 0;
  while (true) {
    CheckInterrupted();
    e = d.Api(kEvaluator, beast::http::verb::get, "/api/v1/evaluations/" + run.id).Json();
    const double t = Since(start);
    const int64_t done = Int(e, "samples_done");
    if (!at10 && done * 10 >= run.total) at10 = t;
    if (!at90 && done * 10 >= run.total * 9) at90 = t;
    if (Text(e, {"state"}) != "running") break;
    if (done != last_done) {
      last_done = done;
      last_progress = t;
    } else if (t - last_progress > 120) {
      Die("evaluation " + run.id + " recorded no sample for two minutes (" + std::to_string(done) +
          " of " + std::to_string(run.total) + "); see the workers' logs");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  run.seconds = Since(start);
  run.after = d.Measure();
  if (at10 && at90 && *at90 > *at10) run.steady_rate = 0.8 * run.total / (*at90 - *at10);
  // The samples in flight at the decision still finish and are recorded (unused): wait for them.
  for (int64_t last = -1, same = 0; same < 10;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    e = d.Api(kEvaluator, beast::http::verb::get, "/api/v1/evaluations/" + run.id).Json();
    same = Int(e, "samples_done") == last ? same + 1 : 0;
    last = Int(e, "samples_done");
  }
  run.state = Text(e, {"state"});
  run.outcome = Text(e, {"outcome"});
  run.done = Int(e, "samples_done");
  run.used = Int(e, "samples_used");
  run.passed = Int(e, "samples_passed");
  run.infrastructure_errors = Int(e, "infrastructure_errors");
  run.model_calls = d.MockCalls() - calls_before;
  // How long the samples' model calls took, through the gateway, as the workers timed them.
  std::vector<json::value> samples;
  for (std::string cursor = "0"; !cursor.empty();) {
    json::value page =
        d.Api(kEvaluator, beast::http::verb::get,
              "/api/v1/evaluations/" + run.id + "/samples?limit=1000&cursor=" + cursor)
            .Json();
    for (const json::value& s : page.as_object().at("items").as_array()) samples.push_back(s);
    cursor = Text(page, {"next_cursor"});
  }
  int64_t timed = 0;
  std::optional<Time> first, last;
  for (const json::value& s : samples) {
    if (Int(s, "milliseconds") > 0) {
      run.sample_ms += static_cast<double>(Int(s, "milliseconds"));
      ++timed;
    }
    if (StatusOr<Time> at = ParseRfc3339(Text(s, {"recorded_at"})); at.ok()) {
      if (!first || *at < *first) first = *at;
      if (!last || *at > *last) last = *at;
    }
  }
  if (timed > 0) run.sample_ms /= static_cast<double>(timed);
  // The evaluation's own times: its start, the first sample recorded, the last, the decision.
  StatusOr<Time> started_at = ParseRfc3339(Text(e, {"started_at"}));
  StatusOr<Time> completed_at = ParseRfc3339(Text(e, {"completed_at"}));
  if (completed_at.ok()) {
    // The decision's own time (the server's clock is this machine's), not the poll that saw it.
    run.seconds = (ToUnixMicros(*completed_at) - ToUnixMicros(started_wall)) / 1e6;
  }
  if (first && last && started_at.ok() && completed_at.ok()) {
    run.to_first_record = ToUnixMicros(*first) / 1e6 - ToUnixMicros(*started_at) / 1e6;
    run.last_record_to_decision =
        std::max(0.0, ToUnixMicros(*completed_at) / 1e6 - ToUnixMicros(*last) / 1e6);
  }
  return run;
}

void PrintUsage(const Run& run) {
  const Usage& a = run.before;
  const Usage& b = run.after;
  std::printf("  CPU seconds over the run (%.1f s on %u cores):", run.seconds,
              std::thread::hardware_concurrency());
  for (const auto& [name, seconds] : b.cpu)
    std::printf(" %s %.1f,", name.c_str(), seconds - a.cpu.at(name));
  std::printf(" postgres %.1f\n", b.postgres_cpu - a.postgres_cpu);
  const double busy = b.machine_total > a.machine_total
                          ? (b.machine_busy - a.machine_busy) / (b.machine_total - a.machine_total)
                          : 0;
  std::printf("  the machine's cores were %.0f%% busy (every process on it)\n", 100 * busy);
  const double samples = std::max<int64_t>(run.done, 1);
  std::printf("  PostgreSQL: %.1f commits and %.3f rollbacks per sample recorded\n",
              (b.commits - a.commits) / samples, (b.rollbacks - a.rollbacks) / samples);
}

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--bulwark") {
      options.bulwark = next();
    } else if (arg == "--tasks") {
      options.tasks = std::stoi(next());
    } else if (arg == "--epochs") {
      options.epochs = std::stoi(next());
    } else if (arg == "--workers") {
      options.workers = std::stoi(next());
    } else if (arg == "--concurrency") {
      options.concurrency = std::stoi(next());
    } else if (arg == "--latency-ms") {
      options.latency_ms = std::stoi(next());
    } else if (arg == "--solve-rate") {
      options.solve_rate = std::stod(next());
    } else if (arg == "--quick") {
      options.epochs = 10;
    } else {
      // bench/evals/run.sh passes its options to every benchmark; another's are not ours.
      std::fprintf(stderr, "evaluation_bench: %s is not an option of this benchmark; ignored\n",
                   arg.c_str());
    }
  }
  if (options.workers < 1 || options.concurrency < options.workers) {
    Die("--concurrency must be at least --workers, and --workers at least 1");
  }
  testing::TempDir dir("evaluation-bench");
  std::printf(
      "bench/evals (evaluation): %d tasks x %d epochs of single-turn samples through the gateway "
      "of bulwark serve on PostgreSQL, %d worker processes running %d samples at once, the mock "
      "model answering after %d ms (%u cores)\n",
      options.tasks, options.epochs, options.workers, options.concurrency, options.latency_ms,
      std::thread::hardware_concurrency());
  std::fflush(stdout);
  Deployment d(options, dir.path());

  // The lab's window keeps no content of calls (the demo's does, to show that feature).
  json::value windows = d.Api(kLab, beast::http::verb::get, "/api/v1/review/windows").Json();
  for (const json::value& w : windows.as_object().at("items").as_array()) {
    if (Text(w, {"version_id"}) == d.Demo("version_id") && Text(w, {"state"}) == "open") {
      d.Api(kLab, beast::http::verb::post,
            "/api/v1/review/windows/" + Text(w, {"id"}) + "/settings",
            R"({"retain_content": false})");
    }
  }
  // The suite's validity checks run on the workers first.
  const std::string suite_hash = d.Demo("suite_hash");
  std::string validity;
  for (int i = 0; i < 1200; ++i) {
    json::value suites =
        d.Api(kEvaluator, beast::http::verb::get, "/api/v1/evaluations/suites").Json();
    for (const json::value& s : suites.as_object().at("items").as_array()) {
      if (Text(s, {"hash"}) == suite_hash) validity = Text(s, {"validity"});
    }
    if (validity != "checking") break;
    CheckInterrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (validity != "valid") Die("the suite's validity checks say \"" + validity + "\"");
  const std::string fixed_policy =
      "id: bench-fixed\nversion: 1\ndescription: Every sample of the suite, then a decision.\n"
      "suites:\n  - name: evaluation-bench\n    hash: " +
      suite_hash +
      "\ncriteria:\n  - id: overall\n    metric: pass_rate\n    threshold: 0.34\n"
      "    level: 0.95\nmin_tasks: 3\n";
  const std::string fixed_hash =
      Text(d.Api(kEvaluator, beast::http::verb::post, "/api/v1/evaluations/policies",
                 json::serialize(json::object{{"yaml", fixed_policy}}))
               .Json(),
           {"hash"});

  // The baseline, measured now: the mock's latency as one caller sees it.
  const double latency = d.MockLatencySeconds(20);

  std::printf("\n1. fixed-size policy: %d samples\n", options.tasks * options.epochs);
  std::fflush(stdout);
  const Run fixed = Evaluate(d, fixed_hash, 1);
  // A single-turn sample needs one model call; more mean samples that ran again.
  const double calls_per_sample = fixed.done > 0 ? double(fixed.model_calls) / fixed.done : 0;
  const double ideal = options.concurrency / latency;
  const double nominal = options.concurrency / (options.latency_ms / 1000.0);
  std::printf(
      "  %s, outcome %s: %lld samples recorded, %lld passed, %lld infrastructure errors; "
      "%.3f model calls per sample\n",
      fixed.state.c_str(), fixed.outcome.c_str(), static_cast<long long>(fixed.done),
      static_cast<long long>(fixed.passed), static_cast<long long>(fixed.infrastructure_errors),
      calls_per_sample);
  std::printf(
      "  started in %.2f s (samples queued), decided %.2f s later: %.1f samples/s; "
      "%.1f samples/s between 10%% and 90%% recorded\n",
      fixed.start_seconds, fixed.seconds, fixed.rate(), fixed.steady_rate);
  std::printf(
      "  baseline, measured in this run: the mock answers one caller in %.1f ms (median "
      "of 20 calls) -> ideal %d samples in flight / %.4f s = %.1f samples/s (nominal %d "
      "/ %.3f s = %.0f)\n",
      latency * 1000, options.concurrency, latency, ideal, options.concurrency,
      options.latency_ms / 1000.0, nominal);
  std::printf("  at most %lld model calls in flight at once at the mock\n",
              static_cast<long long>(d.MockPeakInFlight()));
  std::printf(
      "  the first sample was recorded %.2f s after the start (the workers, woken when the "
      "samples were queued, lease them, then one sample); the decision came %.2f s after the last "
      "sample\n",
      fixed.to_first_record, fixed.last_record_to_decision);
  // Each of the 64 slots runs a sample, records it and leases the next, over and over.
  const double cycle_ms = 1000.0 * options.concurrency / std::max(fixed.steady_rate, 1e-9);
  std::printf(
      "  a slot's cycle at the steady rate: %.1f ms = the sample %.1f ms (the mock's "
      "latency %.1f, the gateway and the worker's model client %.1f) + %.1f ms to record "
      "it, lease the next and read what it needs\n",
      cycle_ms, fixed.sample_ms, latency * 1000, fixed.sample_ms - latency * 1000,
      cycle_ms - fixed.sample_ms);
  PrintUsage(fixed);
  const double ratio = fixed.rate() / ideal;
  const bool met = ratio >= 0.95 && fixed.state == "completed";
  std::printf(
      "ratio to the ideal rate: %.3f (start to decision), %.3f (10%% to 90%%); target "
      ">= 0.95: %s\n",
      ratio, fixed.steady_rate / ideal, met ? "met" : "NOT MET");
  std::fflush(stdout);

  std::printf(
      "\n2. the demo's sequential policy (threshold 0.34, level 0.95), the same model "
      "(solves %.0f%% of samples), suite and epochs\n",
      100 * options.solve_rate);
  std::fflush(stdout);
  const Run sequential = Evaluate(d, d.Demo("policy_hash"), 2);
  std::printf(
      "  %s, outcome %s after %.2f s: decided on %lld of %lld samples; %lld samples ran "
      "(those in flight at the decision finish, unused)\n",
      sequential.state.c_str(), sequential.outcome.c_str(), sequential.seconds,
      static_cast<long long>(sequential.used), static_cast<long long>(sequential.total),
      static_cast<long long>(sequential.done));
  std::printf(
      "samples the sequential rule saved against the fixed size: %lld of %lld (%.1f%%); "
      "model calls made: %lld against %lld for the fixed size (outcome %s, fixed-size "
      "outcome %s)\n",
      static_cast<long long>(sequential.total - sequential.used),
      static_cast<long long>(sequential.total),
      100.0 * (sequential.total - sequential.used) / std::max<int64_t>(sequential.total, 1),
      static_cast<long long>(sequential.model_calls), static_cast<long long>(fixed.model_calls),
      sequential.outcome.c_str(), fixed.outcome.c_str());
  return met && sequential.state == "completed" ? 0 : 1;
}

}  // namespace
}  // namespace bulwark::bench

int main(int argc, char** argv) {
  std::signal(SIGINT, bulwark::bench::OnInterrupt);
  std::signal(SIGTERM, bulwark::bench::OnInterrupt);
  try {
    return bulwark::bench::Main(argc, argv);
  } catch (const bulwark::bench::Stop&) {
    return 1;
  }
}
