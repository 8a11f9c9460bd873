#include "secrets/secret_store.h"

#include <optional>

#include "base/ids.h"
#include "secrets/envelope.h"

namespace bulwark::secrets {
namespace {

using store::Blob;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;

// The row CheckKeyring writes on first start, so that a database with no secrets yet still
// tells a wrong key from the right one. Its content is not secret.
const SecretRef& CanaryRef() {
  static const SecretRef ref{"secrets", "canary", "canary"};
  return ref;
}
constexpr std::string_view kCanaryText = "bulwark secrets canary";
constexpr size_t kMaxRefPartBytes = 200;

bool IsCanary(const SecretRef& ref) { return ref.table == CanaryRef().table; }

// "model_endpoints.credential of mep_...", for messages.
std::string Describe(const SecretRef& ref) {
  if (IsCanary(ref)) return "the key check row (secrets canary)";
  return "the secret " + ref.table + "." + ref.column + " of " + ref.row_id;
}

Status ValidateRef(const SecretRef& ref) {
  for (const std::string* part : {&ref.table, &ref.row_id, &ref.column}) {
    if (part->empty() || part->size() > kMaxRefPartBytes || part->find('\0') != std::string::npos) {
      return InvalidArgumentError(
          "a secret's table, row id and column must each be 1 to 200 bytes with no NUL");
    }
  }
  if (IsCanary(ref)) {
    return InvalidArgumentError("the table name \"secrets\" is reserved for the secrets store");
  }
  return OkStatus();
}

std::vector<store::Value> RefParams(const SecretRef& ref) {
  return {ref.table, ref.row_id, ref.column};
}

constexpr std::string_view kWhereRef =
    " WHERE owner_table = ? AND owner_id = ? AND owner_column = ?";

// The columns every reader selects, in this order.
constexpr std::string_view kRowColumns =
    "id, owner_table, owner_id, owner_column, key_version, kek_id, wrapped_key, ciphertext";

struct StoredSecret {
  std::string id;
  SecretRef ref;
  int64_t key_version = 0;
  Envelope envelope;

