// SecretStore: secrets at rest in the `secrets` table, encrypted so that the database alone
// never reveals them (envelope.h), and the database-wide work on them: the start-up key check,
// key rotation and the full check.
//
// A secret belongs to one place: a column of a row of another table (a lab's model endpoint
// keeps its API key as the secret at ("model_endpoints", endpoint id, "credential")). The owner
// row keeps no copy; it asks the store. Put, Get, Exists and Delete run inside the caller's
// transaction, so a secret is written exactly when the change that wrote it commits. Each Put
// makes a new data key and raises the place's key version; both are bound into the encryption,
// so stored rows cannot be swapped or replayed into another place.
//
// What never happens: plaintext is never written to the database, a log, the ledger or an
// error message. Errors name the place (table, row id, column) and key ids and files, nothing
// else. Get returns the plaintext in guarded memory (SecretBytes) that the caller should drop
// as soon as it has used it.
//
// CheckKeyring is what `bulwark serve` runs before it starts: it proves the keyring opens the
// secrets already stored (one per key id found, and a canary row the first start writes), so a
// missing or wrong key stops the server with a message instead of failing requests later.
// Rotate re-wraps every data key with the keyring's primary key in batches of their own
// transactions; a crash leaves each row wrapped by the old key or the new one, and running it
// again finishes. CheckAll opens every secret and reports those that do not open.
//
// Used by services that store credentials and confidential content, and by `bulwark keys`.
//
// Thread-safety: a SecretStore holds no mutable state and may be used from any number of
// threads (each with its own transaction). The Keyring and Clock must outlive it.
//
// Example:
//   SecretStore secrets(keyring, SystemClock::Get());
//   SecretRef ref{"model_endpoints", endpoint.id, "credential"};
//   BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadWrite, [&](store::Transaction& tx) -> Status {
//     BW_RETURN_IF_ERROR(InsertEndpoint(tx, endpoint));
//     return secrets.Put(tx, ref, request.api_key);
//   }));
//   ...
//   BW_ASSIGN_OR_RETURN(SecretBytes api_key, secrets.Get(tx, ref));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "secrets/key_file.h"
#include "secrets/secret_bytes.h"
#include "store/database.h"

namespace bulwark::secrets {

// The place a secret belongs to.
struct SecretRef {
  std::string table;   // the owner table; "secrets" is reserved
  std::string row_id;  // the owner row's id
  std::string column;  // the owner column
  friend bool operator==(const SecretRef&, const SecretRef&) = default;
};

// The largest secret Put accepts.
inline constexpr size_t kMaxSecretBytes = 64 << 20;

// One secret that did not open, in a report. `status` names the place and why, never content.
struct SecretFailure {
  SecretRef ref;
  std::string kek_id;
  Status status;
};

struct RotationReport {
  int64_t rewrapped = 0;  // data keys wrapped anew with the primary key by this run
  int64_t current = 0;    // secrets found already wrapped by it (an earlier run did them)
  std::vector<SecretFailure> failures;  // secrets left as they were
};

struct RotateOptions {
  int batch_size = 200;  // secrets re-wrapped per transaction
  // Called after each committed batch with the running totals; returning false stops the
  // rotation there (Rotate then returns Cancelled), as a crash would.
  std::function<bool(const RotationReport&)> after_batch;
};

struct CheckReport {
  int64_t checked = 0;                    // secrets opened (the canary not counted)
  std::map<std::string, int64_t> by_key;  // kek id -> secrets wrapped by it
  std::vector<SecretFailure> failures;
};

class SecretStore {
 public:
  SecretStore(const Keyring& keyring, const Clock& clock) : keyring_(keyring), clock_(clock) {}

  // The keys it opens secrets with (also those of sealed files made for this platform).
  const Keyring& keyring() const { return keyring_; }

  // Stores `plaintext` as the secret of `ref`, replacing any earlier one, with a new data key
  // wrapped by the primary key. InvalidArgument for a malformed ref or a secret over
  // kMaxSecretBytes.
  Status Put(store::Transaction& tx, const SecretRef& ref, std::string_view plaintext) const;

  // The secret of `ref`. NotFound when none is stored; FailedPrecondition when it is wrapped
  // by a key this keyring does not hold; DataLoss when its row does not open (altered, or
  // moved from another place).
  StatusOr<SecretBytes> Get(store::Transaction& tx, const SecretRef& ref) const;

  // What identifies the stored value of `ref` without opening it: it changes whenever the
  // secret is replaced (each Put wraps a new data key), so a holder of the opened value can tell
  // whether it is still current. NotFound when none is stored.
  StatusOr<std::string> Stamp(store::Transaction& tx, const SecretRef& ref) const;

  // Whether a secret is stored for `ref`, without opening it.
  StatusOr<bool> Exists(store::Transaction& tx, const SecretRef& ref) const;

  // Deletes the secret of `ref`; false when there was none.
  StatusOr<bool> Delete(store::Transaction& tx, const SecretRef& ref) const;

  // Deletes every secret of one owner row (when the row itself goes); returns how many.
  StatusOr<int64_t> DeleteRow(store::Transaction& tx, std::string_view table,
                              std::string_view row_id) const;

  // Proves that the keyring opens the secrets in `db`: for every key id the stored secrets
  // are wrapped by, the keyring must hold that key and open one of its secrets; the canary row
  // is written with the primary key when absent and must open. FailedPrecondition or DataLoss
  // naming the key file and what is wrong otherwise.
  Status CheckKeyring(store::Database& db) const;

  // Re-wraps every data key not wrapped by the primary key, batch by batch. Secrets whose key
  // the keyring lacks, or that do not open, are reported and left as they were.
  StatusOr<RotationReport> Rotate(store::Database& db, const RotateOptions& options = {}) const;

  // Opens every stored secret (and the canary) and reports those that do not open.
  StatusOr<CheckReport> CheckAll(store::Database& db, int batch_size = 200) const;

  // Deletes every secret wrapped by the key `kek_id`, which must not be in the keyring: what an
  // operator does once that key is lost, so that the server starts again with a new key (the
  // owners of those secrets must enter them again). Returns how many went.
  StatusOr<int64_t> ForgetKey(store::Database& db, std::string_view kek_id) const;

 private:
  Status PutUnchecked(store::Transaction& tx, const SecretRef& ref,
                      std::string_view plaintext) const;

  const Keyring& keyring_;
  const Clock& clock_;
};

}  // namespace bulwark::secrets
