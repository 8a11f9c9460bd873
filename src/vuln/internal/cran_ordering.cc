#include "vuln/internal/cran_ordering.h"

#include "vuln/internal/dotted_numbers.h"

namespace bulwark::vuln::internal {
namespace {

constexpr std::string_view kSeparators = ".-";

class CranOrdering final : public VersionOrdering {
 public:
  VersionScheme scheme() const override { return VersionScheme::kCran; }
  std::string_view name() const override { return "cran"; }

  int Compare(std::string_view a, std::string_view b) const override {
    return CompareDottedNumbers(a, b, kSeparators);
  }

  bool IsValid(std::string_view v) const override {
    return IsDottedNumbers(v, kSeparators) && DottedNumberCount(v, kSeparators) >= 2;
  }

  uint64_t CoarseKey(std::string_view v) const override { return DottedNumbersKey(v, kSeparators); }
};

}  // namespace

std::unique_ptr<VersionOrdering> NewCranOrdering() { return std::make_unique<CranOrdering>(); }

}  // namespace bulwark::vuln::internal
