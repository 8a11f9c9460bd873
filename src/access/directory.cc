#include "access/directory.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "access/internal/keyset.h"
#include "access/policy.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/time_format.h"

namespace bulwark::access {
namespace {

using internal::Keyset;
using internal::KeyType;
using internal::SortableColumn;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;
using store::Value;

// The SQL behind each sortable column (directory.h lists the names). A tuple without an expiry
// sorts as if it expired at the end of time, the same on both backends.
constexpr SortableColumn kOrganizationKeys[] = {
    {"name", "name", KeyType::kText},
    {"kind", "kind", KeyType::kText},
    {"created_at", "created_at", KeyType::kInteger},
};
constexpr SortableColumn kUserKeys[] = {
    {"email", "email", KeyType::kText},
    {"display_name", "display_name", KeyType::kText},
    {"disabled", "disabled", KeyType::kInteger},
    {"created_at", "created_at", KeyType::kInteger},
};
constexpr SortableColumn kTupleKeys[] = {
    {"object", "object", KeyType::kText},
    {"relation", "relation", KeyType::kText},
    {"subject", "subject", KeyType::kText},
    {"valid_from", "valid_from", KeyType::kInteger},
    {"expires_at", "COALESCE(expires_at, 9223372036854775807)", KeyType::kInteger},
    {"created_at", "created_at", KeyType::kInteger},
};

// The names here and the API's lists in directory.h are one list.
template <size_t N, size_t M>
constexpr bool SameNames(const SortableColumn (&keys)[N], const std::string_view (&names)[M]) {
  if (N != M) return false;
  for (size_t i = 0; i < N; ++i) {
    if (keys[i].name != names[i]) return false;
  }
  return true;
}
static_assert(SameNames(kOrganizationKeys, kOrganizationSortColumns));
static_assert(SameNames(kUserKeys, kUserSortColumns));
static_assert(SameNames(kTupleKeys, kTupleSortColumns));

constexpr size_t kMaxNameLength = 200;

constexpr std::string_view kOrgColumns = "id, name, kind, created_at";
Organization ReadOrganization(const Row& row) {
  Organization org;
  org.id = row.Text(0);
  org.name = row.Text(1);
  org.kind = ParseOrgKind(row.Text(2)).value();
  org.created_at = FromUnixMicros(row.Int(3));
  return org;
}

constexpr std::string_view kUserColumns =
    "id, org_id, email, display_name, disabled, password_hash IS NOT NULL, created_at";
User ReadUser(const Row& row) {
  User user;
  user.id = row.Text(0);
  user.org_id = row.Text(1);
  user.email = row.Text(2);
  user.display_name = row.Text(3);
  user.disabled = row.Int(4) != 0;
  user.has_password = row.Int(5) != 0;
  user.created_at = FromUnixMicros(row.Int(6));
  return user;
}

constexpr std::string_view kTokenColumns =
    "id, user_id, name, created_at, expires_at, revoked_at, last_used_at";
ApiToken ReadToken(const Row& row) {
  ApiToken t;
  t.id = row.Text(0);
  t.user_id = row.Text(1);
  t.name = row.Text(2);
  t.created_at = FromUnixMicros(row.Int(3));
  t.expires_at = row.OptionalTime(4);
  t.revoked_at = row.OptionalTime(5);
  t.last_used_at = row.OptionalTime(6);
  return t;
}

constexpr std::string_view kTupleColumns =
    "id, object, relation, subject, valid_from, expires_at, created_at, created_by, "
    "approved_by, approved_at, revoked_at, revoked_by";
RelationshipTuple ReadTuple(const Row& row) {
  RelationshipTuple t;
  t.id = row.Text(0);
  t.object = row.Text(1);
  t.relation = row.Text(2);
  t.subject = row.Text(3);
  t.valid_from = FromUnixMicros(row.Int(4));
  t.expires_at = row.OptionalTime(5);
  t.created_at = FromUnixMicros(row.Int(6));
  t.created_by = row.Text(7);
  t.approved_by = row.OptionalText(8);
  t.approved_at = row.OptionalTime(9);
  t.revoked_at = row.OptionalTime(10);
  t.revoked_by = row.OptionalText(11);
  return t;
}

std::string Select(std::string_view columns, std::string_view table, std::string_view where) {
  return "SELECT " + std::string(columns) + " FROM " + std::string(table) + " " +
         std::string(where);
}

Status ValidateName(const std::string& name, std::string_view field) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return Status(
        StatusCode::kInvalidArgument,
        std::string(field) + " must be 1 to " + std::to_string(kMaxNameLength) + " bytes long",
        {{"field", std::string(field)}});
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return Status(StatusCode::kInvalidArgument,
                    std::string(field) + " must not contain control characters",
                    {{"field", std::string(field)}});
    }
  }
  return OkStatus();
}

