// TransparencyLog: Bulwark's append-only, tamper-evident ledger on the product's database.
//
// Entries are appended inside the caller's read-write transaction, so a state change and its
// ledger entry commit together or not at all. Indexes are gap-free and never reused: on
// SQLite the single writer already orders appends; on PostgreSQL each append takes a
// transaction-scoped advisory lock, and a racing transaction that read a stale size fails to
// insert and is retried by the database layer. Each append stores the leaf, its RFC 9162 leaf
// hash and the hashes of the perfect subtrees it completes (O(log n) rows), from which roots
// and proofs are computed with O(log n) reads.
//
// Checkpoints (C2SP tlog-checkpoint, signed as C2SP notes) are signed on demand and on an
// interval by the server; the log refuses to sign a checkpoint that is not consistent with the
// last one it signed.
//
// Thread-safety: safe from any thread; all state is in the database.
//
// Example:
//   TransparencyLog log(db, "bulwark.example/ledger", std::move(signer), clock);
//   db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
//     ... the change ...
//     return log.Append(tx, {leaf_bytes, principal_id, object_id}).status();
//   });
//   BW_ASSIGN_OR_RETURN(SignedCheckpoint checkpoint, log.SignCheckpoint());
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "store/database.h"

namespace bulwark::ledger {

// What an append records. `leaf` is the entry's encoded bytes (docs/ledger.md); principal and
// object index the entry for "entries about me / about this object" queries.
struct NewEntry {
  std::string leaf;
  std::string principal;
  std::string object;
};

struct Entry {
  uint64_t index = 0;
  std::string leaf;
  Hash leaf_hash{};
  Time appended_at;
  std::string principal;
  std::string object;
};

struct SignedCheckpoint {
  uint64_t size = 0;
  Hash root{};
  std::string note;  // the signed note, as served at /api/v1/ledger/checkpoint
  Time signed_at;
};

class TransparencyLog {
 public:
  // `verifier_key` is the signer's public key in the "name+keyid+base64" form.
  TransparencyLog(store::Database& db, std::string origin, std::unique_ptr<NoteSigner> signer,
                  std::string verifier_key, const Clock& clock);

  // Appends inside `tx` (a read-write transaction of this log's database); returns the index.
  StatusOr<uint64_t> Append(store::Transaction& tx, const NewEntry& entry);
  // Appends several entries in order inside `tx`, and returns the index of the first: many
  // appends share one durable commit (group commit).
  StatusOr<uint64_t> AppendBatch(store::Transaction& tx, std::span<const NewEntry> entries);

  StatusOr<uint64_t> Size();
  StatusOr<Hash> Root(uint64_t size);
  // Who may see which entries: everything, or only the entries about one principal's own
  // actions and about the given objects (their user, their organization).
  struct EntryFilter {
    std::string principal;
    std::vector<std::string> objects;
  };

  // Entries from index `start` on, in order, at most `limit`, optionally filtered.
  StatusOr<std::vector<Entry>> Entries(uint64_t start, uint64_t limit,
                                       const std::optional<EntryFilter>& filter = {});
  StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);
  // The leaf hash stored for entry `index` when it was appended (its level-0 subtree), to tell
  // which entry an edit of the entries table touched.
  StatusOr<Hash> RecordedLeafHash(uint64_t index);
  StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2);

  // Signs a checkpoint of the current tree, unless the tree is not consistent with the last
  // signed checkpoint (kDataLoss: the stored log was changed) or nothing was appended since.
  StatusOr<SignedCheckpoint> SignCheckpoint();
  // The latest signed checkpoint, or nullopt when none was signed yet.
  StatusOr<std::optional<SignedCheckpoint>> LatestCheckpoint();

  const std::string& origin() const { return origin_; }
  // The verifier key of this log's signer ("name+keyid+base64").
  const std::string& verifier_key() const { return verifier_key_; }
  // The log's signer: the program's key, which also signs what the program issues (patch
  // notices) as signed notes that its verifier key checks.
  NoteSigner& signer() const { return *signer_; }

 private:
  store::Database& db_;
  std::string origin_;
  std::unique_ptr<NoteSigner> signer_;
  std::string verifier_key_;
  const Clock& clock_;
};

}  // namespace bulwark::ledger
