// LedgerAuditTrail: the audit trail of the access module, written to the transparency log.
//
// Each record becomes one ledger entry (ledger/audit_entry.h) appended in the caller's
// transaction. Thread-safety: as TransparencyLog, safe from any thread.
#pragma once

#include "access/audit.h"
#include "base/clock.h"
#include "ledger/transparency_log.h"

namespace bulwark::api {

class LedgerAuditTrail final : public access::AuditTrail {
 public:
  LedgerAuditTrail(ledger::TransparencyLog& log, const Clock& clock) : log_(log), clock_(clock) {}
  Status Record(store::Transaction& tx, const access::AuditRecord& record) override;

 private:
  ledger::TransparencyLog& log_;
  const Clock& clock_;
};

}  // namespace bulwark::api