StatusOr<std::string> NormalizeEmail(const std::string& email) {
  std::string out;
  for (char c : email) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = out.find('@');
  bool ok = out.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < out.size() &&
            out.find('@', at + 1) == std::string::npos &&
            std::none_of(out.begin(), out.end(), [](unsigned char c) {
              return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"';
            });
  if (!ok) {
    return Status(StatusCode::kInvalidArgument,
                  "'" + email.substr(0, 64) + "' is not an email address", {{"field", "email"}});
  }
  return out;
}

int ClampLimit(int limit) { return std::clamp(limit, 1, 200); }

}  // namespace

Directory::Directory(store::Database& db, const Clock& clock, PasswordHasher& hasher,
                     AuditTrail* audit, Random& random)
    : db_(db), clock_(clock), hasher_(hasher), audit_(audit), random_(random) {}

namespace {

// The sensitive reads allowed in the read-only Directory operation running on this thread,
// recorded once it has succeeded.
thread_local std::vector<AuditRecord>* t_sensitive_reads = nullptr;

// Requires `action` on `object`; a refusal is noted for Run to record. When the actor may not
// even see the object (`see_action` denied too, or none given and the action denied), the
// object is reported as not found.
StatusOr<Decision> Require(const Authorizer& authorizer, Transaction& tx, const Principal& actor,
                           std::string_view action, std::string_view object, Time now,
                           std::string_view see_action, std::string_view what) {
  BW_ASSIGN_OR_RETURN(Decision d, authorizer.Check(tx, actor, action, object, now));
  if (d.allowed) {
    const PolicyRule* rule = FindRule(action);
    if (rule != nullptr && rule->sensitive && t_sensitive_reads != nullptr) {
      t_sensitive_reads->push_back(
          AuditRecord{actor, std::string(action), std::string(object), true, d.grants});
    }
    return d;
  }
  NoteDenial(actor, action, object);
  if (!see_action.empty()) {
    BW_ASSIGN_OR_RETURN(Decision see, authorizer.Check(tx, actor, see_action, object, now));
    if (!see.allowed) {
      return NotFoundError("no " + std::string(what) + " " + std::string(object));
    }
  }
  return Status(StatusCode::kPermissionDenied, d.reason, {{"action", std::string(action)}});
}

StatusOr<RelationshipTuple> InsertTuple(Transaction& tx, Random& random, const Principal& actor,
                                        const NewTuple& spec, Time now, bool approved) {
  RelationshipTuple t;
  t.id = NewId("tup", random);
  t.object = spec.object;
  t.relation = spec.relation;
  t.subject = spec.subject;
  t.valid_from = spec.valid_from.value_or(now);
  t.expires_at = spec.expires_at;
  t.created_at = now;
  t.created_by = actor.user_id;
  if (approved) {
    t.approved_by = actor.user_id;
    t.approved_at = now;
  }
  BW_RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO relationship_tuples (id, object, relation, subject, valid_from, expires_at, "
      "created_at, created_by, approved_by, approved_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
      {t.id, t.object, t.relation, t.subject, ToUnixMicros(t.valid_from),
       store::TimeOrNull(t.expires_at), ToUnixMicros(now), t.created_by,
       t.approved_by ? Value(*t.approved_by) : Value(std::monostate{}),
       store::TimeOrNull(t.approved_at)}));
  return t;
}

StatusOr<User> LoadUser(Transaction& tx, const std::string& id) {
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query(Select(kUserColumns, "users", "WHERE id = ?"), {id}));
  if (rows.empty()) return NotFoundError("no user " + id);
  return ReadUser(rows[0]);
}

StatusOr<Organization> LoadOrganization(Transaction& tx, const std::string& id) {
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query(Select(kOrgColumns, "organizations", "WHERE id = ?"), {id}));
  if (rows.empty()) return NotFoundError("no organization " + id);
  return ReadOrganization(rows[0]);
}

}  // namespace

