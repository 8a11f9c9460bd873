// Key files and the Keyring: the operator's key-encryption keys (KEKs), which wrap the data key
// of every secret Bulwark stores.
//
// A key file is three lines of text (the format is ours; docs/secrets.md describes it):
//
//   bulwark-secrets-key v1
//   id kek_4f3q0s2b6k8c1x9m7n5p3r1t0v
//   key 8Zq0u...base64 of 32 random bytes...=
//
// The id is derived from the key (a BLAKE2b hash), so a damaged or edited key line is found
// when the file is read, and a row's key id names exactly one key. A key file must be a
// regular file that neither its group nor others may read or write (mode 0600 or 0400); any
// other file is refused with a message naming it and what is wrong, never quoting its content.
// The key itself is read straight into guarded memory (SecretBytes) and never enters a
// std::string.
//
// A process holds its keys in a Keyring: the primary key, which wraps every secret written,
// and any previous keys, which only unwrap secrets written before a rotation (`bulwark keys
// rotate`) finished. CreateKeyFile is what `bulwark keys init` runs.
//
// Used by the secrets store (secret_store.h), the `bulwark keys` commands and `bulwark serve`.
//
// Thread-safety: a KeyEncryptionKey and a Keyring are immutable once built and may be shared
// by any number of threads; the functions are safe from any thread.
//
// Example:
//   BW_ASSIGN_OR_RETURN(Keyring keyring, OpenKeyring("var/secrets.key"));
//   SecretStore secrets(keyring, SystemClock::Get());
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "secrets/secret_bytes.h"

namespace bulwark::secrets {

// The first line of every key file of this version.
inline constexpr std::string_view kKeyFileHeader = "bulwark-secrets-key v1";
// Length of a key-encryption key in bytes (XChaCha20-Poly1305).
inline constexpr size_t kKeyBytes = 32;

class KeyEncryptionKey {
 public:
  // REQUIRES: key.size() == kKeyBytes, and id == KeyIdOf(key).
  KeyEncryptionKey(std::string id, std::string path, SecretBytes key)
      : id_(std::move(id)), path_(std::move(path)), key_(std::move(key)) {}

  // "kek_" and 26 base32 characters, derived from the key.
  const std::string& id() const { return id_; }
  // The file it was read from ("" when it was made in memory).
  const std::string& path() const { return path_; }
  std::span<const uint8_t> bytes() const { return key_.span(); }
  // "var/secrets.key (key kek_...)", for messages.
  std::string Describe() const;

 private:
  std::string id_;
  std::string path_;
  SecretBytes key_;
};

// The id a key file gives `key`. REQUIRES: key.size() == kKeyBytes.
std::string KeyIdOf(std::span<const uint8_t> key);

// A fresh random key, not saved anywhere (for tests, and for CreateKeyFile).
StatusOr<KeyEncryptionKey> GenerateKey();

// Parses the text of a key file; `path` names the file in error messages (kInvalidArgument).
StatusOr<KeyEncryptionKey> ParseKeyFile(std::string_view text, const std::string& path);

// Reads a key file, checking its type and mode first. NotFound when it does not exist,
// PermissionDenied when others may read it or it is not a regular file, InvalidArgument when
// its content is not a key file.
StatusOr<KeyEncryptionKey> ReadKeyFile(const std::string& path);

// Makes a new random key in a new file at `path` with mode 0600 (its folder is made, mode 0700,
// if missing) and returns its id. The file appears whole or not at all; AlreadyExists when
// `path` exists, which is never overwritten.
StatusOr<std::string> CreateKeyFile(const std::string& path);

class Keyring {
 public:
  explicit Keyring(KeyEncryptionKey primary);
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  // Adds a key that unwraps but never wraps. A key already held (same id) is ignored.
  void AddPreviousKey(KeyEncryptionKey key);

  // The key every new or re-wrapped secret is wrapped with.
  const KeyEncryptionKey& primary() const { return keys_.front(); }
  // The key with this id, or null when the ring does not hold it.
  const KeyEncryptionKey* Find(std::string_view id) const;
  // All keys, the primary first.
  const std::vector<KeyEncryptionKey>& keys() const { return keys_; }
  // "var/secrets.key (key kek_...)" and, when there are previous keys, "; previous: ...".
  std::string Describe() const;

 private:
  std::vector<KeyEncryptionKey> keys_;  // never empty; [0] is the primary
};

// Reads the primary key file at `path` and, unless `previous_path` is empty, a previous key.
StatusOr<Keyring> OpenKeyring(const std::string& path, const std::string& previous_path = "");

}  // namespace bulwark::secrets
