// Micro-benchmarks of what the insider-risk signals add to each gateway call: Signals::Observe
// once the key's addresses are known and its use was looked at this minute (the common case),
// against the key check every call already makes, on an SQLite database in a temporary folder.
#include <benchmark/benchmark.h>

#include "access/directory.h"
#include "access/policy.h"
#include "review/signals.h"
#include "secrets/key_file.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace bulwark::review {
namespace {

struct Fixture {
  Fixture() {
    db = std::move(store::OpenDatabase("sqlite:" + dir.path() + "/bench.db").value());
    store::ApplyMigrations(*db).value();
    secrets::CreateKeyFile(dir.path() + "/secrets.key").value();
    keyring = std::make_unique<secrets::Keyring>(
        secrets::OpenKeyring(dir.path() + "/secrets.key").value());
    secrets = std::make_unique<secrets::SecretStore>(*keyring, SystemClock::Get());
    directory = std::make_unique<access::Directory>(*db, SystemClock::Get(), hasher);
    review = std::make_unique<ReviewService>(*db, SystemClock::Get(), *secrets);
    signals = std::make_unique<Signals>(*db, SystemClock::Get(), nullptr);
    const access::Principal system = access::SystemPrincipal();
    auto org = [&](const char* name, access::OrgKind kind) {
      return directory->CreateOrganization(system, name, kind).value().id;
    };
    auto user = [&](const std::string& org_id, const char* email) {
      access::User u =
          directory
              ->CreateUser(system, {org_id, email, email, std::nullopt, access::OrgRole::kAdmin})
              .value();
      return access::Principal{u.id, org_id, "", false};
    };
    const std::string office = org("Office", access::OrgKind::kProgramOffice);
    const std::string lab = org("Lab", access::OrgKind::kLab);
    const std::string hospital = org("Hospital", access::OrgKind::kOperator);
    directory
        ->WriteTuple(system,
                     {std::string(access::kPlatform), "program_office", office + "#member", {}, {}})
        .value();
    const access::Principal officer = user(office, "o@office.example");
    const access::Principal lead = user(lab, "l@lab.example");
    const access::Principal nurse = user(hospital, "n@hospital.example");
    Model model = review->RegisterModel(lead, lab, "Atlas", "").value();
    ModelVersion version =
        review
            ->AddVersion(lead, model.id,
                         {"1.0", Provider::kOpenAi, "http://127.0.0.1:9/v1", "a", "sk", {}})
            .value();
    const Time now = SystemClock::Get().Now();
    // Hours that are all but one, so that the check runs and raises nothing.
    const int hour = static_cast<int>(ToUnixMicros(now) / 3'600'000'000 % 24);
    Window window =
        review
            ->OpenWindow(lead, version.id,
                         {now, now + Days(10), {UseHours{hour, (hour + 22) % 24 + 1}, true}})
            .value();
    PartnerGrant grant = review->ProposePartner(lead, window.id, hospital, {}).value();
    review->ConcurPartner(officer, grant.id).value();
    secret = review->IssueGatewayKey(nurse, grant.id, "bench", {}).value().secret;
    gateway_access = review->AuthorizeGatewayKey(secret).value();
  }
  testing::TempDir dir;
  access::PasswordHasher hasher{access::PasswordHasher::Cost::kMinimal, 1, Seconds(1)};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<secrets::Keyring> keyring;
  std::unique_ptr<secrets::SecretStore> secrets;
  std::unique_ptr<access::Directory> directory;
  std::unique_ptr<ReviewService> review;
  std::unique_ptr<Signals> signals;
  std::string secret;
  GatewayAccess gateway_access;
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

// A call's signals once its key is known to this replica: the hours, the address, and the
// evaluation that is not due yet.
void BM_ObserveKnownKey(benchmark::State& state) {
  Fixture& f = Shared();
  f.signals->Observe(f.gateway_access, "198.51.100.1");  // reads the addresses, records the first
  for (auto _ : state) f.signals->Observe(f.gateway_access, "198.51.100.1");
}
BENCHMARK(BM_ObserveKnownKey)->ThreadRange(1, 8)->UseRealTime();

// For scale: the key check each call makes before it goes upstream.
void BM_AuthorizeGatewayKey(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) benchmark::DoNotOptimize(f.review->AuthorizeGatewayKey(f.secret));
}
BENCHMARK(BM_AuthorizeGatewayKey);

}  // namespace
}  // namespace bulwark::review

BENCHMARK_MAIN();