Status Directory::Run(TxMode mode, const std::function<Status(Transaction&)>& fn) {
  std::vector<AuditRecord> sensitive_reads;
  std::vector<AuditRecord>* outer_reads = t_sensitive_reads;
  t_sensitive_reads = &sensitive_reads;
  Status s = TransactRecordingDenial(db_, audit_, mode, fn);
  t_sensitive_reads = outer_reads;
  if (s.ok() && mode == TxMode::kReadOnly && !sensitive_reads.empty() && audit_ != nullptr) {
    // A retried transaction notes the same read again; record each read once.
    std::vector<const AuditRecord*> unique;
    for (const AuditRecord& read : sensitive_reads) {
      bool seen = false;
      for (const AuditRecord* u : unique) {
        seen |= u->action == read.action && u->object == read.object;
      }
      if (!seen) unique.push_back(&read);
    }
    Status recorded = db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      for (const AuditRecord* read : unique) BW_RETURN_IF_ERROR(audit_->Record(tx, *read));
      return OkStatus();
    });
    if (!recorded.ok()) return recorded.WithPrefix("recording a sensitive read");
  }
  return s;
}

Status Directory::Audit(Transaction& tx, const Principal& actor, std::string_view action,
                        const std::string& object, std::vector<std::string> grants) {
  if (audit_ == nullptr) return OkStatus();
  return audit_->Record(tx, {actor, std::string(action), object, true, std::move(grants)});
}

StatusOr<Organization> Directory::CreateOrganization(const Principal& actor,
                                                     const std::string& name, OrgKind kind) {
  BW_RETURN_IF_ERROR(ValidateName(name, "name"));
  Organization org;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kOrganizationCreate,
                                            kPlatform, now, "", "platform"));
    org = {NewId("org", random_), name, kind, now};
    Status insert =
        tx.Execute(
              "INSERT INTO organizations (id, name, kind, created_at, created_by) VALUES "
              "(?,?,?,?,?)",
              {org.id, org.name, std::string(OrgKindName(kind)), ToUnixMicros(now), actor.user_id})
            .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists,
                    "an organization named '" + name + "' already exists", {{"field", "name"}});
    }
    BW_RETURN_IF_ERROR(insert);
    return Audit(tx, actor, actions::kOrganizationCreate, org.id, d.grants);
  });
  if (!s.ok()) return s;
  return org;
}

StatusOr<Organization> Directory::GetOrganization(const Principal& actor, const std::string& id) {
  Organization org;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kOrganizationRead, id, clock_.Now(),
                               actions::kOrganizationRead, "organization"));
    BW_ASSIGN_OR_RETURN(org, LoadOrganization(tx, id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return org;
}

StatusOr<Organization> Directory::FindOrganizationByName(const Principal& actor,
                                                         const std::string& name) {
  std::string id;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT id FROM organizations WHERE name = ?", {name}));
    if (rows.empty()) return NotFoundError("no organization named '" + name + "'");
    id = rows[0].Text(0);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return GetOrganization(actor, id);
}

StatusOr<Page<Organization>> Directory::ListOrganizations(const Principal& actor,
                                                          const PageRequest& page) {
  BW_ASSIGN_OR_RETURN(Keyset keyset, Keyset::Make(kOrganizationKeys, page.sort, page.after));
  Page<Organization> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    out = {};
    BW_ASSIGN_OR_RETURN(
        std::vector<std::string> readable,
        authorizer_.List(tx, actor, actions::kOrganizationRead, "org", clock_.Now()));
    std::set<std::string> visible(readable.begin(), readable.end());
    // The readable organizations are filtered here rather than bound into the query: there are
    // few organizations, and a platform administrator may read them all.
    std::string sql = "SELECT " + std::string(kOrgColumns) + ", " + std::string(keyset.key_sql()) +
                      " FROM organizations WHERE 1 = 1";
    std::vector<Value> params;
    keyset.AppendAfterCursor(sql, params);
    sql += keyset.OrderBy();
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, params));
    size_t limit = static_cast<size_t>(ClampLimit(page.limit));
    const Row* last = nullptr;
    for (const Row& row : rows) {
      if (!visible.contains(row.Text(0))) continue;
      if (out.items.size() == limit) {
        out.next_cursor = keyset.CursorAt(*last, 4, 0);
        break;
      }
      out.items.push_back(ReadOrganization(row));
      last = &row;
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<User> Directory::CreateUser(const Principal& actor, const NewUser& spec) {
  BW_ASSIGN_OR_RETURN(std::string email, NormalizeEmail(spec.email));
  BW_RETURN_IF_ERROR(ValidateName(spec.display_name, "display_name"));
  std::optional<std::string> password_hash;
  if (spec.password) {
    BW_RETURN_IF_ERROR(ValidateNewPassword(*spec.password));
    BW_ASSIGN_OR_RETURN(password_hash, hasher_.Hash(*spec.password));
  }
  User user;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d,
                        Require(authorizer_, tx, actor, actions::kUserCreate, spec.org_id, now,
                                actions::kOrganizationRead, "organization"));
    BW_RETURN_IF_ERROR(LoadOrganization(tx, spec.org_id).status());
    user = {NewId("usr", random_),     spec.org_id, email, spec.display_name, false,
            password_hash.has_value(), now};
    Status insert =
        tx.Execute(
              "INSERT INTO users (id, org_id, email, display_name, password_hash, created_at) "
              "VALUES (?,?,?,?,?,?)",
              {user.id, user.org_id, user.email, user.display_name,
               password_hash ? Value(*password_hash) : Value(std::monostate{}), ToUnixMicros(now)})
            .status();
    if (insert.code() == StatusCode::kAlreadyExists) {
      return Status(StatusCode::kAlreadyExists, "a user with email '" + email + "' already exists",
                    {{"field", "email"}});
    }
    BW_RETURN_IF_ERROR(insert);
    BW_RETURN_IF_ERROR(InsertTuple(tx, random_, actor,
                                   {user.id, std::string(kParentRelation), user.org_id, {}, {}},
                                   now, true)
                           .status());
    BW_RETURN_IF_ERROR(
        InsertTuple(tx, random_, actor,
                    {user.org_id, std::string(OrgRoleName(spec.role)), user.id, {}, {}}, now, true)
            .status());
    return Audit(tx, actor, actions::kUserCreate, user.id, d.grants);
  });
  if (!s.ok()) return s;
  return user;
}

