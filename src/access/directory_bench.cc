// Micro-benchmarks of the directory's per-request work: authenticating an API token, and
// answering whoami, on an SQLite database in a temporary folder.
#include <benchmark/benchmark.h>

#include "access/directory.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace bulwark::access {
namespace {

struct Fixture {
  Fixture() {
    db = std::move(store::OpenDatabase("sqlite:" + dir.path() + "/bench.db").value());
    store::ApplyMigrations(*db).value();
    directory = std::make_unique<Directory>(*db, SystemClock::Get(), hasher);
    Organization org =
        directory->CreateOrganization(SystemPrincipal(), "Office", OrgKind::kProgramOffice).value();
    User user = directory
                    ->CreateUser(SystemPrincipal(),
                                 {org.id, "b@office.example", "B", std::nullopt, OrgRole::kAdmin})
                    .value();
    principal = {user.id, org.id, "", false};
    secret = directory->IssueToken(principal, user.id, "bench", std::nullopt).value().secret;
  }
  testing::TempDir dir;
  PasswordHasher hasher{PasswordHasher::Cost::kMinimal, 1, Seconds(1)};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<Directory> directory;
  Principal principal;
  std::string secret;
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_AuthenticateToken(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(f.directory->AuthenticateToken(f.secret));
}
BENCHMARK(BM_AuthenticateToken);

void BM_WhoAmI(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(f.directory->WhoAmI(f.principal));
}
BENCHMARK(BM_WhoAmI);

void BM_EmptyReadTransaction(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    Status s = f.db->Transact(store::TxMode::kReadOnly,
                              [](store::Transaction& tx) { return tx.Query("SELECT 1").status(); });
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_EmptyReadTransaction);

}  // namespace
}  // namespace bulwark::access

BENCHMARK_MAIN();
