#include "ledger/transparency_log.h"

#include <cstring>
#include <map>

#include "ledger/checkpoint.h"

namespace bulwark::ledger {
namespace {

using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;

// The PostgreSQL advisory lock that makes one appender at a time ("BWLEDGER" in ASCII).
constexpr int64_t kSequencerLock = 0x42574c4544474552;

Hash ToHash(const std::string& bytes) {
  Hash h{};
  if (bytes.size() == h.size()) std::memcpy(h.data(), bytes.data(), h.size());
  return h;
}

std::string FromHash(const Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

// Stored perfect-subtree hashes, read through a transaction.
class StoredNodes final : public NodeReader {
 public:
  explicit StoredNodes(Transaction& tx) : tx_(tx) {}
  StatusOr<Hash> ReadNode(NodeId id) override {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx_.Query("SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?",
                                  {int64_t{id.level}, static_cast<int64_t>(id.index)}));
    if (rows.empty() || rows[0].Bytes(0).size() != Hash().size()) {
      return DataLossError("the ledger is missing the stored hash of subtree (level " +
                           std::to_string(id.level) + ", index " + std::to_string(id.index) + ")");
    }
    return ToHash(rows[0].Bytes(0));
  }

  // All the nodes of a proof in one query.
  StatusOr<std::vector<Hash>> ReadNodes(std::span<const NodeId> ids) override {
    if (ids.empty()) return std::vector<Hash>();
    std::string sql = "SELECT level, idx, hash FROM ledger_nodes WHERE ";
    std::vector<store::Value> params;
    for (size_t i = 0; i < ids.size(); ++i) {
      sql += i ? " OR (level = ? AND idx = ?)" : "(level = ? AND idx = ?)";
      params.emplace_back(int64_t{ids[i].level});
      params.emplace_back(static_cast<int64_t>(ids[i].index));
    }
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx_.Query(sql, params));
    std::map<NodeId, Hash> found;
    for (const Row& row : rows) {
      found[{static_cast<uint8_t>(row.Int(0)), static_cast<uint64_t>(row.Int(1))}] =
          ToHash(row.Bytes(2));
    }
    std::vector<Hash> out;
    out.reserve(ids.size());
    for (const NodeId& id : ids) {
      auto it = found.find(id);
      if (it == found.end()) {
        return DataLossError("the ledger is missing the stored hash of subtree (level " +
                             std::to_string(id.level) + ", index " + std::to_string(id.index) +
                             ")");
      }
      out.push_back(it->second);
    }
    return out;
  }

 private:
  Transaction& tx_;
};

// The number of entries: one past the highest index (a primary-key lookup, not a count, so
// appends stay O(log n)). Gaps cannot arise from appends; `bulwark ledger verify` finds any
// made by hand.
StatusOr<uint64_t> SizeIn(Transaction& tx) {
  BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT MAX(idx) FROM ledger_entries"));
  if (rows.empty() || rows[0].IsNull(0)) return uint64_t{0};
  return static_cast<uint64_t>(rows[0].Int(0)) + 1;
}

// Runs `read` over the stored nodes of the tree of the first `size` entries, in one read
// transaction, after checking the log has that many.
template <typename T, typename Read>
StatusOr<T> ReadTree(store::Database& db, uint64_t size, Read read) {
  std::optional<T> out;
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(uint64_t current, SizeIn(tx));
    if (size > current) {
      return InvalidArgumentError("the ledger has " + std::to_string(current) +
                                  " entries; there is no tree of size " + std::to_string(size));
    }
    StoredNodes nodes(tx);
    StatusOr<T> value = read(nodes);
    if (!value.ok()) return value.status();
    out = std::move(*value);
    return OkStatus();
  }));
  return std::move(*out);
}

StatusOr<std::optional<SignedCheckpoint>> LatestIn(Transaction& tx) {
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query("SELECT size, root, note, signed_at FROM ledger_checkpoints "
                               "ORDER BY size DESC LIMIT 1"));
  if (rows.empty()) return std::optional<SignedCheckpoint>();
  SignedCheckpoint c;
  c.size = static_cast<uint64_t>(rows[0].Int(0));
  c.root = ToHash(rows[0].Bytes(1));
  c.note = rows[0].Text(2);
  c.signed_at = FromUnixMicros(rows[0].Int(3));
  return std::optional<SignedCheckpoint>(c);
}

}  // namespace

