#include "vuln/internal/hackage_ordering.h"

#include "vuln/internal/dotted_numbers.h"

namespace bulwark::vuln::internal {
namespace {

constexpr std::string_view kSeparators = ".";

// Cabal's versionDigitParser: "0", or up to nine digits without a leading zero.
bool IsCabalDigits(std::string_view digits) {
  if (digits.size() > 1 && digits[0] == '0') return false;
  return digits.size() <= 9;
}

class HackageOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kHackage; }
  std::string_view name() const override { return "hackage"; }

  int Compare(std::string_view a, std::string_view b) const override {
    return CompareDottedNumbers(a, b, kSeparators);
  }

  bool IsValid(std::string_view v) const override {
    if (!IsDottedNumbers(v, kSeparators)) return false;
    while (true) {
      size_t dot = v.find('.');
      if (!IsCabalDigits(v.substr(0, dot))) return false;
      if (dot == std::string_view::npos) return true;
      v.remove_prefix(dot + 1);
    }
  }

  uint64_t CoarseKey(std::string_view v) const override { return DottedNumbersKey(v, kSeparators); }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewHackageOrdering() {
  return std::make_unique<HackageOrdering>();
}

}  // namespace bulwark::vuln::internal
