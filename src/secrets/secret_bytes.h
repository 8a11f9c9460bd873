// SecretBytes: plaintext secret material (a lab's API key, a data key, a key-encryption key)
// held in memory that libsodium guards, and wiped when it is no longer needed.
//
// The bytes live in a sodium_malloc() allocation: guard pages on both sides, locked out of
// swap where the system allows it, and zeroed by sodium_free() when the SecretBytes is
// destroyed or moved over. A SecretBytes cannot be copied; moving it moves the one allocation.
// Nothing here converts to std::string implicitly: a caller that must hand the bytes to an
// interface taking a string (an HTTP header for a model's endpoint) asks for it by name with
// CopyToString(), and keeps that copy short-lived. view() and span() lend the bytes without
// copying. A SecretBytes never prints its contents: there is no operator<<.
//
// Used by the secrets engine (secret_store.h, key_file.h) and by every service that reads a
// secret back to use it.
//
// Thread-safety: like a std::vector: const access from several threads is safe; anything that
// changes it belongs to one thread.
//
// Example:
//   BW_ASSIGN_OR_RETURN(SecretBytes credential, store.Get(tx, ref));
//   request.set(http::field::authorization, "Bearer " + credential.CopyToString());
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace bulwark::secrets {

class SecretBytes {
 public:
  // An empty value that owns no memory.
  SecretBytes() = default;
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // `size` bytes of guarded memory with unspecified contents. ResourceExhausted when the
  // system cannot provide it.
  static StatusOr<SecretBytes> Allocate(size_t size);
  // A guarded copy of `bytes`. The caller remains responsible for the memory `bytes` came from.
  static StatusOr<SecretBytes> CopyOf(std::string_view bytes);

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<uint8_t> span() { return {data_, size_}; }
  std::span<const uint8_t> span() const { return {data_, size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // Forgets the bytes after the first `size` (they are wiped at once). REQUIRES: size <= size().
  void Truncate(size_t size);

  // An ordinary std::string holding a copy of the bytes, for an interface that needs one. The
  // copy is not guarded or wiped: use it at once and let it go.
  std::string CopyToString() const { return std::string(view()); }

  // Compares with `other` in time that depends only on the lengths.
  bool Equals(std::string_view other) const;

 private:
  void Release();

  uint8_t* data_ = nullptr;  // from sodium_malloc, or null when nothing is owned
  size_t size_ = 0;
};

}  // namespace bulwark::secrets
