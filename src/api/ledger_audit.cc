#include "api/ledger_audit.h"

#include "ledger/audit_entry.h"

namespace bulwark::api {

Status LedgerAuditTrail::Record(store::Transaction& tx, const access::AuditRecord& record) {
  ledger::AuditEntry entry{clock_.Now(),
                           record.actor.user_id.empty() ? "anonymous" : record.actor.user_id,
                           record.action,
                           record.object,
                           record.allowed,
                           record.grants,
                           record.actor.request_id,
                           record.actor.body_sha256,
                           record.facts};
  return log_.Append(tx, {ledger::EncodeAuditEntry(entry), entry.principal, entry.object}).status();
}

}  // namespace bulwark::api