  SecretLocation location() const {
    return SecretLocation{ref.table, ref.row_id, ref.column, key_version};
  }
};

StoredSecret FromRow(const Row& row) {
  StoredSecret s;
  s.id = row.Text(0);
  s.ref = SecretRef{row.Text(1), row.Text(2), row.Text(3)};
  s.key_version = row.Int(4);
  s.envelope.kek_id = row.Text(5);
  s.envelope.wrapped_key = row.Bytes(6);
  s.envelope.ciphertext = row.Bytes(7);
  return s;
}

// Why a secret wrapped by `kek_id` cannot be opened with `keyring`.
Status MissingKeyError(const SecretRef& ref, std::string_view kek_id, const Keyring& keyring) {
  return FailedPreconditionError(
      Describe(ref) + " is wrapped by key " + std::string(kek_id) +
      ", which is not among the key files given (" + keyring.Describe() +
      "): give the key file it was written with, or finish `bulwark keys rotate`");
}

// Opens a stored secret with whichever key of `keyring` wrapped it.
StatusOr<SecretBytes> OpenStored(const StoredSecret& s, const Keyring& keyring) {
  const KeyEncryptionKey* kek = keyring.Find(s.envelope.kek_id);
  if (kek == nullptr) return MissingKeyError(s.ref, s.envelope.kek_id, keyring);
  return OpenEnvelope(*kek, s.location(), s.envelope);
}

StatusOr<std::vector<StoredSecret>> SelectStored(Transaction& tx, std::string_view where,
                                                 const std::vector<store::Value>& params) {
  BW_ASSIGN_OR_RETURN(ResultSet rows, tx.Query("SELECT " + std::string(kRowColumns) +
                                                   " FROM secrets" + std::string(where),
                                               params));
  std::vector<StoredSecret> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(FromRow(row));
  return out;
}

StatusOr<std::optional<StoredSecret>> SelectByRef(Transaction& tx, const SecretRef& ref) {
  BW_ASSIGN_OR_RETURN(std::vector<StoredSecret> rows, SelectStored(tx, kWhereRef, RefParams(ref)));
  if (rows.empty()) return std::optional<StoredSecret>();
  return std::optional<StoredSecret>(std::move(rows.front()));
}

}  // namespace

Status SecretStore::Put(Transaction& tx, const SecretRef& ref, std::string_view plaintext) const {
  BW_RETURN_IF_ERROR(ValidateRef(ref));
  return PutUnchecked(tx, ref, plaintext);
}

Status SecretStore::PutUnchecked(Transaction& tx, const SecretRef& ref,
                                 std::string_view plaintext) const {
  if (plaintext.size() > kMaxSecretBytes) {
    return InvalidArgumentError(Describe(ref) + " is " + std::to_string(plaintext.size()) +
                                " bytes; a secret may be at most " +
                                std::to_string(kMaxSecretBytes >> 20) + " MiB");
  }
  BW_ASSIGN_OR_RETURN(
      ResultSet rows,
      tx.Query("SELECT id, key_version FROM secrets" + std::string(kWhereRef), RefParams(ref)));
  const int64_t version = rows.empty() ? 1 : rows[0].Int(1) + 1;
  const KeyEncryptionKey& kek = keyring_.primary();
  BW_ASSIGN_OR_RETURN(
      Envelope sealed,
      Seal(kek, SecretLocation{ref.table, ref.row_id, ref.column, version}, plaintext));
  const int64_t now = ToUnixMicros(clock_.Now());
  if (rows.empty()) {
    return tx
        .Execute(
            "INSERT INTO secrets (id, owner_table, owner_id, owner_column, key_version, kek_id, "
            "wrapped_key, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?)",
            {NewId("sec"), ref.table, ref.row_id, ref.column, version, sealed.kek_id,
             Blob{std::move(sealed.wrapped_key)}, Blob{std::move(sealed.ciphertext)}, now, now})
        .status();
  }
  return tx
      .Execute(
          "UPDATE secrets SET key_version = ?, kek_id = ?, wrapped_key = ?, ciphertext = ?, "
          "updated_at = ? WHERE id = ?",
          {version, sealed.kek_id, Blob{std::move(sealed.wrapped_key)},
           Blob{std::move(sealed.ciphertext)}, now, rows[0].Text(0)})
      .status();
}

StatusOr<SecretBytes> SecretStore::Get(Transaction& tx, const SecretRef& ref) const {
  BW_RETURN_IF_ERROR(ValidateRef(ref));
  BW_ASSIGN_OR_RETURN(std::optional<StoredSecret> stored, SelectByRef(tx, ref));
  if (!stored)
    return NotFoundError("no secret is stored as " + ref.table + "." + ref.column + " of " +
                         ref.row_id);
  return OpenStored(*stored, keyring_);
}

StatusOr<std::string> SecretStore::Stamp(Transaction& tx, const SecretRef& ref) const {
  BW_RETURN_IF_ERROR(ValidateRef(ref));
  BW_ASSIGN_OR_RETURN(
      ResultSet rows,
      tx.Query("SELECT kek_id, wrapped_key FROM secrets" + std::string(kWhereRef), RefParams(ref)));
  if (rows.empty()) {
    return NotFoundError("no secret is stored as " + ref.table + "." + ref.column + " of " +
                         ref.row_id);
  }
  return rows[0].Text(0) + ":" + rows[0].Bytes(1);
}

StatusOr<bool> SecretStore::Exists(Transaction& tx, const SecretRef& ref) const {
  BW_RETURN_IF_ERROR(ValidateRef(ref));
  BW_ASSIGN_OR_RETURN(ResultSet rows,
                      tx.Query("SELECT 1 FROM secrets" + std::string(kWhereRef), RefParams(ref)));
  return !rows.empty();
}

StatusOr<bool> SecretStore::Delete(Transaction& tx, const SecretRef& ref) const {
  BW_RETURN_IF_ERROR(ValidateRef(ref));
  BW_ASSIGN_OR_RETURN(int64_t n,
                      tx.Execute("DELETE FROM secrets" + std::string(kWhereRef), RefParams(ref)));
  return n > 0;
}

StatusOr<int64_t> SecretStore::DeleteRow(Transaction& tx, std::string_view table,
                                         std::string_view row_id) const {
  BW_RETURN_IF_ERROR(ValidateRef(SecretRef{std::string(table), std::string(row_id), "-"}));
  return tx.Execute("DELETE FROM secrets WHERE owner_table = ? AND owner_id = ?",
                    {std::string(table), std::string(row_id)});
}

Status SecretStore::CheckKeyring(store::Database& db) const {
  // Every key the stored secrets name must be held, and must open one of them, before the
  // canary is written: a wrong key must not be pinned as the database's key.
  std::vector<StoredSecret> samples;
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    samples.clear();
    BW_ASSIGN_OR_RETURN(ResultSet ids,
                        tx.Query("SELECT DISTINCT kek_id FROM secrets ORDER BY kek_id"));
    for (const Row& id : ids) {
      BW_ASSIGN_OR_RETURN(std::vector<StoredSecret> one,
                          SelectStored(tx, " WHERE kek_id = ? ORDER BY id LIMIT 1", {id.Text(0)}));
      for (StoredSecret& s : one) samples.push_back(std::move(s));
    }
    return OkStatus();
  }));
  for (const StoredSecret& s : samples) {
    if (keyring_.Find(s.envelope.kek_id) == nullptr) {
      return FailedPreconditionError(
          "this database holds secrets wrapped by key " + s.envelope.kek_id +
          ", but the key files given are " + keyring_.Describe() +
          ". Give the key file they were written with (--secrets-key), or during a rotation the "
          "old one as --secrets-previous-key. If that key is lost, so are those secrets, and "
          "nothing else: `bulwark keys forget --key-id " +
          s.envelope.kek_id + "` deletes them so that a new key can be used");
    }
    StatusOr<SecretBytes> opened = OpenStored(s, keyring_);
    if (!opened.ok()) return opened.status();
  }
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(std::optional<StoredSecret> canary, SelectByRef(tx, CanaryRef()));
    if (canary) return OkStatus();
    return PutUnchecked(tx, CanaryRef(), kCanaryText);
  }));
  std::optional<StoredSecret> canary;
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(canary, SelectByRef(tx, CanaryRef()));
    return OkStatus();
  }));
  if (!canary) return InternalError("the secrets canary row vanished after it was written");
  BW_ASSIGN_OR_RETURN(SecretBytes text, OpenStored(*canary, keyring_));
  if (!text.Equals(kCanaryText)) {
    return DataLossError("the secrets canary row opens but does not hold what was written");
  }
  return OkStatus();
}

