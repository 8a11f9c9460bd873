#include "evals/sandbox.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "evals/internal/sandbox_process.h"
#include "evals/internal/sandbox_protocol.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace bulwark::evals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

SandboxEnvironment TestEnvironment() {
  SandboxEnvironment env;
  env.init = BULWARK_SANDBOX_INIT_BINARY;
  return env;
}

// Sandboxes need bubblewrap and user namespaces; where they are missing the tests say why.
const Status& Availability() {
  static const Status status = Sandbox::Available(TestEnvironment());
  return status;
}

#define SKIP_WITHOUT_SANDBOX()                                           \
  do {                                                                   \
    if (!Availability().ok()) GTEST_SKIP() << Availability().ToString(); \
  } while (0)

std::unique_ptr<Sandbox> StartOrDie(const SandboxSpec& spec) {
  StatusOr<std::unique_ptr<Sandbox>> box = Sandbox::Start(spec, TestEnvironment());
  EXPECT_TRUE(box.ok()) << box.status().ToString();
  return box.ok() ? std::move(*box) : nullptr;
}

CommandResult Bash(Sandbox& box, const std::string& script, double timeout_s = 20,
                   const std::string& input = "") {
  StatusOr<CommandResult> r = box.Run({"/bin/bash", "-c", script}, input, timeout_s);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : CommandResult{};
}

std::string RandomToken() {
  std::random_device device;
  std::ostringstream out;
  out << std::hex << device() << device() << device() << device();
  return out.str();
}

// A file of /proc, read whole; "" when it cannot be read, as when its process ended between
// the listing and the read (a read then fails with ESRCH).
std::string ReadProcFile(const std::string& path) {
  std::string text;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  close(fd);
  return n < 0 ? std::string() : text;
}

