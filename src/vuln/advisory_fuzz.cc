// libFuzzer target: ParseOsvAdvisory on arbitrary bytes must return a value or an error, never
// crash, leak or take unbounded time. An accepted record must also satisfy the invariants the
// matcher relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vuln/advisory.h"

namespace {

// Aborts (which the fuzzer reports) when an accepted advisory breaks a promise of the parser.
void CheckInvariants(const bulwark::vuln::Advisory& advisory) {
  using bulwark::vuln::AffectedRange;
  using bulwark::vuln::RangeEvent;
  if (advisory.id.empty() || advisory.id.size() > 128) std::abort();
  for (const bulwark::vuln::AffectedPackage& affected : advisory.affected) {
    for (const AffectedRange& range : affected.ranges) {
      if (range.events.empty()) std::abort();
      if (range.type == AffectedRange::Type::kGit && range.repo.empty()) std::abort();
      bool introduced = false, fixed = false, last_affected = false;
      for (const RangeEvent& event : range.events) {
        if (event.version.empty()) std::abort();
        introduced |= event.kind == RangeEvent::Kind::kIntroduced;
        fixed |= event.kind == RangeEvent::Kind::kFixed;
        last_affected |= event.kind == RangeEvent::Kind::kLastAffected;
      }
      if (!introduced || (fixed && last_affected)) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto advisory =
      bulwark::vuln::ParseOsvAdvisory(std::string_view(reinterpret_cast<const char*>(data), size));
  if (advisory.ok()) CheckInvariants(*advisory);
  return 0;
}