StatusOr<User> Directory::GetUser(const Principal& actor, const std::string& id) {
  User user;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kUserRead, id, clock_.Now(),
                               actions::kUserRead, "user"));
    BW_ASSIGN_OR_RETURN(user, LoadUser(tx, id));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return user;
}

StatusOr<User> Directory::FindUserByEmail(const Principal& actor, const std::string& email) {
  BW_ASSIGN_OR_RETURN(std::string normalized, NormalizeEmail(email));
  std::string id;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT id FROM users WHERE email = ?", {normalized}));
    if (rows.empty()) return NotFoundError("no user with email '" + normalized + "'");
    id = rows[0].Text(0);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return GetUser(actor, id);
}

StatusOr<Page<User>> Directory::ListUsers(const Principal& actor, const std::string& org_id,
                                          const PageRequest& page) {
  BW_ASSIGN_OR_RETURN(Keyset keyset, Keyset::Make(kUserKeys, page.sort, page.after));
  Page<User> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    out = {};
    Time now = clock_.Now();
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kOrganizationRead, org_id, now,
                               actions::kOrganizationRead, "organization"));
    std::vector<Value> params = {org_id};
    std::string sql = "SELECT " + std::string(kUserColumns) + ", " + std::string(keyset.key_sql()) +
                      " FROM users WHERE org_id = ?";
    keyset.AppendAfterCursor(sql, params);
    int limit = ClampLimit(page.limit);
    sql += keyset.OrderBy() + " LIMIT " + std::to_string(limit + 1);
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
      out.items.push_back(ReadUser(rows[i]));
    }
    if (rows.size() > static_cast<size_t>(limit)) {
      out.next_cursor = keyset.CursorAt(rows[limit - 1], 7, 0);
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

Status Directory::SetPassword(const Principal& actor, const std::string& user_id,
                              const std::string& password) {
  BW_RETURN_IF_ERROR(ValidateNewPassword(password));
  BW_ASSIGN_OR_RETURN(std::string hash, hasher_.Hash(password));
  return Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kUserUpdate, user_id,
                                            clock_.Now(), actions::kUserRead, "user"));
    BW_ASSIGN_OR_RETURN(
        int64_t n, tx.Execute("UPDATE users SET password_hash = ? WHERE id = ?", {hash, user_id}));
    if (n == 0) return NotFoundError("no user " + user_id);
    // A new password ends every console session of the user.
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE console_sessions SET revoked_at = ? WHERE user_id = ? "
                   "AND revoked_at IS NULL",
                   {ToUnixMicros(clock_.Now()), user_id}));
    return Audit(tx, actor, actions::kUserUpdate, user_id, d.grants);
  });
}