// Host pids of processes whose command line contains `needle` (the test runs on the host, so
// it sees every process).
std::vector<pid_t> FindProcesses(const std::string& needle) {
  std::vector<pid_t> pids;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    std::string cmdline = ReadProcFile("/proc/" + std::string(entry->d_name) + "/cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    if (cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  closedir(proc);
  return pids;
}

// Whether `pid` names a live process (a zombie counts as gone: it runs nothing).
bool Alive(pid_t pid) {
  const std::string stat = ReadProcFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// A TCP port on the host that was free a moment ago (for services run without a sandbox,
// which share the host's network).
uint16_t FreeHostPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A service answering every connection with `reply`. Inside a sandbox the port is private to
// the sample's network namespace, so a fixed number cannot collide with anything.
TaskService EchoService(const std::string& reply, uint16_t port) {
  TaskService service;
  service.name = "greeter";
  service.port = port;
  service.files = {{"server.py",
                    "import socket, sys\n"
                    "s = socket.socket()\n"
                    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
                    "s.listen(16)\n"
                    "while True:\n"
                    "    c, _ = s.accept()\n"
                    "    c.sendall(sys.argv[2].encode())\n"
                    "    c.close()\n",
                    false}};
  service.command = "exec python3 server.py " + std::to_string(port) + " " + reply;
  return service;
}

// A service that starts `sleep <marker>` and listens on `port` once the sleep runs, so when
// Start returns both processes exist. Their host pids are found by the marker.
TaskService HolderService(const std::string& marker, uint16_t port) {
  TaskService service;
  service.name = "holder";
  service.port = port;
  service.files = {{"holder.py",
                    "import os, socket, sys\n"
                    "r, w = os.pipe()\n"
                    "if os.fork() == 0:\n"
                    "    os.execvp('sleep', ['sleep', sys.argv[2]])\n"
                    "os.close(w)\n"
                    "os.read(r, 1)  # end of file once the child has run exec\n"
                    "s = socket.socket()\n"
                    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
                    "s.listen(16)\n"
                    "while True:\n"
                    "    s.accept()[0].close()\n",
                    false}};
  service.command = "exec python3 holder.py " + std::to_string(port) + " " + marker;
  return service;
}

const char* kConnectScript =
    "python3 -c \"import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), "
    "timeout=5); print(s.recv(100).decode())\" ";

// --- The protocol's encoding, on its own. ---

TEST(SandboxProtocolTest, RoundTripsEveryRequest) {
  internal::RunRequest run{{"/bin/echo", std::string("a\0b", 3)}, std::string(300, '\xff'), 2.5};
  internal::FrameWriter w;
  internal::EncodeRunRequest(run, &w);
  internal::RunRequest decoded;
  ASSERT_TRUE(internal::DecodeRunRequest(w.data(), &decoded).ok());
  EXPECT_EQ(decoded.argv, run.argv);
  EXPECT_EQ(decoded.input, run.input);
  EXPECT_EQ(decoded.timeout_s, 2.5);

  TaskService service = EchoService("hi", 8080);
  internal::FrameWriter ws;
  internal::EncodeService(service, &ws);
  TaskService service_back;
  ASSERT_TRUE(internal::DecodeService(ws.data(), &service_back).ok());
  EXPECT_EQ(service_back.command, service.command);
  EXPECT_EQ(service_back.port, 8080);
  ASSERT_EQ(service_back.files.size(), 1u);
  EXPECT_EQ(service_back.files[0].content, service.files[0].content);

  CommandResult result;
  result.exit_code = -1;
  result.signal = 9;
  result.timed_out = true;
  result.output = "out";
  result.output_total = 1ull << 40;
  result.truncated = true;
  internal::FrameWriter wr;
  internal::EncodeResult(result, &wr);
  CommandResult result_back;
  ASSERT_TRUE(internal::DecodeResult(wr.data(), &result_back).ok());
  EXPECT_EQ(result_back.exit_code, -1);
  EXPECT_EQ(result_back.signal, 9);
  EXPECT_TRUE(result_back.timed_out);
  EXPECT_EQ(result_back.output_total, 1ull << 40);

  internal::FrameWriter wf;
  internal::EncodeFailure(UnavailableError("service down"), &wf);
  Status failure = internal::DecodeFailure(wf.data());
  EXPECT_EQ(failure.code(), StatusCode::kUnavailable);
  EXPECT_EQ(failure.message(), "service down");
}

TEST(SandboxProtocolTest, RejectsTruncatedAndOversizedFields) {
  internal::RunRequest run{{"/bin/echo", "hello"}, "input", 1};
  internal::FrameWriter w;
  internal::EncodeRunRequest(run, &w);
  for (size_t cut = 0; cut < w.data().size(); ++cut) {
    internal::RunRequest decoded;
    EXPECT_FALSE(internal::DecodeRunRequest(w.data().substr(0, cut), &decoded).ok()) << cut;
  }
  internal::RunRequest decoded;
  EXPECT_FALSE(internal::DecodeRunRequest(w.data() + "x", &decoded).ok());
  // A length field claiming more bytes than the frame holds.
  internal::FrameWriter huge;
  huge.U64(1);
  huge.U64(~0ull);
  EXPECT_FALSE(internal::DecodeRunRequest(huge.data(), &decoded).ok());
  EXPECT_FALSE(internal::DecodeFailure("").ok());
}

TEST(SandboxProtocolTest, FramesOverASocket) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  internal::UniqueFd a(fds[0]), b(fds[1]);
  ASSERT_TRUE(internal::WriteFrame(a.get(), internal::FrameKind::kRun, "payload").ok());
  StatusOr<internal::Frame> frame = internal::ReadFrame(b.get(), std::nullopt, 100);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->kind, internal::FrameKind::kRun);
  EXPECT_EQ(frame->payload, "payload");

  ASSERT_TRUE(internal::WriteFrame(a.get(), internal::FrameKind::kRun, "too long").ok());
  EXPECT_EQ(internal::ReadFrame(b.get(), std::nullopt, 4).status().code(), StatusCode::kDataLoss);

  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(internal::ReadFrame(a.get(), now, 100).status().code(), StatusCode::kDeadlineExceeded);
  b.Reset();
  EXPECT_EQ(internal::ReadFrame(a.get(), std::nullopt, 100).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(internal::WriteFrame(a.get(), internal::FrameKind::kRun, "x").code(),
            StatusCode::kUnavailable);
}

TEST(SandboxProtocolTest, SafeRelativePaths) {
  EXPECT_TRUE(internal::IsSafeRelativePath("a"));
  EXPECT_TRUE(internal::IsSafeRelativePath("dir/sub/file.txt"));
  EXPECT_TRUE(internal::IsSafeRelativePath("..hidden"));
  for (const char* bad :
       {"", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a/.", "a/", "a/.."}) {
    EXPECT_FALSE(internal::IsSafeRelativePath(bad)) << bad;
  }
  EXPECT_FALSE(internal::IsSafeRelativePath(std::string("a\0b", 3)));
}

// --- Finding the programs. ---

TEST(SandboxTest, ExplainsWhatIsMissing) {
  SandboxEnvironment no_bwrap = TestEnvironment();
  no_bwrap.bwrap = "/nonexistent/bwrap";
  Status status = Sandbox::Available(no_bwrap);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/bwrap"));

  SandboxEnvironment no_init;
  no_init.init = "/nonexistent/init";
  status = Sandbox::Available(no_init);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/init"));

  // A "bubblewrap" that cannot create namespaces.
  SandboxEnvironment broken = TestEnvironment();
  broken.bwrap = "/bin/false";
  status = Sandbox::Available(broken);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("namespaces"));
}

// --- The agent's sandbox. ---

TEST(SandboxTest, FilesAppearInWorkWithTheirModesAndNothingElse) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.agent_files = {{"notes.txt", "hello\n", false},
                      {"bin/solve.sh", "#!/bin/sh\necho solved\n", true},
                      {"data.bin", std::string("\0\x01\xff", 3), false}};
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "pwd; find /work -mindepth 1 -printf '%P %y %m\\n' | sort");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "/work\nbin d 755\nbin/solve.sh f 755\ndata.bin f 644\nnotes.txt f 644\n");
  r = Bash(*box, "./bin/solve.sh && od -An -tx1 data.bin");
  EXPECT_EQ(r.output, "solved\n 00 01 ff\n");
}

