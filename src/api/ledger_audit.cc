#include "api/ledger_audit.h"

#include "ledger/audit_entry.h"

namespace bulwark::api {

namespace {

ledger::AuditEntry EntryOf(const access::AuditRecord& record, Time now) {
  return ledger::AuditEntry{now,
                            record.actor.user_id.empty() ? "anonymous" : record.actor.user_id,
                            record.action,
                            record.object,
                            record.allowed,
                            record.grants,
                            record.actor.request_id,
                            record.actor.body_sha256,
                            record.facts};
}

}  // namespace

Status LedgerAuditTrail::Record(store::Transaction& tx, const access::AuditRecord& record) {
  const ledger::AuditEntry entry = EntryOf(record, clock_.Now());
  return log_.Append(tx, {ledger::EncodeAuditEntry(entry), entry.principal, entry.object}).status();
}

}  // namespace bulwark::api
