#include "access/directory.h"

#include <gtest/gtest.h>

#include "access/policy.h"
#include "testing/postgres_cluster.h"
#include "testing/test_database.h"

namespace bulwark::access {
namespace {

class DirectoryTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Backend::kPostgres && !testing::PostgresAvailable()) {
      GTEST_SKIP() << testing::PostgresUnavailableReason();
    }
    auto db = testing::OpenTestDatabase(GetParam(), dir_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    directory_ = std::make_unique<Directory>(*db_, clock_, hasher_);
    const Principal system = SystemPrincipal();
    office_ =
        directory_->CreateOrganization(system, "Program Office", OrgKind::kProgramOffice).value();
    lab_ = directory_->CreateOrganization(system, "Frontier Lab", OrgKind::kLab).value();
    bank_ = directory_->CreateOrganization(system, "Community Bank", OrgKind::kOperator).value();
    director_ = MakeUser(office_, "director@office.example", OrgRole::kAdmin);
    deputy_ = MakeUser(office_, "deputy@office.example", OrgRole::kAdmin);
    lab_admin_ = MakeUser(lab_, "admin@lab.example", OrgRole::kAdmin);
    lab_member_ = MakeUser(lab_, "member@lab.example", OrgRole::kMember);
    banker_ = MakeUser(bank_, "it@bank.example", OrgRole::kAdmin);
    for (const Principal& p : {director_, deputy_}) {
      ASSERT_TRUE(
          directory_->WriteTuple(system, {std::string(kPlatform), "admin", p.user_id, {}, {}})
              .ok());
    }
  }

  Principal MakeUser(const Organization& org, const std::string& email, OrgRole role) {
    StatusOr<User> user = directory_->CreateUser(
        SystemPrincipal(),
        {org.id, email, email.substr(0, email.find('@')), "a long enough password", role});
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return {user->id, org.id, "tok_test", false};
  }