TEST(SandboxTest, RejectsUnsafeFilePaths) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.agent_files = {{"../escape", "x", false}};
  StatusOr<std::unique_ptr<Sandbox>> box = Sandbox::Start(spec, TestEnvironment());
  EXPECT_EQ(box.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(box.status().message(), HasSubstr("../escape"));
}

TEST(SandboxTest, WorkIsAWritableTmpfsAndSystemDirectoriesAreReadOnly) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "stat -f -c %T /work; echo data > /work/new && cat /work/new");
  EXPECT_EQ(r.output, "tmpfs\ndata\n");
  for (const char* dir : {"/usr", "/etc", "/bin", "/usr/bin"}) {
    r = Bash(*box, std::string("touch ") + dir + "/bulwark-test 2>&1");
    EXPECT_NE(r.exit_code, 0) << dir;
    EXPECT_THAT(r.output, HasSubstr("Read-only file system")) << dir;
  }
  // The files a later command sees are the ones an earlier one wrote.
  EXPECT_EQ(Bash(*box, "cat /work/new").output, "data\n");
}

TEST(SandboxTest, RunsUnprivilegedWithACleanEnvironment) {
  setenv("BULWARK_TEST_SECRET", "harness-only", 1);
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "id -u; id -g; env | sort");
  unsetenv("BULWARK_TEST_SECRET");
  EXPECT_THAT(r.output, testing::StartsWith("1000\n1000\n"));
  EXPECT_THAT(r.output, HasSubstr("HOME=/work\n"));
  EXPECT_THAT(r.output, HasSubstr("LANG=C.UTF-8\n"));
  EXPECT_THAT(r.output, HasSubstr("TERM=dumb\n"));
  EXPECT_THAT(r.output, Not(HasSubstr("harness-only")));
  // The shadow file is not part of the sandbox's /etc.
  EXPECT_NE(Bash(*box, "cat /etc/shadow").exit_code, 0);
}

TEST(SandboxTest, OnlyLoopbackNetwork) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
  EXPECT_EQ(r.output, "lo\n");
  r = Bash(*box,
           "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)\" "
           "2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("unreachable"));
}

TEST(SandboxTest, ServiceAnswersTheAgentOnLoopback) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.services = {EchoService("pong", 8080)};
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, std::string(kConnectScript) + "8080");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "pong\n");
  // The service's files are its own.
  EXPECT_EQ(Bash(*box, "ls -A /work").output, "");
}

