#include "secrets/secret_bytes.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace bulwark::secrets {

SecretBytes::~SecretBytes() { Release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

void SecretBytes::Release() {
  // sodium_free zeroes the whole allocation before it unmaps it.
  if (data_ != nullptr) sodium_free(data_);
  data_ = nullptr;
  size_ = 0;
}

StatusOr<SecretBytes> SecretBytes::Allocate(size_t size) {
  if (sodium_init() < 0) return InternalError("libsodium could not be initialized");
  // sodium_malloc(0) is allowed to return null; one byte keeps "empty" distinct from "failed".
  void* memory = sodium_malloc(std::max<size_t>(size, 1));
  if (memory == nullptr) {
    return ResourceExhaustedError("cannot allocate " + std::to_string(size) +
                                  " bytes of guarded memory for a secret");
  }
  SecretBytes out;
  out.data_ = static_cast<uint8_t*>(memory);
  out.size_ = size;
  return out;
}

StatusOr<SecretBytes> SecretBytes::CopyOf(std::string_view bytes) {
  BW_ASSIGN_OR_RETURN(SecretBytes out, Allocate(bytes.size()));
  if (!bytes.empty()) std::memcpy(out.data_, bytes.data(), bytes.size());
  return out;
}

void SecretBytes::Truncate(size_t size) {
  assert(size <= size_);
  sodium_memzero(data_ + size, size_ - size);
  size_ = size;
}

bool SecretBytes::Equals(std::string_view other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data(), size_) == 0;
}

}  // namespace bulwark::secrets