  testing::TempDir dir_;
  FakeClock clock_{FromUnixMicros(int64_t{1'780'000'000} * 1'000'000)};
  PasswordHasher hasher_{PasswordHasher::Cost::kMinimal, 4, Seconds(10)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Directory> directory_;
  Organization office_, lab_, bank_;
  Principal director_, deputy_, lab_admin_, lab_member_, banker_;
};

TEST_P(DirectoryTest, OrganizationsAreVisibleToMembersOnly) {
  EXPECT_TRUE(directory_->GetOrganization(lab_member_, lab_.id).ok());
  EXPECT_EQ(directory_->GetOrganization(banker_, lab_.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(directory_->GetOrganization(director_, bank_.id).ok());
  StatusOr<Page<Organization>> mine = directory_->ListOrganizations(lab_member_, {});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_EQ(mine->items[0].id, lab_.id);
  StatusOr<Page<Organization>> all = directory_->ListOrganizations(director_, {"", 2});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->items.size(), 2u);
  ASSERT_FALSE(all->next_cursor.empty());
  StatusOr<Page<Organization>> rest =
      directory_->ListOrganizations(director_, {all->next_cursor, 2});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->items.size(), 1u);
  EXPECT_TRUE(rest->next_cursor.empty());
}

TEST_P(DirectoryTest, OnlyPlatformAdminsCreateOrganizationsAndNamesAreUnique) {
  EXPECT_EQ(directory_->CreateOrganization(lab_admin_, "Other Lab", OrgKind::kLab).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(directory_->CreateOrganization(director_, "Other Lab", OrgKind::kLab).ok());
  EXPECT_EQ(directory_->CreateOrganization(director_, "Other Lab", OrgKind::kLab).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(directory_->CreateOrganization(director_, "", OrgKind::kLab).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(DirectoryTest, UsersAreCreatedByTheirOrganizationsAdmins) {
  EXPECT_TRUE(
      directory_->CreateUser(lab_admin_, {lab_.id, "new@lab.example", "New", {}, OrgRole::kMember})
          .ok());
  EXPECT_EQ(
      directory_->CreateUser(lab_member_, {lab_.id, "x@lab.example", "X", {}, OrgRole::kMember})
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(directory_->CreateUser(banker_, {lab_.id, "y@lab.example", "Y", {}, OrgRole::kMember})
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(
      directory_->CreateUser(lab_admin_, {lab_.id, "NEW@lab.example", "Dup", {}, OrgRole::kMember})
          .status()
          .code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(directory_->CreateUser(lab_admin_, {lab_.id, "not-an-email", "Z", {}, OrgRole::kMember})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      directory_->CreateUser(lab_admin_, {lab_.id, "s@lab.example", "S", "short", OrgRole::kMember})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  StatusOr<Page<User>> users = directory_->ListUsers(lab_member_, lab_.id, {});
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->items.size(), 3u);
}

TEST_P(DirectoryTest, TokensAuthenticateUntilRevokedOrExpired) {
  StatusOr<IssuedToken> token =
      directory_->IssueToken(lab_member_, lab_member_.user_id, "laptop", clock_.Now() + Days(1));
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(HasSecretShape(token->secret, kApiTokenPrefix));
  StatusOr<Principal> p = directory_->AuthenticateToken(token->secret);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->user_id, lab_member_.user_id);
  EXPECT_EQ(p->org_id, lab_.id);
  EXPECT_EQ(p->credential_id, token->token.id);

  // Stored only as a hash: the secret is nowhere in the table.
  Status s = db_->Transact(store::TxMode::kReadOnly, [&](store::Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query("SELECT secret_hash FROM api_tokens"));
    for (const store::Row& row : rows)
      EXPECT_EQ(row.Bytes(0).find(token->secret), std::string::npos);
    return OkStatus();
  });
  ASSERT_TRUE(s.ok());

  // last_used_at is recorded.
  StatusOr<std::vector<ApiToken>> listed = directory_->ListTokens(lab_member_, lab_member_.user_id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE((*listed)[0].last_used_at.has_value());

  // Others may not issue a user's tokens, not even admins; admins may revoke them.
  EXPECT_EQ(directory_->IssueToken(lab_admin_, lab_member_.user_id, "x", {}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(directory_->RevokeToken(banker_, token->token.id).status().code(),
            StatusCode::kNotFound);

  clock_.Advance(Days(2));
  EXPECT_EQ(directory_->AuthenticateToken(token->secret).status().code(),
            StatusCode::kUnauthenticated);

  StatusOr<IssuedToken> second = directory_->IssueToken(lab_member_, lab_member_.user_id, "ci", {});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(directory_->RevokeToken(lab_admin_, second->token.id).ok());
  StatusOr<Principal> revoked = directory_->AuthenticateToken(second->secret);
  EXPECT_EQ(revoked.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);

  EXPECT_EQ(directory_->AuthenticateToken("bwk_" + std::string(52, 'a')).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(directory_->AuthenticateToken("garbage").status().code(), StatusCode::kUnauthenticated);
}

TEST_P(DirectoryTest, RevocationElsewhereTakesEffectWithinTheCacheLifetime) {
  StatusOr<IssuedToken> token = directory_->IssueToken(lab_member_, lab_member_.user_id, "t", {});
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(directory_->AuthenticateToken(token->secret).ok());
  // Another server on the same database revokes it.
  Directory other(*db_, clock_, hasher_);
  ASSERT_TRUE(other.RevokeToken(lab_admin_, token->token.id).ok());
  EXPECT_EQ(other.AuthenticateToken(token->secret).status().code(), StatusCode::kUnauthenticated);
  clock_.Advance(Directory::kTokenCacheLifetime);
  EXPECT_EQ(directory_->AuthenticateToken(token->secret).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(DirectoryTest, DisabledUsersCannotAuthenticate) {
  StatusOr<IssuedToken> token = directory_->IssueToken(lab_member_, lab_member_.user_id, "t", {});
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(directory_->SetDisabled(lab_member_, lab_admin_.user_id, true).code(),
            StatusCode::kPermissionDenied);
  ASSERT_TRUE(directory_->SetDisabled(lab_admin_, lab_member_.user_id, true).ok());
  EXPECT_EQ(directory_->AuthenticateToken(token->secret).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(directory_->SignIn("member@lab.example", "a long enough password").status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(DirectoryTest, SessionsNeedTheRightPasswordAndCsrfToken) {
  EXPECT_EQ(directory_->SignIn("member@lab.example", "wrong password!").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(directory_->SignIn("nobody@lab.example", "a long enough password").status().code(),
            StatusCode::kUnauthenticated);
  StatusOr<IssuedSession> session =
      directory_->SignIn("Member@Lab.example", "a long enough password");
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_TRUE(directory_->AuthenticateSession(session->secret, std::nullopt).ok());
  EXPECT_TRUE(directory_->AuthenticateSession(session->secret, session->csrf_token).ok());
  EXPECT_EQ(directory_->AuthenticateSession(session->secret, "").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(directory_->AuthenticateSession(session->secret, session->secret).status().code(),
            StatusCode::kPermissionDenied);
  clock_.Advance(Directory::kSessionLifetime);
  EXPECT_EQ(directory_->AuthenticateSession(session->secret, std::nullopt).status().code(),
            StatusCode::kUnauthenticated);

  StatusOr<IssuedSession> again =
      directory_->SignIn("member@lab.example", "a long enough password");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(directory_->SignOut(again->secret).ok());
  EXPECT_EQ(directory_->AuthenticateSession(again->secret, std::nullopt).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_P(DirectoryTest, DualControlGrantsNeedASecondAdministrator) {
  StatusOr<RelationshipTuple> proposal = directory_->WriteTuple(
      director_, {std::string(kPlatform), "auditor", banker_.user_id, {}, {}});
  ASSERT_TRUE(proposal.ok()) << proposal.status().ToString();
  EXPECT_FALSE(proposal->approved_at.has_value());
  // Not in effect until approved.
  EXPECT_FALSE(directory_->Check(banker_, actions::kTupleRead, kPlatform)->allowed);
  StatusOr<RelationshipTuple> self_approved = directory_->ApproveTuple(director_, proposal->id);
  EXPECT_EQ(self_approved.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(self_approved.status().message().find("separation of duties"), std::string::npos);
  EXPECT_EQ(directory_->ApproveTuple(lab_admin_, proposal->id).status().code(),
            StatusCode::kPermissionDenied);
  StatusOr<RelationshipTuple> approved = directory_->ApproveTuple(deputy_, proposal->id);
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->approved_by, deputy_.user_id);
  EXPECT_TRUE(directory_->Check(banker_, actions::kTupleRead, kPlatform)->allowed);
  EXPECT_EQ(directory_->ApproveTuple(deputy_, proposal->id).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(directory_->RevokeTuple(deputy_, proposal->id).ok());
  EXPECT_FALSE(directory_->Check(banker_, actions::kTupleRead, kPlatform)->allowed);
}

TEST_P(DirectoryTest, TuplesAreValidated) {
  EXPECT_EQ(directory_->WriteTuple(director_, {lab_.id, "owner", banker_.user_id, {}, {}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      directory_
          ->WriteTuple(director_, {lab_.id, "member", "robert'); DROP TABLE users;--", {}, {}})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_
                ->WriteTuple(director_,
                             {"org_00000000000000000000000000", "member", banker_.user_id, {}, {}})
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(directory_->WriteTuple(lab_admin_, {lab_.id, "member", banker_.user_id, {}, {}})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  StatusOr<RelationshipTuple> userset = directory_->WriteTuple(
      director_, {lab_.id, "member", bank_.id + "#member", {}, clock_.Now() + Days(30)});
  ASSERT_TRUE(userset.ok()) << userset.status().ToString();
  EXPECT_TRUE(directory_->GetOrganization(banker_, lab_.id).ok());
  clock_.Advance(Days(30));
  EXPECT_EQ(directory_->GetOrganization(banker_, lab_.id).status().code(), StatusCode::kNotFound);
}

TEST_P(DirectoryTest, WhoAmIShowsGrantsInEffect) {
  StatusOr<Identity> me = directory_->WhoAmI(director_);
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->user.email, "director@office.example");
  EXPECT_EQ(me->organization.id, office_.id);
  std::set<std::string> relations;
  for (const RelationshipTuple& t : me->grants) relations.insert(t.object + ":" + t.relation);
  EXPECT_TRUE(relations.contains("platform:admin"));
  EXPECT_TRUE(relations.contains(office_.id + ":admin"));
}

INSTANTIATE_TEST_SUITE_P(Backends, DirectoryTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace bulwark::access