TEST(SandboxTest, ServiceThatFailsToStartIsReported) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  TaskService crash;
  crash.name = "crash";
  crash.command = "echo boom-before-exit; exit 3";
  crash.port = 8080;
  spec.services = {crash};
  StatusOr<std::unique_ptr<Sandbox>> box = Sandbox::Start(spec, TestEnvironment());
  EXPECT_EQ(box.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(box.status().message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(box.status().message(), HasSubstr("boom-before-exit"));

  TaskService silent;
  silent.name = "silent";
  silent.command = "echo still-starting; exec sleep 100";
  silent.port = 8080;
  silent.start_timeout_s = 0.2;
  spec.services = {silent};
  box = Sandbox::Start(spec, TestEnvironment());
  EXPECT_EQ(box.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(box.status().message(), HasSubstr("did not listen"));
  EXPECT_THAT(box.status().message(), HasSubstr("still-starting"));
}

TEST(SandboxTest, TimeoutKillsTheWholeCommandTree) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  StatusOr<CommandResult> r = box->Run({"sleep", "1000"}, "", 0.3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->timed_out);
  EXPECT_EQ(r->exit_code, -1);
  EXPECT_EQ(r->signal, SIGKILL);

  std::string marker = "1000." + std::to_string(getpid()) + "1";
  CommandResult tree = Bash(*box, "(sleep " + marker + " &) ; sleep " + marker, 0.3);
  EXPECT_TRUE(tree.timed_out);
  EXPECT_EQ(FindProcesses("sleep " + marker), std::vector<pid_t>{});
  // The sandbox is still usable.
  EXPECT_EQ(Bash(*box, "echo after").output, "after\n");
}

TEST(SandboxTest, BackgroundChildrenDoNotHoldTheCommandOpen) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  std::string marker = "1000." + std::to_string(getpid()) + "2";
  CommandResult r = Bash(*box, "sleep " + marker + " & echo started", 100);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "started\n");
  EXPECT_EQ(FindProcesses("sleep " + marker), std::vector<pid_t>{});
}

TEST(SandboxTest, ExitStatusAndSignals) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "exit 7");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.signal, 0);
  r = Bash(*box, "kill -TERM $$");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.signal, SIGTERM);
  StatusOr<CommandResult> missing = box->Run({"/nonexistent/program"}, "", 5);
  ASSERT_TRUE(missing.ok());
  EXPECT_NE(missing->exit_code, 0);
  EXPECT_THAT(missing->output, HasSubstr("/nonexistent/program"));
  EXPECT_EQ(box->Run({}, "", 5).status().code(), StatusCode::kInvalidArgument);
}

TEST(SandboxTest, OutputIsCappedAndCountedWithBoundedMemory) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.limits.output_bytes = 64 << 10;
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  CommandResult r = Bash(*box, "head -c 100000000 /dev/zero | tr '\\0' x; echo -n end >&2");
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, std::string(64 << 10, 'x'));
  EXPECT_EQ(r.output_total, 100000003u);
  EXPECT_TRUE(r.truncated);
  // The harness never holds the whole output (ru_maxrss is in KiB).
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 50 << 10);
}

TEST(SandboxTest, BinaryOutputAndTerminalEscapesComeBackExactly) {
  SKIP_WITHOUT_SANDBOX();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  bytes += "\x1b[31mred\x1b[0m\x1b]0;title\x07\r\n\x1b[2J";
  StatusOr<CommandResult> r = box->Run({"cat"}, bytes, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, bytes);
  EXPECT_EQ(r->output_total, bytes.size());
  EXPECT_FALSE(r->truncated);
  // Interleaved standard output and error, in order.
  EXPECT_EQ(Bash(*box, "echo 1; echo 2 >&2; echo 3").output, "1\n2\n3\n");
}

TEST(SandboxTest, FileSizeLimitStopsAHugeFile) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.limits.file_size_bytes = 1 << 20;
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "head -c 10000000 /dev/zero > big; echo status=$?; stat -c %s big");
  EXPECT_THAT(r.output, HasSubstr("status=153"));  // 128 + SIGXFSZ
  EXPECT_THAT(r.output, HasSubstr("\n1048576\n"));
}

TEST(SandboxTest, ProcessLimitStopsAForkBomb) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.limits.processes = 20;
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box,
                         "python3 -c \"\n"
                         "import os, time\n"
                         "n = 0\n"
                         "try:\n"
                         "    for _ in range(1000):\n"
                         "        if os.fork() == 0:\n"
                         "            time.sleep(30)\n"
                         "            os._exit(0)\n"
                         "        n += 1\n"
                         "except OSError as e:\n"
                         "    print('stopped', n, e.errno)\n"
                         "\"",
                         20);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.output, HasSubstr("stopped"));
  EXPECT_THAT(r.output, HasSubstr(" 11\n"));  // EAGAIN
}

