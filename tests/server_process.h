// Child processes of the real `bulwark` binary, for tests that must run several of them, kill or
// signal them: ServerProcess (`bulwark serve` on a free loopback port) and WorkerProcess
// (`bulwark worker`). Both give the database a secrets key first (`keys init --if-missing`),
// since neither starts without one.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace bulwark::tests {

// `bulwark GLOBAL... keys init --if-missing`; false when it failed.
inline bool EnsureSecretsKey(const std::vector<std::string>& global) {
  std::string command = BULWARK_BINARY;
  for (const std::string& arg : global) command += " '" + arg + "'";
  command += " keys init --if-missing >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// `bulwark ARGS...` as a child process, killed when destroyed. The constructor returns once the
// child printed a line containing `ready` on its standard output (or closed it); its standard
// error goes to /dev/null.
class BulwarkProcess {
 public:
  BulwarkProcess(const std::vector<std::string>& args, const std::string& ready) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDERR_FILENO);
      close(out[0]);
      std::vector<char*> argv;
      std::string binary = BULWARK_BINARY;
      argv.push_back(binary.data());
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    char c;
    std::string line;
    while (read(out[0], &c, 1) == 1) {
      line += c;
      if (c != '\n') continue;
      if (line.find(ready) != std::string::npos) {
        ready_line_ = line;
        break;
      }
      line.clear();
    }
    // Kept open (and unread) until the end, so that the child's later output never meets a
    // closed pipe.
    out_ = out[0];
  }
  ~BulwarkProcess() {
    if (pid_ > 0) Signal(SIGKILL);
    if (out_ >= 0) close(out_);
  }
  BulwarkProcess(const BulwarkProcess&) = delete;
  BulwarkProcess& operator=(const BulwarkProcess&) = delete;

  // The line that said the child was ready; empty when it exited first.
  const std::string& ready_line() const { return ready_line_; }
  // Sends a signal and reaps the process; returns its wait status.
  int Signal(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string ready_line_;
};

// `bulwark --database DATABASE GLOBAL... serve` on 127.0.0.1 at a free port, with the access log
// and rate limits off, plus `serve_args`.
class ServerProcess : public BulwarkProcess {
 public:
  explicit ServerProcess(const std::string& database, const std::vector<std::string>& global = {},
                         const std::vector<std::string>& serve_args = {})
      : BulwarkProcess(Args(database, global, serve_args), "listening on") {
    size_t at = ready_line().find("127.0.0.1:");
    if (at != std::string::npos)
      port_ = static_cast<uint16_t>(std::stoi(ready_line().substr(at + 10)));
  }
  // 0 when the server did not start.
  uint16_t port() const { return port_; }

 private:
  static std::vector<std::string> Args(const std::string& database,
                                       const std::vector<std::string>& global,
                                       const std::vector<std::string>& serve_args) {
    std::vector<std::string> args = {"--database", database};
    args.insert(args.end(), global.begin(), global.end());
    // Without a key the server refuses to start, and the test sees port 0.
    if (!EnsureSecretsKey(args)) return {"--version"};
    for (const char* arg : {"serve", "--listen", "127.0.0.1:0", "--no-access-log", "--rate-limit",
                            "1000000", "--rate-burst", "1000000"}) {
      args.push_back(arg);
    }
    args.insert(args.end(), serve_args.begin(), serve_args.end());
    return args;
  }
  uint16_t port_ = 0;
};

// `bulwark --database DATABASE GLOBAL... worker --name NAME --concurrency 4 --lease-seconds 5`,
// returning once it runs.
class WorkerProcess : public BulwarkProcess {
 public:
  WorkerProcess(const std::string& database, const std::string& name,
                const std::vector<std::string>& global = {})
      : BulwarkProcess(Args(database, name, global), "is running") {}
  bool running() const { return !ready_line().empty(); }

 private:
  static std::vector<std::string> Args(const std::string& database, const std::string& name,
                                       const std::vector<std::string>& global) {
    std::vector<std::string> args = {"--database", database};
    args.insert(args.end(), global.begin(), global.end());
    if (!EnsureSecretsKey(args)) return {"--version"};
    for (const std::string& arg :
         {std::string("worker"), std::string("--name"), name, std::string("--concurrency"),
          std::string("4"), std::string("--lease-seconds"), std::string("5")}) {
      args.push_back(arg);
    }
    return args;
  }
};

}  // namespace bulwark::tests
