#include "testing/postgres_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace bulwark::testing {
namespace {

constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kServerUser = "postgres";
constexpr const char* kSuperuser = "bulwark";
constexpr int kStartAttempts = 3;

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string FindRunuser() {
  for (const char* path : {"/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"}) {
    if (IsExecutable(path)) return path;
  }
  return "";
}

bool RunningAsRoot() { return geteuid() == 0; }

// Runs `argv` (as the server user when we are root) with `dir` as working directory and its
// output appended to `log_path`; returns an error naming the exit status.
Status Run(std::vector<std::string> argv, const std::string& dir, const std::string& log_path) {
  const std::string program = argv[0].substr(argv[0].rfind('/') + 1);
  if (RunningAsRoot()) {
    argv.insert(argv.begin(), {FindRunuser(), "-u", kServerUser, "--"});
  }
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return InternalError("cannot run " + program + ": " + std::strerror(rc));
  }
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return InternalError("waitpid: " + std::string(std::strerror(errno)));
  }
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return OkStatus();
  std::string how = WIFEXITED(wstatus)
                        ? "exited with status " + std::to_string(WEXITSTATUS(wstatus))
                        : "was killed by signal " + std::to_string(WTERMSIG(wstatus));
  return InternalError(program + " " + how);
}

// A TCP port on 127.0.0.1 that was free a moment ago.
StatusOr<int> FindFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    close(fd);
    return InternalError("cannot find a free port: " + error);
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

bool IsValidDatabaseName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string PostgresBinDir() {
  const char* dir = std::getenv("BULWARK_PG_BINDIR");
  return dir != nullptr && *dir != '\0' ? dir : kDefaultBinDir;
}

std::string PostgresUnavailableReason() {
  const std::string bin = PostgresBinDir();
  for (const char* tool : {"initdb", "pg_ctl", "postgres"}) {
    if (!IsExecutable(bin + "/" + tool)) {
      return "PostgreSQL server binaries not found (" + bin + "/" + tool +
             "); install postgresql-15 or set BULWARK_PG_BINDIR";
    }
  }
  if (RunningAsRoot()) {
    if (getpwnam(kServerUser) == nullptr) {
      return "running as root and there is no 'postgres' user to run the server as";
    }
    if (FindRunuser().empty()) return "running as root and runuser(1) is missing";
  }
  return "";
}

bool PostgresAvailable() { return PostgresUnavailableReason().empty(); }

PostgresCluster::~PostgresCluster() {
  if (running_) {
    Run({PostgresBinDir() + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "stop"},
        dir_->path(), dir_->path() + "/pg_ctl.log")
        .IgnoreError();
  }
}

std::string PostgresCluster::LogTail() const {
  std::string out;
  for (const char* name : {"initdb.log", "pg_ctl.log", "server.log"}) {
    std::string tail = Tail(dir_->path() + "/" + name, 3000);
    if (!tail.empty()) out += std::string("\n--- ") + name + " ---\n" + tail;
  }
  return out;
}

Status PostgresCluster::Start() {
  if (dir_ != nullptr) return FailedPreconditionError("PostgresCluster already started");
  if (const std::string reason = PostgresUnavailableReason(); !reason.empty()) {
    return FailedPreconditionError(reason);
  }
  dir_ = std::make_unique<TempDir>("bulwark-pg");
  const std::string& dir = dir_->path();
  if (RunningAsRoot()) {
    const passwd* user = getpwnam(kServerUser);
    if (chown(dir.c_str(), user->pw_uid, user->pw_gid) != 0) {
      return InternalError("cannot hand " + dir + " to the postgres user: " + std::strerror(errno));
    }
  }
  data_dir_ = dir + "/data";
  const std::string bin = PostgresBinDir();

  Status initdb = Run({bin + "/initdb", "-D", data_dir_, "-A", "trust", "-U", kSuperuser,
                       "--no-sync", "-E", "UTF8", "--locale=C"},
                      dir, dir + "/initdb.log");
  if (!initdb.ok()) return UnavailableError("initdb failed: " + initdb.message() + LogTail());

  Status started;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    BW_ASSIGN_OR_RETURN(port_, FindFreePort());
    {
      // Later settings override earlier ones, so a retry simply appends a new port.
      std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
      conf << "\n# Throwaway test cluster.\n"
           << "listen_addresses = '127.0.0.1'\n"
           << "port = " << port_ << "\n"
           << "unix_socket_directories = '" << data_dir_ << "'\n"
           << "max_connections = 200\n"
           << "fsync = off\n"
           << "synchronous_commit = off\n"
           << "full_page_writes = off\n";
      if (!conf) return InternalError("cannot write " + data_dir_ + "/postgresql.conf");
    }
    started = Run(
        {bin + "/pg_ctl", "-D", data_dir_, "-l", dir + "/server.log", "-w", "-t", "60", "start"},
        dir, dir + "/pg_ctl.log");
    if (started.ok()) break;
    // A failed start can leave a half-started server behind; make sure it is gone.
    Run({bin + "/pg_ctl", "-D", data_dir_, "-m", "immediate", "-w", "stop"}, dir,
        dir + "/pg_ctl.log")
        .IgnoreError();
  }
  if (!started.ok()) {
    return UnavailableError("PostgreSQL did not start: " + started.message() + LogTail());
  }
  running_ = true;
  url_ = std::string("postgresql://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) +
         "/postgres";
  return OkStatus();
}

StatusOr<std::string> PostgresCluster::CreateDatabase(std::string_view name) {
  if (!running_) return FailedPreconditionError("PostgresCluster is not running");
  std::string db_name(name);
  if (db_name.empty()) {
    db_name = "test_" + std::to_string(getpid()) + "_" + std::to_string(next_database_++);
  }
  if (!IsValidDatabaseName(db_name)) {
    return InvalidArgumentError("database name \"" + db_name +
                                "\" must be lowercase letters, digits and underscores");
  }
  PGconn* conn = PQconnectdb(url_.c_str());
  Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = UnavailableError(std::string("cannot connect to the test cluster: ") +
                              PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(conn, ("CREATE DATABASE " + db_name).c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      status = InternalError("CREATE DATABASE " + db_name + ": " + PQerrorMessage(conn));
    }
    PQclear(result);
  }
  PQfinish(conn);
  BW_RETURN_IF_ERROR(status);
  return std::string("postgresql://") + kSuperuser + "@127.0.0.1:" + std::to_string(port_) + "/" +
         db_name;
}

StatusOr<PostgresCluster*> PostgresCluster::Shared() {
  // Destroyed (and so stopped) by the static destructors at exit.
  static std::mutex mu;
  static std::unique_ptr<PostgresCluster> cluster;
  static Status start_status;
  std::lock_guard<std::mutex> lock(mu);
  if (cluster == nullptr) {
    cluster = std::make_unique<PostgresCluster>();
    start_status = cluster->Start();
  }
  if (!start_status.ok()) return start_status;
  return cluster.get();
}

}  // namespace bulwark::testing
