// FailedStatement: how a transaction remembers that one of its statements failed.
//
// On PostgreSQL a failed statement aborts the whole transaction: every later statement fails
// and COMMIT turns into a rollback. Both backends behave that way, so code tested on SQLite
// behaves the same on PostgreSQL: after the first failure, later statements in the same
// transaction return kInternal, and Transact returns the first failure even when the function
// swallowed it and returned OK. (To tolerate a conflict, write `INSERT ... ON CONFLICT`.)
//
// Thread-safety: none; owned by one Transaction.
//
// Example:
//   BW_RETURN_IF_ERROR(failure_.CheckUsable());
//   if (rc != SQLITE_DONE) return failure_.Record(ErrorFrom(rc), IsBusy(rc));
#pragma once

#include <utility>

#include "base/status.h"

namespace bulwark::store::internal {

class FailedStatement {
 public:
  // OK while no statement has failed.
  Status CheckUsable() const {
    if (!failed()) return OkStatus();
    return InternalError(
        "statement run after an earlier statement of the same transaction failed (" +
        first_.ToString() + ")");
  }

  // Records `error` if it is the first failure, and returns it.
  Status Record(Status error, bool transient) {
    if (!failed()) {
      first_ = error;
      transient_ = transient;
    }
    return error;
  }

  bool failed() const { return !first_.ok(); }
  // The first failure; OK when none.
  const Status& first() const { return first_; }
  // The first failure was a transient conflict; retrying the transaction may succeed.
  bool transient() const { return transient_; }

 private:
  Status first_;
  bool transient_ = false;
};

}  // namespace bulwark::store::internal
