#include "base/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace bulwark {

std::string Random::Bytes(size_t n) {
  std::string out(n, '\0');
  Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), n));
  return out;
}

uint64_t Random::Uint64() {
  uint64_t v;
  Fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof v));
  return v;
}

void SecureRandom::Fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Without a working CSPRNG no id or token would be safe; this is not recoverable.
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
}

SecureRandom& SecureRandom::Get() {
  static SecureRandom random;
  return random;
}

Random& FastRandom() {
  thread_local DeterministicRandom random(SecureRandom::Get().Uint64());
  return random;
}

void DeterministicRandom::Fill(std::span<uint8_t> out) {
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<size_t>(8, out.size() - i));
  }
}

}  // namespace bulwark
