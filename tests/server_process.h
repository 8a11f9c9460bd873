// ServerProcess: a real `bulwark serve` child process on a free loopback port, for tests that
// must kill or signal the server.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace bulwark::tests {

// A `bulwark serve` child process on a free port.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& database) {
    // The server refuses to start without a secrets key: give the database one (beside it).
    std::string make_key = std::string(BULWARK_BINARY) + " --database '" + database +
                           "' keys init --if-missing >/dev/null 2>&1";
    if (std::system(make_key.c_str()) != 0) return;
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDERR_FILENO);
      close(out[0]);
      std::string binary = BULWARK_BINARY;
      execl(binary.c_str(), binary.c_str(), "--database", database.c_str(), "serve", "--listen",
            "127.0.0.1:0", "--no-access-log", "--rate-limit", "1000000", "--rate-burst", "1000000",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // Read until the "listening on http://127.0.0.1:PORT" line.
    std::string text;
    char c;
    while (read(out[0], &c, 1) == 1) {
      text += c;
      if (c == '\n' && text.find("listening on") != std::string::npos) break;
    }
    close(out[0]);
    size_t at = text.find("127.0.0.1:");
    if (at != std::string::npos) port_ = static_cast<uint16_t>(std::stoi(text.substr(at + 10)));
  }
  ~ServerProcess() {
    if (pid_ > 0) Signal(SIGKILL);
  }
  uint16_t port() const { return port_; }
  // Sends a signal and reaps the process.
  int Signal(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace bulwark::tests
