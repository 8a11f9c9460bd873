// Random: the source of every id, token and salt.
//
// Production code uses the kernel's CSPRNG (getrandom(2)); tests may inject a seeded source to
// make ids reproducible. Thread-safety: SecureRandom is safe from any thread; DeterministicRandom
// is not.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace bulwark {

class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;

  std::string Bytes(size_t n);
  uint64_t Uint64();
};

// The kernel CSPRNG.
class SecureRandom final : public Random {
 public:
  void Fill(std::span<uint8_t> out) override;
  static SecureRandom& Get();
};

// This thread's fast generator, seeded once from SecureRandom: for ids that must be unique
// but need not be secret (request ids), where a system call per id would cost more than the
// rest of the request. Never for tokens, keys or salts.
Random& FastRandom();

// A reproducible, NOT cryptographic, source (splitmix64) for tests.
class DeterministicRandom final : public Random {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}
  void Fill(std::span<uint8_t> out) override;

 private:
  uint64_t state_;
};

}  // namespace bulwark