StatusOr<RotationReport> SecretStore::Rotate(store::Database& db,
                                             const RotateOptions& options) const {
  if (options.batch_size < 1) return InvalidArgumentError("the batch size must be at least 1");
  const KeyEncryptionKey& to = keyring_.primary();
  RotationReport report;
  std::string cursor;
  while (true) {
    RotationReport batch;
    std::string batch_cursor;
    size_t seen = 0;
    BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
      batch = RotationReport();
      batch_cursor = cursor;
      BW_ASSIGN_OR_RETURN(std::vector<StoredSecret> rows,
                          SelectStored(tx, " WHERE kek_id <> ? AND id > ? ORDER BY id LIMIT ?",
                                       {to.id(), cursor, int64_t{options.batch_size}}));
      seen = rows.size();
      const int64_t now = ToUnixMicros(clock_.Now());
      for (const StoredSecret& s : rows) {
        batch_cursor = s.id;
        const KeyEncryptionKey* from = keyring_.Find(s.envelope.kek_id);
        if (from == nullptr) {
          batch.failures.push_back(
              {s.ref, s.envelope.kek_id, MissingKeyError(s.ref, s.envelope.kek_id, keyring_)});
          continue;
        }
        StatusOr<Envelope> rewrapped = Rewrap(*from, to, s.location(), s.envelope);
        if (!rewrapped.ok()) {
          batch.failures.push_back({s.ref, s.envelope.kek_id, rewrapped.status()});
          continue;
        }
        // Conditional on the row being as read, so a Put that raced this batch is kept.
        BW_ASSIGN_OR_RETURN(
            int64_t changed,
            tx.Execute("UPDATE secrets SET kek_id = ?, wrapped_key = ?, updated_at = ? "
                       "WHERE id = ? AND kek_id = ? AND key_version = ?",
                       {rewrapped->kek_id, Blob{std::move(rewrapped->wrapped_key)}, now, s.id,
                        s.envelope.kek_id, s.key_version}));
        if (changed == 1 && !IsCanary(s.ref)) ++batch.rewrapped;
      }
      return OkStatus();
    }));
    cursor = batch_cursor;
    report.rewrapped += batch.rewrapped;
    for (SecretFailure& f : batch.failures) report.failures.push_back(std::move(f));
    if (seen > 0 && options.after_batch && !options.after_batch(report)) {
      return Status(StatusCode::kCancelled, "key rotation stopped after " +
                                                std::to_string(report.rewrapped) +
                                                " secrets; run it again to finish");
    }
    if (seen < static_cast<size_t>(options.batch_size)) break;
  }
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT COUNT(*) FROM secrets WHERE kek_id = ? AND "
                                 "owner_table <> ?",
                                 {to.id(), CanaryRef().table}));
    report.current = rows.empty() ? 0 : rows[0].Int(0) - report.rewrapped;
    return OkStatus();
  }));
  return report;
}