Status Directory::SetDisabled(const Principal& actor, const std::string& user_id, bool disabled) {
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(User user, LoadUser(tx, user_id));
    // Disabling is an organization administrator's act, never one's own.
    BW_ASSIGN_OR_RETURN(
        Decision d, Require(authorizer_, tx, actor, actions::kOrganizationUpdate, user.org_id, now,
                            actions::kOrganizationRead, "organization"));
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE users SET disabled = ? WHERE id = ?",
                                  {int64_t{disabled ? 1 : 0}, user_id}));
    return Audit(tx, actor, disabled ? "user.disable" : "user.enable", user_id, d.grants);
  });
  if (s.ok()) Forget([&](const CachedToken& t) { return t.principal.user_id == user_id; });
  return s;
}

StatusOr<IssuedToken> Directory::IssueToken(const Principal& actor, const std::string& user_id,
                                            const std::string& name,
                                            std::optional<Time> expires_at) {
  BW_RETURN_IF_ERROR(ValidateName(name, "name"));
  IssuedToken issued;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kTokenManage, user_id,
                                            now, actions::kUserRead, "user"));
    BW_ASSIGN_OR_RETURN(User user, LoadUser(tx, user_id));
    if (expires_at && *expires_at <= now) {
      return Status(StatusCode::kInvalidArgument, "expires_at must be in the future",
                    {{"field", "expires_at"}});
    }
    issued.secret = NewSecret(kApiTokenPrefix, random_);
    issued.token = {NewId("tok", random_), user.id, name, now, expires_at, {}, {}};
    BW_RETURN_IF_ERROR(tx.Execute(
        "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at) "
        "VALUES (?,?,?,?,?,?)",
        {issued.token.id, user.id, name, store::Blob{HashSecret(issued.secret)}, ToUnixMicros(now),
         store::TimeOrNull(expires_at)}));
    return Audit(tx, actor, "token.issue", issued.token.id, d.grants);
  });
  if (!s.ok()) return s;
  return issued;
}

StatusOr<std::vector<ApiToken>> Directory::ListTokens(const Principal& actor,
                                                      const std::string& user_id) {
  std::vector<ApiToken> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kTokenRevoke, user_id, clock_.Now(),
                               actions::kUserRead, "user"));
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(Select(kTokenColumns, "api_tokens", "WHERE user_id = ? ORDER BY created_at, id"),
                 {user_id}));
    for (const Row& row : rows) out.push_back(ReadToken(row));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<ApiToken> Directory::RevokeToken(const Principal& actor, const std::string& token_id) {
  ApiToken token;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query(Select(kTokenColumns, "api_tokens", "WHERE id = ?"), {token_id}));
    if (rows.empty()) return NotFoundError("no token " + token_id);
    token = ReadToken(rows[0]);
    StatusOr<Decision> allowed = Require(authorizer_, tx, actor, actions::kTokenRevoke,
                                         token.user_id, now, actions::kUserRead, "user");
    if (allowed.status().code() == StatusCode::kNotFound) {
      return NotFoundError("no token " + token_id);
    }
    BW_RETURN_IF_ERROR(allowed.status());
    if (token.revoked_at) return OkStatus();
    token.revoked_at = now;
    BW_RETURN_IF_ERROR(tx.Execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?",
                                  {ToUnixMicros(now), token_id}));
    return Audit(tx, actor, actions::kTokenRevoke, token_id, allowed->grants);
  });
  if (!s.ok()) return s;
  Forget([&](const CachedToken& t) { return t.principal.credential_id == token_id; });
  return token;
}

std::optional<Principal> Directory::CachedPrincipal(const std::string& secret_hash, Time now) {
  std::lock_guard<std::mutex> lock(token_cache_mu_);
  auto it = token_cache_.find(secret_hash);
  if (it == token_cache_.end()) return std::nullopt;
  const CachedToken& cached = it->second;
  if (now - cached.verified_at >= kTokenCacheLifetime || now < cached.verified_at ||
      (cached.expires_at && *cached.expires_at <= now)) {
    token_cache_.erase(it);
    return std::nullopt;
  }
  return cached.principal;
}

void Directory::Forget(const std::function<bool(const CachedToken&)>& which) {
  std::lock_guard<std::mutex> lock(token_cache_mu_);
  std::erase_if(token_cache_, [&](const auto& entry) { return which(entry.second); });
}

