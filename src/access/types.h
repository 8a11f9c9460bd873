// The nouns of access control: organizations, users, API tokens, relationship tuples, the
// principal behind a request, and the decision of a check.
//
// Plain values; safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::access {

// What an organization is to the program. Its wire name is the snake_case of the enumerator.
enum class OrgKind { kLab, kAgency, kOperator, kPartner, kClearinghouse, kProgramOffice };

std::string_view OrgKindName(OrgKind kind);
StatusOr<OrgKind> ParseOrgKind(std::string_view name);

struct Organization {
  std::string id;  // org_...
  std::string name;
  OrgKind kind = OrgKind::kOperator;
  Time created_at;
};

// A role a user holds within their organization; each is a relationship tuple
// (org, role, user). kAdmin implies kMember.
enum class OrgRole { kMember, kAdmin };
std::string_view OrgRoleName(OrgRole role);
StatusOr<OrgRole> ParseOrgRole(std::string_view name);

struct User {
  std::string id;  // usr_...
  std::string org_id;
  std::string email;
  std::string display_name;
  bool disabled = false;
  bool has_password = false;
  Time created_at;
};

// An API token's record. The secret itself is never stored; see docs/tokens.md.
struct ApiToken {
  std::string id;  // tok_...
  std::string user_id;
  std::string name;
  Time created_at;
  std::optional<Time> expires_at;
  std::optional<Time> revoked_at;
  std::optional<Time> last_used_at;
};

// A relationship tuple: `subject` has `relation` to `object` from valid_from until
// expires_at. A subject is a user id ("usr_...") or a userset ("org_...#member": every
// subject that has relation member to that organization). A tuple takes effect once approved:
// single-party relations are approved by their creator at creation; dual-control relations
// wait for a second principal (see docs/authorization.md).
struct RelationshipTuple {
  std::string id;  // tup_...
  std::string object;
  std::string relation;
  std::string subject;
  Time valid_from;
  std::optional<Time> expires_at;
  Time created_at;
  std::string created_by;
  std::optional<std::string> approved_by;
  std::optional<Time> approved_at;
  std::optional<Time> revoked_at;
  std::optional<std::string> revoked_by;

  // True when the tuple grants its relation at `now`.
  bool EffectiveAt(Time now) const;
};

// Who is making a request, as established by authentication.
struct Principal {
  std::string user_id;
  std::string org_id;
  std::string credential_id;  // tok_... or ses_...
  bool via_session = false;   // a console session (cookie) rather than an API token
  // The request the principal acts in, for the audit trail; empty outside a request.
  std::string request_id;
  std::string body_sha256;  // lowercase hex SHA-256 of the request body; "" when none
};

// The answer of Authorizer::Check.
struct Decision {
  bool allowed = false;
  std::string reason;               // human-readable, for logs and 403 messages
  std::vector<std::string> grants;  // ids of the tuples that allowed it
  std::string rule;                 // the policy rule or guardrail that decided
};

}  // namespace bulwark::access
