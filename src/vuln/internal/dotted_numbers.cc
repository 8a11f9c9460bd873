#include "vuln/internal/dotted_numbers.h"

#include "vuln/internal/version_text.h"

namespace bulwark::vuln::internal {
namespace {

// Splits off the first component of a dotted-number version; `v` keeps what follows the
// separator after it.
std::string_view PopComponent(std::string_view* v) {
  size_t n = DigitRunLength(*v);
  std::string_view component = v->substr(0, n);
  v->remove_prefix(n < v->size() ? n + 1 : n);
  return component;
}

constexpr int kComponentBits = 21;

}  // namespace

bool IsDottedNumbers(std::string_view v, std::string_view separators) {
  while (true) {
    size_t n = DigitRunLength(v);
    if (n == 0) return false;
    if (n == v.size()) return true;
    if (separators.find(v[n]) == std::string_view::npos) return false;
    v.remove_prefix(n + 1);
  }
}

size_t DottedNumberCount(std::string_view v, std::string_view separators) {
  size_t count = 0;
  while (!v.empty()) {
    PopComponent(&v);
    ++count;
  }
  return count;
}

int CompareDottedNumbers(std::string_view a, std::string_view b, std::string_view separators) {
  bool a_numbers = IsDottedNumbers(a, separators), b_numbers = IsDottedNumbers(b, separators);
  if (!a_numbers || !b_numbers) {
    if (a_numbers != b_numbers) return a_numbers ? 1 : -1;
    return CompareBytes(a, b);
  }
  while (!a.empty() && !b.empty()) {
    if (int c = CompareDigitRuns(PopComponent(&a), PopComponent(&b)); c != 0) return c;
  }
  return a.empty() == b.empty() ? 0 : (a.empty() ? -1 : 1);
}

uint64_t DottedNumbersKey(std::string_view v, std::string_view separators) {
  KeyBuilder key;
  if (!IsDottedNumbers(v, separators)) return key.key();
  key.Append(1, 1);
  for (int field = 0; field < 3 && !v.empty(); ++field) {
    uint64_t value = SaturatingDigitValue(PopComponent(&v), FieldMax(kComponentBits) - 1) + 1;
    key.Append(value, kComponentBits);
    if (value == FieldMax(kComponentBits)) break;
  }
  return key.key();
}

}  // namespace bulwark::vuln::internal
