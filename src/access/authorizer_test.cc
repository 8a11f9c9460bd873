#include "access/authorizer.h"

#include <gtest/gtest.h>

#include <random>

#include "access/policy.h"
#include "base/ids.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/temp_dir.h"

namespace bulwark::access {
namespace {

using store::Database;
using store::Transaction;
using store::TxMode;
using store::Value;

const Time kNow = FromUnixMicros(int64_t{1'780'000'000} * 1'000'000);

struct TupleOptions {
  Duration valid_from = -Days(1);
  std::optional<Duration> expires_in;
  bool approved = true;
  bool revoked = false;
  std::string created_by = "usr_creator";
};

class AuthorizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenDatabase("sqlite:" + dir_.path() + "/authz.db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    ASSERT_TRUE(store::ApplyMigrations(*db_).ok());
  }

  void Exec(const std::string& sql, const std::vector<Value>& params) {
    Status s = db_->Transact(TxMode::kReadWrite,
                             [&](Transaction& tx) { return tx.Execute(sql, params).status(); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::string Org() {
    std::string id = NewId("org", random_);
    Exec("INSERT INTO organizations (id, name, kind, created_at) VALUES (?,?,?,0)",
         {id, id, std::string("operator")});
    return id;
  }

  // A user and its parent tuple.
  std::string User(const std::string& org) {
    std::string id = NewId("usr", random_);
    Exec("INSERT INTO users (id, org_id, email, display_name, created_at) VALUES (?,?,?,?,0)",
         {id, org, id + "@x.example", id});
    Tuple(id, "parent", org);
    return id;
  }

  std::string Tuple(const std::string& object, const std::string& relation,
                    const std::string& subject, TupleOptions o = {}) {
    std::string id = NewId("tup", random_);
    Value expires = o.expires_in ? Value(ToUnixMicros(kNow + *o.expires_in)) : Value();
    Value approved_at = o.approved ? Value(int64_t{0}) : Value();
    Value revoked_at = o.revoked ? Value(int64_t{0}) : Value();
    Exec(
        "INSERT INTO relationship_tuples (id, object, relation, subject, valid_from, expires_at, "
        "created_at, created_by, approved_at, revoked_at) VALUES (?,?,?,?,?,?,0,?,?,?)",
        {id, object, relation, subject, ToUnixMicros(kNow + o.valid_from), expires, o.created_by,
         approved_at, revoked_at});
    return id;
  }

  Decision Check(const std::string& user, std::string_view action, const std::string& object,
                 Time now = kNow) {
    Decision d;
    Status s = db_->Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(d,
                          authorizer_.Check(tx, {user, "", "tok_x", false}, action, object, now));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return d;
  }

  std::vector<std::string> List(const std::string& user, std::string_view action,
                                std::string_view type, Time now = kNow) {
    std::vector<std::string> ids;
    Status s = db_->Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(ids, authorizer_.List(tx, {user, "", "tok_x", false}, action, type, now));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  DeterministicRandom random_{42};
  Authorizer authorizer_;
};

TEST_F(AuthorizerTest, DeniesByDefault) {
  std::string org = Org();
  std::string user = User(Org());
  Decision d = Check(user, actions::kOrganizationRead, org);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("no grant allows"), std::string::npos) << d.reason;
  EXPECT_TRUE(d.grants.empty());
  EXPECT_FALSE(Check(user, "no.such.action", org).allowed);
  EXPECT_FALSE(Check(user, actions::kOrganizationRead, user).allowed);  // wrong object type
}

TEST_F(AuthorizerTest, AdminImpliesMemberAndReportsTheGrant) {
  std::string org = Org();
  std::string user = User(org);
  std::string grant = Tuple(org, "admin", user);
  Decision read = Check(user, actions::kOrganizationRead, org);
  ASSERT_TRUE(read.allowed) << read.reason;
  EXPECT_EQ(read.grants, std::vector<std::string>{grant});
  EXPECT_TRUE(Check(user, actions::kUserCreate, org).allowed);
}

TEST_F(AuthorizerTest, ValidityWindowsRevocationAndApprovalAreHonoured) {
  std::string org = Org();
  std::string user = User(Org());
  Tuple(org, "member", user, {.valid_from = Hours(1)});
  EXPECT_FALSE(Check(user, actions::kOrganizationRead, org).allowed);
  EXPECT_TRUE(Check(user, actions::kOrganizationRead, org, kNow + Hours(2)).allowed);

  std::string org2 = Org();
  Tuple(org2, "member", user, {.expires_in = Hours(1)});
  EXPECT_TRUE(Check(user, actions::kOrganizationRead, org2).allowed);
  EXPECT_FALSE(Check(user, actions::kOrganizationRead, org2, kNow + Hours(1)).allowed);

  std::string org3 = Org();
  Tuple(org3, "member", user, {.revoked = true});
  EXPECT_FALSE(Check(user, actions::kOrganizationRead, org3).allowed);

  Tuple(std::string(kPlatform), "admin", user, {.approved = false});
  EXPECT_FALSE(Check(user, actions::kOrganizationCreate, std::string(kPlatform)).allowed);
}

TEST_F(AuthorizerTest, UsersetsExtendToMembersOfAnotherOrganization) {
  std::string lab = Org();
  std::string partner = Org();
  std::string partner_user = User(partner);
  Tuple(partner, "member", partner_user);
  std::string grant = Tuple(lab, "member", partner + "#member");
  Decision d = Check(partner_user, actions::kOrganizationRead, lab);
  ASSERT_TRUE(d.allowed) << d.reason;
  EXPECT_EQ(d.grants, std::vector<std::string>{grant});
  EXPECT_EQ(List(partner_user, actions::kOrganizationRead, "org"),
            (std::vector<std::string>{std::min(lab, partner), std::max(lab, partner)}));
}

TEST_F(AuthorizerTest, ParentRelationsReachUsersOfTheOrganization) {
  std::string org = Org();
  std::string admin = User(org);
  std::string member = User(org);
  std::string outsider = User(Org());
  Tuple(org, "admin", admin);
  Tuple(org, "member", member);
  EXPECT_TRUE(Check(admin, actions::kUserUpdate, member).allowed);
  EXPECT_TRUE(Check(member, actions::kUserRead, admin).allowed);
  EXPECT_FALSE(Check(member, actions::kUserUpdate, admin).allowed);
  EXPECT_FALSE(Check(outsider, actions::kUserRead, member).allowed);
  EXPECT_TRUE(Check(outsider, actions::kUserRead, outsider).allowed);  // self
  EXPECT_TRUE(Check(member, actions::kTokenManage, member).allowed);
  EXPECT_FALSE(Check(admin, actions::kTokenManage, member).allowed);  // tokens are personal
  EXPECT_TRUE(Check(admin, actions::kTokenRevoke, member).allowed);
}

TEST_F(AuthorizerTest, SeparationOfDutiesBeatsAnyPermit) {
  std::string office = Org();
  std::string alice = User(office), bob = User(office), carol = User(office);
  Tuple(std::string(kPlatform), "admin", alice);
  Tuple(std::string(kPlatform), "admin", bob);
  Tuple(std::string(kPlatform), "admin", carol);
  std::string proposal =
      Tuple(std::string(kPlatform), "auditor", carol, {.approved = false, .created_by = alice});
  Decision by_proposer = Check(alice, actions::kTupleApprove, proposal);
  EXPECT_FALSE(by_proposer.allowed);
  EXPECT_EQ(by_proposer.rule, "guardrail:separation_of_duties");
  EXPECT_FALSE(Check(carol, actions::kTupleApprove, proposal).allowed);  // the subject
  EXPECT_TRUE(Check(bob, actions::kTupleApprove, proposal).allowed);
  EXPECT_TRUE(Check("system", actions::kTupleApprove, proposal).allowed);
}

// List agrees with Check: over random tuples and random moments, every existing object of a
// type is in List exactly when Check allows the action on it.
TEST_F(AuthorizerTest, ListAgreesWithCheckOnRandomTuples) {
  std::mt19937_64 rng(20260701);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> orgs, users;
    for (int i = 0; i < 4; ++i) orgs.push_back(Org());
    for (int i = 0; i < 8; ++i) users.push_back(User(pick(orgs)));
    std::vector<std::string> relations = {"admin", "member", "auditor"};
    for (int i = 0; i < 40; ++i) {
      TupleOptions o;
      o.valid_from = Hours(static_cast<int64_t>(rng() % 48) - 36);
      if (rng() % 3 == 0) o.expires_in = Hours(static_cast<int64_t>(rng() % 48) - 12);
      o.approved = rng() % 8 != 0;
      o.revoked = rng() % 10 == 0;
      o.created_by = pick(users);
      std::string subject = rng() % 4 == 0 ? pick(orgs) + "#" + pick(relations) : pick(users);
      std::string object = rng() % 5 == 0 ? std::string(kPlatform) : pick(orgs);
      std::string relation = object == kPlatform
                                 ? pick(std::vector<std::string>{"admin", "auditor"})
                                 : pick(std::vector<std::string>{"admin", "member"});
      if (rng() % 6 == 0) {  // a parent tuple that is itself time-bound
        object = pick(users);
        relation = "parent";
        subject = pick(orgs);
      }
      Tuple(object, relation, subject, o);
    }
    std::map<std::string, std::vector<std::string>> objects;
    for (const char* table : {"organizations", "users", "relationship_tuples"}) {
      Status s = db_->Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
        BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                            tx.Query(std::string("SELECT id FROM ") + table));
        for (const store::Row& row : rows)
          objects[std::string(IdPrefix(row.Text(0)))].push_back(row.Text(0));
        return OkStatus();
      });
      ASSERT_TRUE(s.ok());
    }
    int allowed = 0, checks = 0;
    for (int moment = 0; moment < 3; ++moment) {
      Time now = kNow + Hours(static_cast<int64_t>(rng() % 24) - 12);
      for (const std::string& user : users) {
        for (const PolicyRule& rule : PolicyRules()) {
          if (rule.object_type == kPlatform) continue;
          std::vector<std::string> listed = List(user, rule.action, rule.object_type, now);
          for (const std::string& object : objects[std::string(rule.object_type)]) {
            bool in_list = std::binary_search(listed.begin(), listed.end(), object);
            Decision d = Check(user, rule.action, object, now);
            ASSERT_EQ(d.allowed, in_list)
                << rule.action << " " << object << " by " << user << ": " << d.reason;
            allowed += d.allowed;
            ++checks;
          }
        }
      }
    }
    // The random tuples must exercise both answers, or the property says nothing.
    EXPECT_GT(allowed, 0);
    EXPECT_LT(allowed, checks);
  }
}

}  // namespace
}  // namespace bulwark::access