TEST(SandboxTest, MemoryLimitStopsABigAllocation) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.limits.memory_bytes = 256 << 20;
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  CommandResult r = Bash(*box, "python3 -c 'b = bytearray(1 << 30); print(len(b))' 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("MemoryError"));
  EXPECT_EQ(Bash(*box, "python3 -c 'print(len(bytearray(16 << 20)))'").output, "16777216\n");
}

TEST(SandboxTest, DeadlineKillsEverything) {
  SKIP_WITHOUT_SANDBOX();
  std::string marker = "4321." + std::to_string(getpid()) + "3";
  SandboxSpec spec;
  spec.limits.wall_time_s = 1;
  spec.services = {HolderService(marker, 8080)};
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  std::vector<pid_t> pids = FindProcesses(marker);
  EXPECT_EQ(FindProcesses("sleep " + marker).size(), 1u);
  std::vector<internal::UniqueFd> watch;
  for (pid_t pid : pids) watch.push_back(internal::OpenPidfd(pid));

  CommandResult r = Bash(*box, "sleep 1000", 100);
  EXPECT_TRUE(r.timed_out);
  // Everything in the enclosure ends at the deadline, without a call to Kill.
  for (const internal::UniqueFd& fd : watch) {
    EXPECT_TRUE(internal::WaitReadable(fd.get(), std::chrono::seconds(30)));
  }
  r = Bash(*box, "echo too late");
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.output, "");
}

TEST(SandboxTest, KillAndDestructionLeaveNoProcesses) {
  SKIP_WITHOUT_SANDBOX();
  for (bool explicit_kill : {true, false}) {
    std::string marker = "4321." + std::to_string(getpid()) + (explicit_kill ? "4" : "5");
    SandboxSpec spec;
    spec.services = {HolderService(marker, 8080)};
    auto box = StartOrDie(spec);
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(FindProcesses("sleep " + marker).size(), 1u);
    // The sleep, the service and the bubblewrap processes around them.
    std::vector<pid_t> pids = FindProcesses(marker);
    EXPECT_GE(pids.size(), 2u);
    if (explicit_kill) {
      box->Kill();
      for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
      EXPECT_EQ(box->Run({"true"}, "", 5).status().code(), StatusCode::kUnavailable);
      EXPECT_EQ(box->RunChecker(TaskChecker{"true", {}, 5}, "").status().code(),
                StatusCode::kUnavailable);
    }
    box.reset();
    for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
    EXPECT_EQ(FindProcesses(marker), std::vector<pid_t>{});
  }
}

// This process's sample cgroups in the v1 pids hierarchy, where the harness can create them.
std::vector<std::string> SampleCgroups() {
  std::vector<std::string> found;
  std::string prefix = "bulwark-sandbox-" + std::to_string(getpid()) + "-";
  DIR* dir = opendir("/sys/fs/cgroup/pids");
  if (dir == nullptr) return found;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name.rfind(prefix, 0) == 0) found.push_back("/sys/fs/cgroup/pids/" + name);
  }
  closedir(dir);
  return found;
}

TEST(SandboxTest, SampleCgroupLimitsAllProcessesTogether) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.limits.memory_bytes = 128 << 20;
  spec.limits.processes = 64;
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  std::vector<std::string> cgroups = SampleCgroups();
  if (cgroups.empty()) GTEST_SKIP() << "no cgroup v1 pids hierarchy the harness may use here";
  ASSERT_EQ(cgroups.size(), 1u);
  std::ifstream max(cgroups[0] + "/pids.max");
  std::string pids_max;
  max >> pids_max;
  EXPECT_EQ(pids_max, "64");
  // Each process stays within its own 128 MB address space, but together they need more than
  // the sample's 128 MB, so the cgroup's OOM killer ends some of them.
  CommandResult r = Bash(*box,
                         "for i in 1 2 3 4; do python3 -c \"import time; b = b'x' * (60 << 20); "
                         "time.sleep(1); print('alive')\" & done; wait",
                         30);
  size_t alive = 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) alive += line == "alive" ? 1 : 0;
  EXPECT_LT(alive, 4u) << r.output;
  box.reset();
  struct stat st;
  EXPECT_NE(stat(cgroups[0].c_str(), &st), 0) << cgroups[0] << " was left behind";
}

