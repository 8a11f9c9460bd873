#include "access/audit.h"

#include <optional>

#include "base/log.h"

namespace bulwark::access {
namespace {

// The refusal noted in the TransactRecordingDenial running on this thread.
thread_local std::optional<AuditRecord>* t_denial = nullptr;

}  // namespace

Status TransactRecordingDenial(store::Database& db, AuditTrail* audit, store::TxMode mode,
                               const std::function<Status(store::Transaction&)>& fn) {
  std::optional<AuditRecord> denial;
  std::optional<AuditRecord>* outer = t_denial;
  t_denial = &denial;
  Status s = db.Transact(mode, fn);
  t_denial = outer;
  if (!s.ok() && denial && audit != nullptr) {
    Status recorded = db.Transact(store::TxMode::kReadWrite, [&](store::Transaction& tx) {
      return audit->Record(tx, *denial);
    });
    if (!recorded.ok()) {
      Log(LogLevel::kError, "could not record a denial in the audit trail",
          {{"action", denial->action}, {"object", denial->object}, {"error", recorded.ToString()}});
    }
  }
  return s;
}

void NoteDenial(const Principal& actor, std::string_view action, std::string_view object) {
  if (t_denial != nullptr) {
    *t_denial = AuditRecord{actor, std::string(action), std::string(object), false, {}};
  }
}

}  // namespace bulwark::access
