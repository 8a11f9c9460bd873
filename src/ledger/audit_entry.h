// AuditEntry: what one ledger leaf says, and its versioned byte encoding (docs/ledger.md).
//
// An entry records that a principal did (or was refused) an action on an object, when, under
// which grants, in which request, and the SHA-256 of the request body: never the confidential
// content itself. Version 1 is a JSON object with the members in a fixed order and no
// whitespace; the bytes are the record, so verification never re-encodes. Version 2 adds, last,
// "facts": an object of string values in a fixed order that says more about what happened (a
// gateway call's status, tokens and the hash of its answer); an entry without facts is still
// written as version 1, so its bytes are what they always were.
//
// Thread-safety: values and pure functions.
//
// Example:
//   std::string leaf = EncodeAuditEntry({.time = now, .principal = "usr_...",
//       .action = "organization.create", .object = "org_...", .allowed = true,
//       .grants = {"tup_..."}, .request_id = "req_...", .body_sha256 = hex});
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace bulwark::ledger {

inline constexpr int kAuditEntryVersion = 1;
inline constexpr int kAuditEntryVersionWithFacts = 2;

struct AuditEntry {
  Time time;
  std::string principal;            // usr_..., "system" (the command line) or "anonymous"
  std::string action;               // a policy action, such as "organization.create"
  std::string object;               // the object's id, or "platform"
  bool allowed = false;             // the decision
  std::vector<std::string> grants;  // ids of the tuples (or credentials) that allowed it
  std::string request_id;           // "" outside a request
  std::string body_sha256;          // lowercase hex of the request body's SHA-256; "" if none
  // More about what happened, in order: ("status", "200"), ("output_tokens", "51"), ...
  std::vector<std::pair<std::string, std::string>> facts;
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

std::string EncodeAuditEntry(const AuditEntry& entry);
// Errors name what is wrong: not JSON, an unknown version, a missing or mistyped member.
StatusOr<AuditEntry> DecodeAuditEntry(std::string_view leaf);

}  // namespace bulwark::ledger