StatusOr<Principal> Directory::AuthenticateToken(std::string_view secret) {
  if (!HasSecretShape(secret, kApiTokenPrefix)) {
    return UnauthenticatedError(
        "the bearer token is malformed; API tokens look like bwk_ followed by 52 characters");
  }
  Time now = clock_.Now();
  std::string secret_hash = HashSecret(secret);
  if (std::optional<Principal> cached = CachedPrincipal(secret_hash, now)) return *cached;
  Principal principal;
  std::optional<Time> last_used;
  std::optional<Time> expires_at;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query("SELECT t.id, t.user_id, t.expires_at, t.revoked_at, t.last_used_at, u.org_id, "
                 "u.disabled FROM api_tokens t JOIN users u ON u.id = t.user_id "
                 "WHERE t.secret_hash = ?",
                 {store::Blob{secret_hash}}));
    if (rows.empty()) return UnauthenticatedError("the bearer token is not known");
    const Row& row = rows[0];
    if (std::optional<Time> revoked = row.OptionalTime(3)) {
      return UnauthenticatedError("the token was revoked at " + FormatRfc3339(*revoked));
    }
    expires_at = row.OptionalTime(2);
    if (expires_at && *expires_at <= now) {
      return UnauthenticatedError("the token expired at " + FormatRfc3339(*expires_at));
    }
    if (row.Int(6) != 0) return UnauthenticatedError("the account is disabled");
    principal.credential_id = row.Text(0);
    principal.user_id = row.Text(1);
    principal.org_id = row.Text(5);
    last_used = row.OptionalTime(4);
    return OkStatus();
  });
  if (!s.ok()) return s;
  if (!last_used || now - *last_used >= kLastUsedGranularity) {
    // Best effort: a failure to record last use must not fail the request.
    Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      return tx
          .Execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?",
                   {ToUnixMicros(now), principal.credential_id})
          .status();
    }).IgnoreError();
  }
  {
    std::lock_guard<std::mutex> lock(token_cache_mu_);
    constexpr size_t kMaxCachedTokens = 100'000;
    if (token_cache_.size() >= kMaxCachedTokens) token_cache_.clear();
    token_cache_[secret_hash] = {principal, expires_at, now};
  }
  return principal;
}

StatusOr<IssuedSession> Directory::SignIn(const std::string& email, const std::string& password) {
  const Status rejected = UnauthenticatedError("the email or the password is wrong");
  StatusOr<std::string> normalized = NormalizeEmail(email);
  std::string password_hash = hasher_.DecoyHash();
  Principal principal;
  bool disabled = false;
  if (normalized.ok()) {
    BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(ResultSet rows,
                          tx.Query("SELECT id, org_id, password_hash, disabled FROM users "
                                   "WHERE email = ?",
                                   {*normalized}));
      if (!rows.empty() && !rows[0].IsNull(2)) {
        principal.user_id = rows[0].Text(0);
        principal.org_id = rows[0].Text(1);
        password_hash = rows[0].Text(2);
        disabled = rows[0].Int(3) != 0;
      }
      return OkStatus();
    }));
  }
  // Verify even for unknown accounts, so timing does not reveal which emails exist.
  BW_ASSIGN_OR_RETURN(bool match, hasher_.Verify(password_hash, password));
  if (!match || principal.user_id.empty()) return rejected;
  if (disabled) return UnauthenticatedError("the account is disabled");

  IssuedSession session;
  session.session_id = NewId("ses", random_);
  session.secret = NewSecret(kSessionPrefix, random_);
  session.csrf_token = NewSecret(kCsrfPrefix, random_);
  Time now = clock_.Now();
  session.expires_at = now + kSessionLifetime;
  principal.credential_id = session.session_id;
  principal.via_session = true;
  session.principal = principal;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(
        tx.Execute("INSERT INTO console_sessions (id, user_id, secret_hash, csrf_hash, created_at, "
                   "expires_at) VALUES (?,?,?,?,?,?)",
                   {session.session_id, principal.user_id, store::Blob{HashSecret(session.secret)},
                    store::Blob{HashSecret(session.csrf_token)}, ToUnixMicros(now),
                    ToUnixMicros(session.expires_at)}));
    return Audit(tx, principal, "session.create", session.session_id, {});
  }));
  return session;
}

StatusOr<Principal> Directory::AuthenticateSession(std::string_view secret,
                                                   std::optional<std::string_view> csrf_token) {
  if (!HasSecretShape(secret, kSessionPrefix)) {
    return UnauthenticatedError("the session cookie is malformed; sign in again");
  }
  Time now = clock_.Now();
  Principal principal;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query("SELECT s.id, s.user_id, s.csrf_hash, s.expires_at, s.revoked_at, u.org_id, "
                 "u.disabled FROM console_sessions s JOIN users u ON u.id = s.user_id "
                 "WHERE s.secret_hash = ?",
                 {store::Blob{HashSecret(secret)}}));
    if (rows.empty()) return UnauthenticatedError("the session is not known; sign in again");
    const Row& row = rows[0];
    if (!row.IsNull(4)) return UnauthenticatedError("the session has ended; sign in again");
    if (FromUnixMicros(row.Int(3)) <= now) {
      return UnauthenticatedError("the session expired; sign in again");
    }
    if (row.Int(6) != 0) return UnauthenticatedError("the account is disabled");
    if (csrf_token && !ConstantTimeEquals(HashSecret(*csrf_token), row.Bytes(2))) {
      return Status(StatusCode::kPermissionDenied,
                    "the X-CSRF-Token header is missing or does not match this session",
                    {{"header", "X-CSRF-Token"}});
    }
    principal.credential_id = row.Text(0);
    principal.user_id = row.Text(1);
    principal.org_id = row.Text(5);
    principal.via_session = true;
    return OkStatus();
  });
  if (!s.ok()) return s;
  return principal;
}

