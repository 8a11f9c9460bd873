// AuditTrail: where the directory records what principals did and were refused.
//
// The directory calls Record inside the same read-write transaction as the change it audits,
// so a change and its record commit together or not at all; a denial is recorded in a
// transaction of its own after the refused one rolled back. The product's implementation
// appends to the ledger (api/ledger_audit.h); access/ does not depend on it.
//
// Thread-safety: implementations must be safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/types.h"
#include "base/status.h"
#include "store/database.h"

namespace bulwark::access {

struct AuditRecord {
  Principal actor;  // with the request id and body hash of the request, if any
  std::string action;
  std::string object;
  bool allowed = false;
  std::vector<std::string> grants;
  // More about what happened, in order (a gateway call's status and tokens); never content.
  std::vector<std::pair<std::string, std::string>> facts;
};

class AuditTrail {
 public:
  virtual ~AuditTrail() = default;
  // REQUIRES: `tx` is a read-write transaction.
  virtual Status Record(store::Transaction& tx, const AuditRecord& record) = 0;
};

// Runs `fn` in a `mode` transaction of `db`. A refusal noted with NoteDenial on this thread while
// `fn` runs is recorded in `audit` (when there is one) in a transaction of its own once the
// refused one has rolled back: the refusal is kept though the work is not. A run inside another
// records its own refusal; one that cannot be recorded is logged.
Status TransactRecordingDenial(store::Database& db, AuditTrail* audit, store::TxMode mode,
                               const std::function<Status(store::Transaction&)>& fn);

// Notes the refusal of `action` on `object` to `actor` for the TransactRecordingDenial running on
// this thread (the last noted is recorded); outside one, nothing.
void NoteDenial(const Principal& actor, std::string_view action, std::string_view object);

}  // namespace bulwark::access