StatusOr<CheckReport> SecretStore::CheckAll(store::Database& db, int batch_size) const {
  if (batch_size < 1) return InvalidArgumentError("the batch size must be at least 1");
  CheckReport report;
  std::string cursor;
  while (true) {
    std::vector<StoredSecret> rows;
    BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
      BW_ASSIGN_OR_RETURN(rows, SelectStored(tx, " WHERE id > ? ORDER BY id LIMIT ?",
                                             {cursor, int64_t{batch_size}}));
      return OkStatus();
    }));
    for (const StoredSecret& s : rows) {
      cursor = s.id;
      StatusOr<SecretBytes> opened = OpenStored(s, keyring_);
      if (!opened.ok()) {
        report.failures.push_back({s.ref, s.envelope.kek_id, opened.status()});
      } else if (IsCanary(s.ref) && !opened->Equals(kCanaryText)) {
        report.failures.push_back(
            {s.ref, s.envelope.kek_id, DataLossError("the key check row holds the wrong text")});
      }
      if (!IsCanary(s.ref)) {
        ++report.checked;
        ++report.by_key[s.envelope.kek_id];
      }
    }
    if (rows.size() < static_cast<size_t>(batch_size)) break;
  }
  return report;
}

StatusOr<int64_t> SecretStore::ForgetKey(store::Database& db, std::string_view kek_id) const {
  if (!IsValidId(kek_id, "kek")) {
    return InvalidArgumentError("a key id is `kek_` and 26 base32 characters");
  }
  if (const KeyEncryptionKey* held = keyring_.Find(kek_id)) {
    return FailedPreconditionError("key " + std::string(kek_id) + " is not lost: it is " +
                                   held->Describe() + "; rotate away from it instead");
  }
  int64_t forgotten = 0;
  BW_RETURN_IF_ERROR(db.Transact(TxMode::kReadWrite, [&](Transaction& tx) -> Status {
    BW_ASSIGN_OR_RETURN(ResultSet rows,
                        tx.Query("SELECT COUNT(*) FROM secrets WHERE kek_id = ? AND "
                                 "owner_table <> ?",
                                 {std::string(kek_id), CanaryRef().table}));
    forgotten = rows.empty() ? 0 : rows[0].Int(0);
    return tx.Execute("DELETE FROM secrets WHERE kek_id = ?", {std::string(kek_id)}).status();
  }));
  return forgotten;
}

}  // namespace bulwark::secrets