Status Directory::SignOut(std::string_view secret) {
  if (!HasSecretShape(secret, kSessionPrefix)) return OkStatus();
  return Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    return tx
        .Execute(
            "UPDATE console_sessions SET revoked_at = ? WHERE secret_hash = ? AND "
            "revoked_at IS NULL",
            {ToUnixMicros(clock_.Now()), store::Blob{HashSecret(secret)}})
        .status();
  });
}

StatusOr<Identity> Directory::WhoAmI(const Principal& actor) {
  Identity id;
  id.principal = actor;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(
        ResultSet user_rows,
        tx.Query("SELECT u.id, u.org_id, u.email, u.display_name, u.disabled, "
                 "u.password_hash IS NOT NULL, u.created_at, o.id, o.name, o.kind, o.created_at "
                 "FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.id = ?",
                 {actor.user_id}));
    if (user_rows.empty()) return NotFoundError("no user " + actor.user_id);
    const Row& row = user_rows[0];
    id.user = ReadUser(row);
    id.organization = ReadOrganization(Row({row.cell(7), row.cell(8), row.cell(9), row.cell(10)}));
    std::string where = "WHERE subject = ? AND ";
    where += kEffectiveTupleSql;
    where += " ORDER BY object, relation";
    int64_t now = ToUnixMicros(clock_.Now());
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(Select(kTupleColumns, "relationship_tuples", where), {actor.user_id, now, now}));
    for (const Row& row : rows) id.grants.push_back(ReadTuple(row));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return id;
}

StatusOr<RelationshipTuple> Directory::WriteTuple(const Principal& actor, const NewTuple& spec) {
  std::string_view type = ObjectType(spec.object);
  if (!IsKnownRelation(type, spec.relation)) {
    return Status(StatusCode::kInvalidArgument,
                  "'" + spec.relation.substr(0, 64) +
                      "' is not a relation that can be granted on '" + spec.object.substr(0, 64) +
                      "'",
                  {{"field", "relation"}});
  }
  bool userset = spec.subject.find('#') != std::string::npos;
  std::string subject_object = spec.subject.substr(0, spec.subject.find('#'));
  bool subject_ok =
      userset ? IsValidId(subject_object, "org") &&
                    IsKnownRelation("org", spec.subject.substr(spec.subject.find('#') + 1))
              : IsValidId(spec.subject, "usr") ||
                    (spec.relation == kParentRelation && IsValidId(spec.subject, "org"));
  if (!subject_ok) {
    return Status(StatusCode::kInvalidArgument,
                  "the subject must be a user id (usr_...) or an organization userset such as "
                  "org_...#member",
                  {{"field", "subject"}});
  }
  if (spec.expires_at && spec.expires_at <= spec.valid_from.value_or(clock_.Now())) {
    return Status(StatusCode::kInvalidArgument, "expires_at must be after valid_from",
                  {{"field", "expires_at"}});
  }
  RelationshipTuple tuple;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kTupleWrite, kPlatform,
                                            now, "", "platform"));
    for (const std::string& id : {spec.object, subject_object}) {
      if (id == kPlatform) continue;
      std::string_view table = IdPrefix(id) == "org" ? "organizations" : "users";
      BW_ASSIGN_OR_RETURN(ResultSet rows,
                          tx.Query("SELECT 1 FROM " + std::string(table) + " WHERE id = ?", {id}));
      if (rows.empty()) return NotFoundError("no object " + id);
    }
    bool approved = IsSystem(actor) || !IsDualControl(type, spec.relation);
    BW_ASSIGN_OR_RETURN(tuple, InsertTuple(tx, random_, actor, spec, now, approved));
    return Audit(tx, actor, actions::kTupleWrite, tuple.id, d.grants);
  });
  if (!s.ok()) return s;
  return tuple;
}