// --- The checker. ---

TEST(SandboxTest, CheckerSeesSubmissionItsFilesAndTheAgentsFilesReadOnly) {
  SKIP_WITHOUT_SANDBOX();
  SandboxSpec spec;
  spec.agent_files = {{"answer.txt", "agent-work\n", false}};
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);
  Bash(*box, "echo made-by-agent > /work/made.txt");
  TaskChecker checker;
  checker.files = {{"expected.txt", "the answer", false}};
  checker.command =
      "echo \"env=$SUBMISSION\"; echo \"stdin=$(cat)\"; ls /work; cat /agent/answer.txt "
      "/agent/made.txt; touch /agent/x 2>/dev/null && echo agent-writable; id -u; "
      "test \"$SUBMISSION\" = \"$(cat expected.txt)\"";
  StatusOr<CommandResult> r = box->RunChecker(checker, "the answer");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->output;
  EXPECT_EQ(r->output,
            "env=the answer\nstdin=the answer\nexpected.txt\nagent-work\nmade-by-agent\n1000\n");
  r = box->RunChecker(checker, "wrong");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 1);
}

TEST(SandboxTest, TheAgentNeverSeesCheckerFiles) {
  SKIP_WITHOUT_SANDBOX();
  std::string token = "CHECKER" + RandomToken();
  auto box = StartOrDie({});
  ASSERT_NE(box, nullptr);
  TaskChecker checker;
  checker.files = {{"secret/expected.txt", token, false}};
  checker.command = "grep -q " + token + " secret/expected.txt";
  StatusOr<CommandResult> r = box->RunChecker(checker, "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  CommandResult search = Bash(*box,
                              "grep -rla -D skip --exclude-dir=proc --exclude-dir=usr " + token +
                                  " / 2>/dev/null; echo searched",
                              30);
  EXPECT_EQ(search.output, "searched\n");
}

// --- The flag. ---

TEST(SandboxTest, TheFlagIsNowhereTheAgentCanRead) {
  SKIP_WITHOUT_SANDBOX();
  // The flag is random, so no file on the host can hold it by chance.
  std::string flag = "FLAG{" + RandomToken() + "}";
  SandboxSpec spec;
  TaskService vault = EchoService("vault-is-up", 8080);
  vault.name = "vault";
  vault.files.push_back({"flag.txt", flag + "\n", false});
  // The service holds the flag in a file, in its environment and on its command line.
  vault.command = "export VAULT_FLAG='" + flag +
                  "'; exec python3 server.py 8080 vault-is-up --flag='" + flag + "'";
  spec.services = {vault};
  spec.agent_files = {{"README", "find the flag\n", false}};
  auto box = StartOrDie(spec);
  ASSERT_NE(box, nullptr);

  // The agent's script must not hold the flag itself (its own command line would match), so it
  // searches with a pattern that matches the flag without containing it: "[c]" for "c".
  std::string needle = flag.substr(5, 16);
  std::string pattern = needle.substr(0, 4) + "[" + needle[4] + "]" + needle.substr(5);
  // /usr is the host's read-only system tree (gigabytes, and older than this test's random
  // flag), so it is left out of the content search; everything else is read, including
  // /proc's view of every process the agent can see.
  std::string script =
      "grep -rlaE -D skip --exclude-dir=proc --exclude-dir=usr '" + pattern +
      "' / 2>/dev/null | sed 's/^/file: /'\n"
      "for p in /proc/[0-9]*; do\n"
      "  cat $p/environ $p/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -aE '" +
      pattern +
      "' | sed \"s|^|$p: |\"\n"
      "  ls -la $p/root/ $p/cwd/ 2>/dev/null | grep -a flag.txt | sed \"s|^|$p root: |\"\n"
      "  grep -rlaE '" +
      pattern +
      "' $p/root/tmp $p/cwd 2>/dev/null | sed \"s|^|$p files: |\"\n"
      "done\n"
      "env | grep -aE '" +
      pattern +
      "' | sed 's/^/env: /'\n"
      "ls /proc | grep -c '^[0-9]' | sed 's/^/visible processes: /'\n"
      "find / -xdev -name flag.txt 2>/dev/null | sed 's/^/named: /'\n"
      "echo searched\n";
  CommandResult search = Bash(*box, script, 60);
  EXPECT_FALSE(search.timed_out);
  EXPECT_THAT(search.output, Not(HasSubstr(needle)));
  EXPECT_THAT(search.output, Not(HasSubstr("file: ")));
  EXPECT_THAT(search.output, Not(HasSubstr("named: ")));
  EXPECT_THAT(search.output, Not(HasSubstr("root: ")));
  EXPECT_THAT(search.output, HasSubstr("searched\n"));
  // The service is there all the same.
  CommandResult reach = Bash(*box, std::string(kConnectScript) + "8080");
  EXPECT_EQ(reach.output, "vault-is-up\n");
  // And the flag really is in the service's files, environment and command line: the search
  // would have found it had the agent been able to see them.
  EXPECT_FALSE(FindProcesses(flag).empty());
}