TransparencyLog::TransparencyLog(store::Database& db, std::string origin,
                                 std::unique_ptr<NoteSigner> signer, std::string verifier_key,
                                 const Clock& clock)
    : db_(db),
      origin_(std::move(origin)),
      signer_(std::move(signer)),
      verifier_key_(std::move(verifier_key)),
      clock_(clock) {}

StatusOr<uint64_t> TransparencyLog::Append(Transaction& tx, const NewEntry& entry) {
  return AppendBatch(tx, std::span<const NewEntry>(&entry, 1));
}

StatusOr<uint64_t> TransparencyLog::AppendBatch(Transaction& tx,
                                                std::span<const NewEntry> entries) {
  if (db_.backend() == store::Backend::kPostgres) {
    BW_RETURN_IF_ERROR(tx.Query("SELECT pg_advisory_xact_lock(?)", {kSequencerLock}).status());
  }
  BW_ASSIGN_OR_RETURN(const uint64_t first, SizeIn(tx));
  // Subtrees completed earlier in this batch are read from memory, older ones from the store.
  class BatchNodes final : public NodeReader {
   public:
    explicit BatchNodes(Transaction& tx) : stored_(tx) {}
    StatusOr<Hash> ReadNode(NodeId id) override {
      auto it = added_.find(id);
      if (it != added_.end()) return it->second;
      return stored_.ReadNode(id);
    }
    std::map<NodeId, Hash> added_;

   private:
    StoredNodes stored_;
  } nodes(tx);
  const int64_t now = ToUnixMicros(clock_.Now());
  // Rows are written many to a statement (Transaction::InsertMany): a fan-out appends thousands
  // of entries in one transaction, and a statement per row would be most of its time.
  std::vector<std::vector<store::Value>> entry_rows, node_rows;
  auto flush = [&]() -> Status {
    BW_RETURN_IF_ERROR(
        tx.InsertMany("ledger_entries (idx, leaf, leaf_hash, appended_at, principal, object)",
                      entry_rows)
            .status());
    BW_RETURN_IF_ERROR(tx.InsertMany("ledger_nodes (level, idx, hash)", node_rows).status());
    entry_rows.clear();
    node_rows.clear();
    return OkStatus();
  };
  constexpr size_t kRowsPerStatement = 4096;
  uint64_t index = first;
  for (const NewEntry& entry : entries) {
    Hash leaf_hash = HashLeaf(entry.leaf);
    BW_ASSIGN_OR_RETURN(auto new_nodes, NodesForAppend(index, leaf_hash, nodes));
    entry_rows.push_back({static_cast<int64_t>(index), store::Blob{entry.leaf},
                          store::Blob{FromHash(leaf_hash)}, now, entry.principal, entry.object});
    for (const auto& [id, hash] : new_nodes) {
      node_rows.push_back(
          {int64_t{id.level}, static_cast<int64_t>(id.index), store::Blob{FromHash(hash)}});
      nodes.added_[id] = hash;
    }
    if (entry_rows.size() >= kRowsPerStatement || node_rows.size() >= kRowsPerStatement) {
      BW_RETURN_IF_ERROR(flush());
    }
    // Only the right edge of the tree is ever read again during the batch; what is dropped from
    // memory is written first, so that it is read from the store.
    if (nodes.added_.size() > 4096) {
      BW_RETURN_IF_ERROR(flush());
      nodes.added_.clear();
    }
    ++index;
  }
  BW_RETURN_IF_ERROR(flush());
  return first;
}

StatusOr<uint64_t> TransparencyLog::Size() {
  uint64_t size = 0;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(size, SizeIn(tx));
    return OkStatus();
  }));
  return size;
}

StatusOr<Hash> TransparencyLog::Root(uint64_t size) {
  return ReadTree<Hash>(db_, size, [&](StoredNodes& nodes) { return RootHash(size, nodes); });
}

