// The review service's test fixture, on each backend: a database with a keyring and a secrets
// store, the directory, a ReviewService whose ledger entries are kept in memory, and the
// organizations and people of the program (the program office, two labs, a hospital and a
// bank). For the tests of src/review only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "access/directory.h"
#include "access/policy.h"
#include "review/service.h"
#include "secrets/key_file.h"
#include "testing/postgres_cluster.h"
#include "testing/status_assertions.h"
#include "testing/test_database.h"

namespace bulwark::review::testing {

// Keeps the audit records the service writes, to check which actions it recorded.
class RecordingAudit final : public access::AuditTrail {
 public:
  Status Record(store::Transaction&, const access::AuditRecord& record) override {
    std::lock_guard<std::mutex> lock(mu_);
    records_.push_back(record);
    return OkStatus();
  }
  std::vector<access::AuditRecord> records() {
    std::lock_guard<std::mutex> lock(mu_);
    return records_;
  }
  bool Has(const std::string& action, const std::string& object, bool allowed) {
    for (const access::AuditRecord& r : records()) {
      if (r.action == action && r.object == object && r.allowed == allowed) return true;
    }
    return false;
  }
  // The records of `action` (on `object`, when given).
  int Count(const std::string& action, const std::string& object = "") {
    int n = 0;
    for (const access::AuditRecord& r : records()) {
      if (r.action == action && (object.empty() || r.object == object)) ++n;
    }
    return n;
  }

 private:
  std::mutex mu_;
  std::vector<access::AuditRecord> records_;
};

class ReviewFixture : public ::testing::TestWithParam<store::Backend> {
 protected:
  explicit ReviewFixture(Time start) : clock_(start) {}

  void SetUp() override {
    if (GetParam() == store::Backend::kPostgres && !bulwark::testing::PostgresAvailable()) {
      GTEST_SKIP() << bulwark::testing::PostgresUnavailableReason();
    }
    ASSERT_OK_AND_ASSIGN(db_, bulwark::testing::OpenTestDatabase(GetParam(), dir_));
    ASSERT_OK(secrets::CreateKeyFile(dir_.path() + "/secrets.key").status());
    ASSERT_OK_AND_ASSIGN(secrets::Keyring keyring,
                         secrets::OpenKeyring(dir_.path() + "/secrets.key"));
    keyring_ = std::make_unique<secrets::Keyring>(std::move(keyring));
    secrets_ = std::make_unique<secrets::SecretStore>(*keyring_, clock_);
    directory_ = std::make_unique<access::Directory>(*db_, clock_, hasher_);
    review_ = std::make_unique<ReviewService>(*db_, clock_, *secrets_, &audit_);
    const access::Principal system = access::SystemPrincipal();
    auto org = [&](const char* name, access::OrgKind kind) {
      return directory_->CreateOrganization(system, name, kind).value().id;
    };
    office_ = org("Program Office", access::OrgKind::kProgramOffice);
    lab_ = org("Frontier Lab", access::OrgKind::kLab);
    other_lab_ = org("Other Lab", access::OrgKind::kLab);
    hospital_ = org("Rural Hospital", access::OrgKind::kOperator);
    bank_ = org("Community Bank", access::OrgKind::kOperator);
    officer_ = MakeUser(office_, "officer@office.example", access::OrgRole::kMember);
    lab_admin_ = MakeUser(lab_, "admin@lab.example", access::OrgRole::kAdmin);
    lab_admin2_ = MakeUser(lab_, "second@lab.example", access::OrgRole::kAdmin);
    lab_member_ = MakeUser(lab_, "member@lab.example", access::OrgRole::kMember);
    other_admin_ = MakeUser(other_lab_, "admin@other.example", access::OrgRole::kAdmin);
    nurse_ = MakeUser(hospital_, "it@hospital.example", access::OrgRole::kMember);
    hospital_admin_ = MakeUser(hospital_, "admin@hospital.example", access::OrgRole::kAdmin);
    banker_ = MakeUser(bank_, "it@bank.example", access::OrgRole::kAdmin);
    ASSERT_OK(
        directory_
            ->WriteTuple(
                system,
                {std::string(access::kPlatform), "program_office", office_ + "#member", {}, {}})
            .status());
  }

  access::Principal MakeUser(const std::string& org, const std::string& email,
                             access::OrgRole role) {
    StatusOr<access::User> user =
        directory_->CreateUser(access::SystemPrincipal(), {org, email, email, std::nullopt, role});
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return {user->id, org, "tok_test", false};
  }

  // Atlas 2.0 with a window open from now for 20 days, on which the hospital is an active
  // partner; and the hospital's keys, checked as the gateway checks them.
  void OpenWindowWithHospital() {
    Model model = review_->RegisterModel(lab_admin_, lab_, "Atlas", "").value();
    version_ = review_
                   ->AddVersion(lab_admin_, model.id,
                                {"2.0", Provider::kOpenAi, "https://api.lab.example/v1", "atlas-2",
                                 "sk-lab", std::nullopt})
                   .value();
    window_ =
        review_->OpenWindow(lab_admin_, version_.id, {clock_.Now(), clock_.Now() + Days(20), {}})
            .value();
    grant_ = review_->ProposePartner(lab_admin_, window_.id, hospital_, {}).value();
    ASSERT_OK(review_->ConcurPartner(officer_, grant_.id).status());
  }
  IssuedGatewayKey Issue(const std::string& name) {
    return review_->IssueGatewayKey(nurse_, grant_.id, name, {}).value();
  }
  GatewayAccess AccessOf(const IssuedGatewayKey& key) {
    StatusOr<GatewayAccess> access = review_->AuthorizeGatewayKey(key.secret);
    EXPECT_TRUE(access.ok()) << access.status().ToString();
    return access.ok() ? *access : GatewayAccess{};
  }

  bulwark::testing::TempDir dir_;
  FakeClock clock_;
  access::PasswordHasher hasher_{access::PasswordHasher::Cost::kMinimal, 4, Seconds(10)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<secrets::Keyring> keyring_;
  std::unique_ptr<secrets::SecretStore> secrets_;
  std::unique_ptr<access::Directory> directory_;
  RecordingAudit audit_;
  std::unique_ptr<ReviewService> review_;
  std::string office_, lab_, other_lab_, hospital_, bank_;
  access::Principal officer_, lab_admin_, lab_admin2_, lab_member_, other_admin_, nurse_,
      hospital_admin_, banker_;
  ModelVersion version_;
  Window window_;
  PartnerGrant grant_;
};

// Names each backend's instance of a fixture's tests.
inline std::string BackendName(const ::testing::TestParamInfo<store::Backend>& info) {
  return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
}

}  // namespace bulwark::review::testing
