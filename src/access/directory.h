// Directory: organizations, users, roles, API tokens, console sessions and relationship
// tuples, with every operation authorized by the Authorizer inside the same transaction that
// makes the change.
//
// Used by the HTTP handlers (with the request's Principal) and by `bulwark admin` (with
// SystemPrincipal()). Visibility policy (docs/authorization.md): a principal who may not even
// read an object gets kNotFound, so ids of other organizations' objects are not confirmed;
// one who may read it but not do the action gets kPermissionDenied with the reason.
//
// Thread-safety: safe from any thread; all state is in the database.
//
// Example:
//   Directory directory(db, clock, hasher);
//   BW_ASSIGN_OR_RETURN(Organization lab,
//       directory.CreateOrganization(SystemPrincipal(), "Frontier Lab", OrgKind::kLab));
//   BW_ASSIGN_OR_RETURN(User alice, directory.CreateUser(SystemPrincipal(), {lab.id,
//       "alice@lab.example", "Alice", std::nullopt, OrgRole::kAdmin}));
//   BW_ASSIGN_OR_RETURN(IssuedToken t, directory.IssueToken(SystemPrincipal(), alice.id,
//       "laptop", std::nullopt));
//   // t.secret is shown to Alice once; later:
//   BW_ASSIGN_OR_RETURN(Principal p, directory.AuthenticateToken(t.secret));
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/audit.h"
#include "access/authorizer.h"
#include "access/credentials.h"
#include "access/types.h"
#include "base/clock.h"
#include "base/random.h"
#include "store/database.h"

namespace bulwark::access {

// The order of a listing: one of the list's sortable columns, ascending or descending, with
// the id breaking ties in the same direction. An empty column is the list's default order, by
// id ascending. Text sorts in the database's collation (byte order on SQLite); a tuple that
// never expires sorts as if it expired after every other one. docs/page-cursors.md has the
// rules and the cursor format.
struct SortOrder {
  std::string column;  // "" for the default
  bool descending = false;

  // The form of the API's `sort` parameter: "email", "-email", or "" for the default.
  std::string ToString() const;
  friend bool operator==(const SortOrder&, const SortOrder&) = default;
};

// The columns each list sorts by (names as the API shows them).
inline constexpr std::string_view kOrganizationSortColumns[] = {"name", "kind", "created_at"};
inline constexpr std::string_view kUserSortColumns[] = {"email", "display_name", "disabled",
                                                        "created_at"};
inline constexpr std::string_view kTupleSortColumns[] = {"object",     "relation",   "subject",
                                                         "valid_from", "expires_at", "created_at"};

// Reads a `sort` parameter: "col" is ascending, "-col" descending, "" the default order. A
// column not in `columns` is InvalidArgument with a message naming the allowed ones.
StatusOr<SortOrder> ParseSortOrder(std::string_view text,
                                   std::span<const std::string_view> columns);

struct PageRequest {
  std::string after;  // the next_cursor of the previous page, "" for the first
  int limit = 50;     // 1..200
  SortOrder sort;     // a cursor continues only the sort it was made for
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // "" when this is the last page
};

struct NewUser {
  std::string org_id;
  std::string email;
  std::string display_name;
  std::optional<std::string> password;  // none: the user signs in with tokens only
  OrgRole role = OrgRole::kMember;
};

struct IssuedToken {
  ApiToken token;
  std::string secret;  // shown once
};

struct IssuedSession {
  std::string session_id;
  std::string secret;      // the cookie value
  std::string csrf_token;  // sent back in X-CSRF-Token on state-changing requests
  Time expires_at;
  Principal principal;
};

struct NewTuple {
  std::string object;
  std::string relation;
  std::string subject;
  std::optional<Time> valid_from;  // default: now
  std::optional<Time> expires_at;
};

struct TupleFilter {
  std::optional<std::string> object;
  std::optional<std::string> subject;
};

// What whoami shows: the principal, their user and organization, and their relations.
struct Identity {
  Principal principal;
  User user;
  Organization organization;
  std::vector<RelationshipTuple> grants;  // tuples in effect naming the user
};

class Directory {
 public:
  static constexpr Duration kSessionLifetime = Hours(12);
  // last_used_at is written at most this often per token, to keep reads cheap.
  static constexpr Duration kLastUsedGranularity = Minutes(1);
  // How long a verified token is trusted without reading the database again. Revoking a token
  // or disabling a user through this Directory takes effect at once; through another server
  // sharing the database, within this time.
  static constexpr Duration kTokenCacheLifetime = Seconds(1);