StatusOr<std::vector<Entry>> TransparencyLog::Entries(uint64_t start, uint64_t limit,
                                                      const std::optional<EntryFilter>& filter) {
  std::vector<Entry> out;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    const std::string columns =
        "SELECT idx, leaf, leaf_hash, appended_at, principal, object FROM ledger_entries ";
    std::string sql;
    std::vector<store::Value> params;
    if (!filter) {
      sql = columns + "WHERE idx >= ?";
      params.emplace_back(static_cast<int64_t>(start));
    } else {
      // One indexed range per key, merged: never a scan of the whole log.
      sql = columns + "WHERE principal = ? AND idx >= ?";
      params = {filter->principal, static_cast<int64_t>(start)};
      for (const std::string& object : filter->objects) {
        // The predicate repeats the partial index's, so the index serves the lookup.
        sql += " UNION " + columns +
               "WHERE object = ? AND substr(object, 1, 4) IN ('usr_', 'org_') AND idx >= ?";
        params.emplace_back(object);
        params.emplace_back(static_cast<int64_t>(start));
      }
    }
    sql += " ORDER BY idx LIMIT ?";
    params.emplace_back(static_cast<int64_t>(limit));
    BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query(sql, params));
    for (const Row& row : rows) {
      out.push_back({static_cast<uint64_t>(row.Int(0)), row.Bytes(1), ToHash(row.Bytes(2)),
                     FromUnixMicros(row.Int(3)), row.Text(4), row.Text(5)});
    }
    return OkStatus();
  }));
  return out;
}

StatusOr<std::vector<Hash>> TransparencyLog::InclusionProof(uint64_t index, uint64_t size) {
  return ReadTree<std::vector<Hash>>(
      db_, size, [&](StoredNodes& nodes) { return ledger::InclusionProof(index, size, nodes); });
}

StatusOr<Hash> TransparencyLog::RecordedLeafHash(uint64_t index) {
  Hash hash{};
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    StoredNodes nodes(tx);
    BW_ASSIGN_OR_RETURN(hash, nodes.ReadNode({0, index}));
    return OkStatus();
  }));
  return hash;
}

StatusOr<std::vector<Hash>> TransparencyLog::ConsistencyProof(uint64_t size1, uint64_t size2) {
  return ReadTree<std::vector<Hash>>(db_, size2, [&](StoredNodes& nodes) {
    return ledger::ConsistencyProof(size1, size2, nodes);
  });
}

StatusOr<std::optional<SignedCheckpoint>> TransparencyLog::LatestCheckpoint() {
  std::optional<SignedCheckpoint> latest;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(latest, LatestIn(tx));
    return OkStatus();
  }));
  return latest;
}

StatusOr<SignedCheckpoint> TransparencyLog::SignCheckpoint() {
  SignedCheckpoint signed_checkpoint;
  BW_RETURN_IF_ERROR(db_.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(uint64_t size, SizeIn(tx));
    StoredNodes nodes(tx);
    BW_ASSIGN_OR_RETURN(Hash root, RootHash(size, nodes));
    BW_ASSIGN_OR_RETURN(std::optional<SignedCheckpoint> last, LatestIn(tx));
    if (last) {
      if (size < last->size) {
        return DataLossError("the ledger has " + std::to_string(size) +
                             " entries but a checkpoint of size " + std::to_string(last->size) +
                             " was signed: entries were removed; refusing to sign");
      }
      if (size == last->size) {
        if (root != last->root) {
          return DataLossError("the ledger's root at size " + std::to_string(size) +
                               " differs from the signed checkpoint: entries were changed; "
                               "refusing to sign");
        }
        signed_checkpoint = *last;
        return OkStatus();
      }
      BW_ASSIGN_OR_RETURN(std::vector<Hash> proof,
                          ledger::ConsistencyProof(last->size, size, nodes));
      Status consistent = VerifyConsistency(last->size, size, proof, last->root, root);
      if (!consistent.ok()) {
        return DataLossError("the ledger is not consistent with its last signed checkpoint (size " +
                             std::to_string(last->size) + "): " + consistent.message() +
                             "; refusing to sign");
      }
    }
    const Checkpoint checkpoint{origin_, size, root, {}};
    BW_RETURN_IF_ERROR(ValidateCheckpoint(checkpoint));
    std::string body = FormatCheckpoint(checkpoint);
    NoteSigner* signers[] = {signer_.get()};
    BW_ASSIGN_OR_RETURN(std::string note, SignNote(body, signers));
    signed_checkpoint = {size, root, note, clock_.Now()};
    return tx
        .Execute("INSERT INTO ledger_checkpoints (size, root, note, signed_at) VALUES (?,?,?,?)",
                 {static_cast<int64_t>(size), store::Blob{FromHash(root)}, note,
                  ToUnixMicros(signed_checkpoint.signed_at)})
        .status();
  }));
  return signed_checkpoint;
}

}  // namespace bulwark::ledger
