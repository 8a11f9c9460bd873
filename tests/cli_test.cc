// The bulwark command as a user runs it: configuration precedence, and a graceful stop on
// SIGTERM with requests in flight.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api_fixture.h"
#include "server_process.h"

namespace bulwark::tests {
namespace {

// Runs `bulwark ARGS` with extra environment; returns the exit status.
int RunBulwarkCommand(const std::string& args, const std::string& env = "") {
  std::string command = env + " " + BULWARK_BINARY + " " + args + " >/dev/null 2>&1";
  return WEXITSTATUS(std::system(command.c_str()));
}

TEST(CliTest, FlagsBeatEnvironmentWhichBeatsTheConfigFile) {
  testing::TempDir dir;
  namespace fs = std::filesystem;
  std::string file = dir.path() + "/bulwark.toml";
  std::ofstream(file) << "database = \"sqlite:" << dir.path() << "/from-file.db\"\n";
  std::string env = "BULWARK_DATABASE=sqlite:" + dir.path() + "/from-env.db";

  ASSERT_EQ(RunBulwarkCommand("--config " + file + " migrate"), 0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-file.db"));
  ASSERT_EQ(RunBulwarkCommand("--config " + file + " migrate", env), 0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-env.db"));
  ASSERT_EQ(
      RunBulwarkCommand(
          "--config " + file + " --database sqlite:" + dir.path() + "/from-flag.db migrate", env),
      0);
  EXPECT_TRUE(fs::exists(dir.path() + "/from-flag.db"));

  // Subcommand sections, and errors a person can act on.
  std::ofstream(file) << "[serve]\nlisten = \"127.0.0.1:notaport\"\n";
  EXPECT_NE(
      RunBulwarkCommand("--config " + file + " --database sqlite:" + dir.path() + "/x.db serve"),
      0);
  std::ofstream(file) << "databse = \"sqlite:typo.db\"\n";
  EXPECT_EQ(RunBulwarkCommand("--config " + file + " migrate"), 2);
  EXPECT_EQ(RunBulwarkCommand("--config " + dir.path() + "/missing.toml migrate"), 2);
  EXPECT_NE(RunBulwarkCommand("no-such-command"), 0);
  EXPECT_EQ(RunBulwarkCommand("--help"), 0);
  EXPECT_EQ(RunBulwarkCommand("admin --help"), 0);
  EXPECT_EQ(RunBulwarkCommand("admin create-user --help"), 0);
}

TEST(CliTest, SigtermAnswersRequestsInFlightThenExitsCleanly) {
  testing::TempDir dir;
  std::string database = "sqlite:" + dir.path() + "/bulwark.db";
  ASSERT_EQ(RunBulwarkCommand("--database " + database +
                              " admin create-org --name Office --kind program_office"),
            0);
  ServerProcess server(database);
  ASSERT_NE(server.port(), 0);
  // Sign-ins take a while (argon2id, 64 MiB, two at a time): several are in flight together.
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      std::optional<Reply> r = TryHttpCall(server.port(), "POST", "/api/v1/session",
                                           R"({"email":"nobody@office.example","password":"x"})");
      if (r && r->status == 401) ++answered;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  int status = server.Signal(SIGTERM);
  for (auto& t : clients) t.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_EQ(answered.load(), 4) << "requests in flight at SIGTERM must still be answered";
}

}  // namespace
}  // namespace bulwark::tests
