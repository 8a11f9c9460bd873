#include "access/directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <variant>

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

// A sort key as the directory orders it: text in byte order (the test cluster's collation is
// C), integers numerically, a missing expiry after every other.
using SortKey = std::variant<std::string, int64_t>;

// Pages through `list` two rows at a time in every sort `columns` allow, both directions, and
// expects the pages to add up to all rows in (key, id) order: no duplicates, no gaps.
template <typename T>
void ExpectPagesFollowEverySort(const std::function<StatusOr<Page<T>>(const PageRequest&)>& list,
                                std::span<const std::string_view> columns,
                                const std::function<SortKey(const T&, std::string_view)>& key_of) {
  StatusOr<Page<T>> all = list({"", 200, {}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_TRUE(all->next_cursor.empty());
  ASSERT_GE(all->items.size(), 5u);
  for (std::string_view column : columns) {
    std::set<SortKey> distinct;
    for (const T& item : all->items) distinct.insert(key_of(item, column));
    if (column != "name" && column != "email") {  // unique columns have no ties
      EXPECT_LT(distinct.size(), all->items.size()) << column << " has no ties to break";
    }
    for (bool descending : {false, true}) {
      SortOrder sort{std::string(column), descending};
      std::vector<T> expected = all->items;
      std::sort(expected.begin(), expected.end(), [&](const T& a, const T& b) {
        auto ka = std::make_pair(key_of(a, column), a.id);
        auto kb = std::make_pair(key_of(b, column), b.id);
        return descending ? kb < ka : ka < kb;
      });
      std::vector<std::string> want, got;
      for (const T& item : expected) want.push_back(item.id);
      std::string cursor;
      for (int pages = 0; pages < 100; ++pages) {
        StatusOr<Page<T>> page = list({cursor, 2, sort});
        ASSERT_TRUE(page.ok()) << sort.ToString() << ": " << page.status().ToString();
        EXPECT_LE(page->items.size(), 2u);
        for (const T& item : page->items) got.push_back(item.id);
        cursor = page->next_cursor;
        if (cursor.empty()) break;
      }
      EXPECT_EQ(got, want) << "sort=" << sort.ToString();
    }
  }
}

int64_t Micros(Time t) { return ToUnixMicros(t); }

TEST_P(DirectoryTest, ListsPageInEverySortWithTiesAndNulls) {
  const Principal system = SystemPrincipal();
  // Organizations: kinds repeat, and some are created in the same microsecond.
  for (const char* name : {"Second Lab", "Third Lab", "Another Operator"}) {
    ASSERT_TRUE(
        directory_
            ->CreateOrganization(system, name, name[0] == 'A' ? OrgKind::kOperator : OrgKind::kLab)
            .ok());
    clock_.Advance(Seconds(name[0] == 'S' ? 0 : 5));
  }
  // Users: names repeat, some are disabled, created_at repeats.
  std::vector<Principal> people;
  for (int i = 0; i < 6; ++i) {
    StatusOr<User> user =
        directory_->CreateUser(system, {lab_.id, "person" + std::to_string(5 - i) + "@lab.example",
                                        i % 2 == 0 ? "Same Name" : "Name " + std::to_string(i),
                                        std::nullopt, OrgRole::kMember});
    ASSERT_TRUE(user.ok()) << user.status().ToString();
    people.push_back({user->id, lab_.id, "tok_test", false});
    if (i % 3 == 0) {
      ASSERT_TRUE(directory_->SetDisabled(system, user->id, true).ok());
    }
    if (i % 2 == 1) clock_.Advance(Seconds(1));
  }
  // Tuples: expiries repeat and some have none; valid_from repeats.
  for (size_t i = 0; i < people.size(); ++i) {
    std::optional<Time> expires;
    if (i % 3 == 1) expires = clock_.Now() + Days(30);
    if (i % 3 == 2) expires = clock_.Now() + Days(10 + static_cast<int>(i));
    ASSERT_TRUE(
        directory_->WriteTuple(system, {bank_.id, "member", people[i].user_id, {}, expires}).ok());
    if (i % 2 == 1) clock_.Advance(Seconds(1));
  }

  ExpectPagesFollowEverySort<Organization>(
      [&](const PageRequest& p) { return directory_->ListOrganizations(director_, p); },
      kOrganizationSortColumns,
      [](const Organization& o, std::string_view column) -> SortKey {
        if (column == "name") return o.name;
        if (column == "kind") return std::string(OrgKindName(o.kind));
        return Micros(o.created_at);
      });
  ExpectPagesFollowEverySort<User>(
      [&](const PageRequest& p) { return directory_->ListUsers(director_, lab_.id, p); },
      kUserSortColumns,
      [](const User& u, std::string_view column) -> SortKey {
        if (column == "email") return u.email;
        if (column == "display_name") return u.display_name;
        if (column == "disabled") return int64_t{u.disabled ? 1 : 0};
        return Micros(u.created_at);
      });
  ExpectPagesFollowEverySort<RelationshipTuple>(
      [&](const PageRequest& p) { return directory_->ListTuples(director_, {}, p); },
      kTupleSortColumns,
      [](const RelationshipTuple& t, std::string_view column) -> SortKey {
        if (column == "object") return t.object;
        if (column == "relation") return t.relation;
        if (column == "subject") return t.subject;
        if (column == "valid_from") return Micros(t.valid_from);
        if (column == "expires_at") {
          return t.expires_at ? Micros(*t.expires_at) : std::numeric_limits<int64_t>::max();
        }
        return Micros(t.created_at);
      });
}

TEST_P(DirectoryTest, BadCursorsAndSortsAreInvalidArguments) {
  auto code = [&](const PageRequest& p) {
    return directory_->ListUsers(director_, office_.id, p).status().code();
  };
  SortOrder by_email{"email", false};
  StatusOr<Page<User>> first = directory_->ListUsers(director_, office_.id, {"", 1, by_email});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_FALSE(first->next_cursor.empty());
  EXPECT_TRUE(directory_->ListUsers(director_, office_.id, {first->next_cursor, 1, by_email}).ok());
  // The same cursor with another sort, or with the default order.
  EXPECT_EQ(code({first->next_cursor, 1, {"email", true}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({first->next_cursor, 1, {}}), StatusCode::kInvalidArgument);
  StatusOr<Page<User>> plain = directory_->ListUsers(director_, office_.id, {"", 1, {}});
  ASSERT_TRUE(plain.ok());
  StatusOr<Page<User>> mismatched =
      directory_->ListUsers(director_, office_.id, {plain->next_cursor, 1, by_email});
  EXPECT_EQ(mismatched.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mismatched.status().message().find("sort=email"), std::string::npos)
      << mismatched.status().message();
  // Garbage, truncated cursors, a cursor of another list's shape, a column not allowed.
  for (std::string garbage : {std::string("!!!"), std::string("abc"), std::string("e30"),
                              first->next_cursor.substr(0, first->next_cursor.size() - 3),
                              std::string(5000, 'A'), plain->next_cursor + "=="}) {
    EXPECT_EQ(code({garbage, 1, by_email}), StatusCode::kInvalidArgument) << garbage;
  }
  // {"s":"created_at","k":"text","i":"usr_x"}: an integer column with a text key.
  EXPECT_EQ(
      code({"eyJzIjoiY3JlYXRlZF9hdCIsImsiOiJ0ZXh0IiwiaSI6InVzcl94In0", 1, {"created_at", false}}),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(code({"", 1, {"password_hash", false}}), StatusCode::kInvalidArgument);
  EXPECT_EQ(directory_->ListTuples(director_, {}, {"", 1, {"email", false}}).status().code(),
            StatusCode::kInvalidArgument);
  StatusOr<SortOrder> parsed = ParseSortOrder("-expires_at", kTupleSortColumns);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, (SortOrder{"expires_at", true}));
  StatusOr<SortOrder> unknown = ParseSortOrder("password_hash", kUserSortColumns);
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("email, display_name, disabled, created_at"),
            std::string::npos)
      << unknown.status().message();
}

INSTANTIATE_TEST_SUITE_P(Backends, DirectoryTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace bulwark::access