// --- Speed. ---

TEST(SandboxTest, SamplesPerSecond) {
  SKIP_WITHOUT_SANDBOX();
  constexpr int kSamples = 20;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSamples; ++i) {
    SandboxSpec spec;
    spec.agent_files = {{"task.txt", "solve me", false}};
    auto box = StartOrDie(spec);
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(Bash(*box, "cat task.txt").output, "solve me");
    EXPECT_EQ(Bash(*box, "echo done").output, "done\n");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // A measurement for the log, not an assertion: the machine is shared.
  std::cout << "sandbox: " << (seconds / kSamples * 1000) << " ms per sample (start, two "
            << "commands, stop), " << (kSamples / seconds) << " samples per second\n";
}

// --- Without a sandbox. ---

TEST(UnsandboxedTest, RunsInATemporaryDirectoryAndCleansUp) {
  setenv("BULWARK_TEST_SECRET", "harness-only", 1);
  SandboxSpec spec;
  spec.agent_files = {{"a/b.txt", "content", false}, {"run.sh", "echo ran", true}};
  StatusOr<std::unique_ptr<Sandbox>> box = StartUnsandboxed(spec);
  unsetenv("BULWARK_TEST_SECRET");
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  StatusOr<CommandResult> r = (*box)->Run(
      {"/bin/bash", "-c", "pwd; cat a/b.txt; echo; ./run.sh; stat -c %a run.sh; env"}, "", 10);
  ASSERT_TRUE(r.ok());
  std::istringstream lines(r->output);
  std::string dir;
  std::getline(lines, dir);
  EXPECT_THAT(dir, testing::StartsWith("/tmp/bulwark-sandbox-"));
  EXPECT_THAT(r->output, HasSubstr("content\nran\n755\n"));
  EXPECT_THAT(r->output, HasSubstr("HOME=" + dir + "\n"));
  EXPECT_THAT(r->output, Not(HasSubstr("harness-only")));

  r = (*box)->Run({"sleep", "1000"}, "", 0.3);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);

  TaskChecker checker;
  checker.command = "test \"$SUBMISSION\" = yes && cat \"$AGENT_DIR/a/b.txt\"";
  r = (*box)->RunChecker(checker, "yes");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->output, "content");

  box->reset();
  struct stat st;
  EXPECT_NE(stat(dir.c_str(), &st), 0) << dir << " was left behind";
}

TEST(UnsandboxedTest, ServicesRunAsHostProcessesAndEndWithTheSandbox) {
  uint16_t port = FreeHostPort();
  std::string marker = "4321." + std::to_string(getpid()) + "6";
  SandboxSpec spec;
  spec.services = {HolderService(marker, port)};
  spec.limits.output_bytes = 10;
  StatusOr<std::unique_ptr<Sandbox>> box = StartUnsandboxed(spec);
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  StatusOr<CommandResult> r =
      (*box)->Run({"python3", "-c",
                   "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1]))); "
                   "print('connected')",
                   std::to_string(port)},
                  "", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "connected\n");
  r = (*box)->Run({"head", "-c", "1000000", "/dev/zero"}, "", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output.size(), 10u);
  EXPECT_EQ(r->output_total, 1000000u);
  r = (*box)->Run({"/nonexistent/program"}, "", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 127);
  std::vector<pid_t> pids = FindProcesses(marker);
  EXPECT_EQ(pids.size(), 2u);  // the service and its sleep
  box->reset();
  for (pid_t pid : pids) EXPECT_FALSE(Alive(pid)) << pid;
}

}  // namespace
}  // namespace bulwark::evals