StatusOr<RelationshipTuple> Directory::ApproveTuple(const Principal& actor, const std::string& id) {
  RelationshipTuple tuple;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_RETURN_IF_ERROR(
        Require(authorizer_, tx, actor, actions::kTupleRead, kPlatform, now, "", "platform"));
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(Select(kTupleColumns, "relationship_tuples", "WHERE id = ?"), {id}));
    if (rows.empty()) return NotFoundError("no relationship tuple " + id);
    tuple = ReadTuple(rows[0]);
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kTupleApprove, id, now,
                                            "", "relationship tuple"));
    if (tuple.revoked_at) return FailedPreconditionError("the tuple " + id + " was revoked");
    if (tuple.approved_at)
      return FailedPreconditionError("the tuple " + id + " is already approved");
    tuple.approved_by = actor.user_id;
    tuple.approved_at = now;
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE relationship_tuples SET approved_by = ?, approved_at = ? WHERE id = ?",
                   {actor.user_id, ToUnixMicros(now), id}));
    return Audit(tx, actor, actions::kTupleApprove, id, d.grants);
  });
  if (!s.ok()) return s;
  return tuple;
}

StatusOr<RelationshipTuple> Directory::RevokeTuple(const Principal& actor, const std::string& id) {
  RelationshipTuple tuple;
  Status s = Run(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    Time now = clock_.Now();
    BW_ASSIGN_OR_RETURN(Decision d, Require(authorizer_, tx, actor, actions::kTupleWrite, kPlatform,
                                            now, "", "platform"));
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(Select(kTupleColumns, "relationship_tuples", "WHERE id = ?"), {id}));
    if (rows.empty()) return NotFoundError("no relationship tuple " + id);
    tuple = ReadTuple(rows[0]);
    if (tuple.revoked_at) return OkStatus();
    tuple.revoked_at = now;
    tuple.revoked_by = actor.user_id;
    BW_RETURN_IF_ERROR(
        tx.Execute("UPDATE relationship_tuples SET revoked_at = ?, revoked_by = ? WHERE id = ?",
                   {ToUnixMicros(now), actor.user_id, id}));
    return Audit(tx, actor, "tuple.revoke", id, d.grants);
  });
  if (!s.ok()) return s;
  return tuple;
}

StatusOr<RelationshipTuple> Directory::GetTuple(const Principal& actor, const std::string& id) {
  RelationshipTuple tuple;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kTupleRead, kPlatform, clock_.Now(),
                               "", "platform"));
    BW_ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query(Select(kTupleColumns, "relationship_tuples", "WHERE id = ?"), {id}));
    if (rows.empty()) return NotFoundError("no relationship tuple " + id);
    tuple = ReadTuple(rows[0]);
    return OkStatus();
  });
  if (!s.ok()) return s;
  return tuple;
}

StatusOr<Page<RelationshipTuple>> Directory::ListTuples(const Principal& actor,
                                                        const TupleFilter& filter,
                                                        const PageRequest& page) {
  BW_ASSIGN_OR_RETURN(Keyset keyset, Keyset::Make(kTupleKeys, page.sort, page.after));
  Page<RelationshipTuple> out;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    out = {};
    BW_RETURN_IF_ERROR(Require(authorizer_, tx, actor, actions::kTupleRead, kPlatform, clock_.Now(),
                               "", "platform"));
    std::string sql = "SELECT " + std::string(kTupleColumns) + ", " +
                      std::string(keyset.key_sql()) + " FROM relationship_tuples WHERE 1 = 1";
    std::vector<Value> params;
    if (filter.object) {
      sql += " AND object = ?";
      params.emplace_back(*filter.object);
    }
    if (filter.subject) {
      sql += " AND subject = ?";
      params.emplace_back(*filter.subject);
    }
    keyset.AppendAfterCursor(sql, params);
    int limit = ClampLimit(page.limit);
    sql += keyset.OrderBy() + " LIMIT " + std::to_string(limit + 1);
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, params));
    for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
      out.items.push_back(ReadTuple(rows[i]));
    }
    if (rows.size() > static_cast<size_t>(limit)) {
      out.next_cursor = keyset.CursorAt(rows[limit - 1], 12, 0);
    }
    return OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

StatusOr<Decision> Directory::Check(const Principal& actor, std::string_view action,
                                    std::string_view object) {
  Decision d;
  Status s = Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(d, authorizer_.Check(tx, actor, action, object, clock_.Now()));
    return OkStatus();
  });
  if (!s.ok()) return s;
  return d;
}

}  // namespace bulwark::access
