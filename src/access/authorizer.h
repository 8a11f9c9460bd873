// Authorizer: the one Check(principal, action, object, now) every handler calls, and a List
// that agrees with it.
//
// Deny by default. A principal is allowed an action on an object when the policy rule for the
// action (policy.h) is satisfied by a relationship tuple in effect at `now`: one naming the
// principal directly, or a userset the principal belongs to ("org_x#member"), on the object,
// on the object's parent, or on the platform. Then guardrails run, and a guardrail's deny
// always wins over a permit:
//   separation of duties  nobody approves a grant they proposed, or one that names them.
// The machine operator (SystemPrincipal, the `bulwark admin` command) bypasses the policy.
//
// List(principal, action, type, now) returns exactly the existing objects of `type` for which
// Check would allow `action`; a property test on random tuples holds the two together.
//
// Thread-safety: stateless apart from the clock-free policy; safe from any thread. Each call
// reads through the caller's transaction, so a check and the change it guards see one state.
//
// Example:
//   BW_ASSIGN_OR_RETURN(Decision d, authorizer.Check(tx, principal,
//                                                    actions::kUserCreate, org_id, now));
//   if (!d.allowed) return PermissionDeniedError(d.reason);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "access/types.h"
#include "base/clock.h"
#include "store/database.h"

namespace bulwark::access {

// The principal of the machine operator, acting through the command line.
Principal SystemPrincipal();
bool IsSystem(const Principal& principal);

class Authorizer {
 public:
  StatusOr<Decision> Check(store::Transaction& tx, const Principal& principal,
                           std::string_view action, std::string_view object, Time now) const;

  // The ids of existing objects of `object_type` that Check allows, sorted.
  StatusOr<std::vector<std::string>> List(store::Transaction& tx, const Principal& principal,
                                          std::string_view action, std::string_view object_type,
                                          Time now) const;
};

// The SQL condition (with three `?` for now, now, now... see EffectiveParams) under which a
// tuple row is in effect; shared with the directory's queries.
inline constexpr std::string_view kEffectiveTupleSql =
    "approved_at IS NOT NULL AND revoked_at IS NULL AND valid_from <= ? AND "
    "(expires_at IS NULL OR expires_at > ?)";

}  // namespace bulwark::access
