// libFuzzer target for ParseSbom: any bytes must give a model or an error, without crashing,
// leaking or running long. Seed it with corpus SBOMs of every format, e.g.
//   ./build-fuzz/src/vuln/sbom_fuzz -max_total_time=60 -max_len=65536 seeds/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vuln/sbom.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view document(reinterpret_cast<const char*>(data), size);
  bulwark::StatusOr<bulwark::vuln::Sbom> sbom = bulwark::vuln::ParseSbom(document);
  if (sbom.ok()) {
    // Parents always point backwards, at a component already listed.
    for (size_t i = 0; i < sbom->components.size(); ++i) {
      const int parent = sbom->components[i].parent;
      if (parent < -1 || parent >= static_cast<int>(i)) __builtin_trap();
    }
  } else if (sbom.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