  // `audit`, when given, records every change and every denial (see audit.h); it must outlive
  // the directory.
  Directory(store::Database& db, const Clock& clock, PasswordHasher& hasher,
            AuditTrail* audit = nullptr, Random& random = SecureRandom::Get());

  // Organizations.
  StatusOr<Organization> CreateOrganization(const Principal& actor, const std::string& name,
                                            OrgKind kind);
  StatusOr<Organization> GetOrganization(const Principal& actor, const std::string& id);
  StatusOr<Organization> FindOrganizationByName(const Principal& actor, const std::string& name);
  // The lists below page by keyset on `page.sort` (see SortOrder); a column the list does not
  // sort by, or a cursor that is malformed or was made for another sort, is InvalidArgument.
  StatusOr<Page<Organization>> ListOrganizations(const Principal& actor, const PageRequest& page);

  // Users.
  StatusOr<User> CreateUser(const Principal& actor, const NewUser& user);
  StatusOr<User> GetUser(const Principal& actor, const std::string& id);
  StatusOr<User> FindUserByEmail(const Principal& actor, const std::string& email);
  StatusOr<Page<User>> ListUsers(const Principal& actor, const std::string& org_id,
                                 const PageRequest& page);
  Status SetPassword(const Principal& actor, const std::string& user_id,
                     const std::string& password);
  Status SetDisabled(const Principal& actor, const std::string& user_id, bool disabled);

  // API tokens. Only the user themselves may issue their tokens; admins may revoke them.
  StatusOr<IssuedToken> IssueToken(const Principal& actor, const std::string& user_id,
                                   const std::string& name, std::optional<Time> expires_at);
  StatusOr<std::vector<ApiToken>> ListTokens(const Principal& actor, const std::string& user_id);
  StatusOr<ApiToken> RevokeToken(const Principal& actor, const std::string& token_id);

  // Authentication. Errors are kUnauthenticated with a reason a person can act on.
  StatusOr<Principal> AuthenticateToken(std::string_view secret);
  StatusOr<IssuedSession> SignIn(const std::string& email, const std::string& password);
  // `csrf_token` must be given (and match) for state-changing requests.
  StatusOr<Principal> AuthenticateSession(std::string_view secret,
                                          std::optional<std::string_view> csrf_token);
  Status SignOut(std::string_view secret);

  StatusOr<Identity> WhoAmI(const Principal& actor);

  // Relationship tuples (platform administrators).
  StatusOr<RelationshipTuple> WriteTuple(const Principal& actor, const NewTuple& tuple);
  StatusOr<RelationshipTuple> ApproveTuple(const Principal& actor, const std::string& id);
  StatusOr<RelationshipTuple> RevokeTuple(const Principal& actor, const std::string& id);
  StatusOr<RelationshipTuple> GetTuple(const Principal& actor, const std::string& id);
  StatusOr<Page<RelationshipTuple>> ListTuples(const Principal& actor, const TupleFilter& filter,
                                               const PageRequest& page);

  // Authorization for other modules' handlers.
  StatusOr<Decision> Check(const Principal& actor, std::string_view action,
                           std::string_view object);

  const Clock& clock() const { return clock_; }
  store::Database& database() { return db_; }
  // The audit trail changes are recorded in, or nullptr; other services record in it too.
  AuditTrail* audit() const { return audit_; }

 private:
  // Verified tokens, by the hash of their secret.
  struct CachedToken {
    Principal principal;
    std::optional<Time> expires_at;
    Time verified_at;
  };
  std::optional<Principal> CachedPrincipal(const std::string& secret_hash, Time now);
  // Runs `fn` in a transaction; a denial made inside it is recorded once it has rolled back.
  Status Run(store::TxMode mode, const std::function<Status(store::Transaction&)>& fn);
  // Records an allowed action, inside the transaction that performs it.
  Status Audit(store::Transaction& tx, const Principal& actor, std::string_view action,
               const std::string& object, std::vector<std::string> grants);
  void Forget(const std::function<bool(const CachedToken&)>& which);

  store::Database& db_;
  const Clock& clock_;
  PasswordHasher& hasher_;
  AuditTrail* audit_;
  Random& random_;
  Authorizer authorizer_;
  std::mutex token_cache_mu_;
  std::unordered_map<std::string, CachedToken> token_cache_;  // GUARDED_BY(token_cache_mu_)
};

}  // namespace bulwark::access
