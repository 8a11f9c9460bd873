// Fuzzes ParsePackageUrl. Beyond "no crash": a purl that parses prints a canonical form that
// parses again to an equal PackageUrl printing the same string, and building from the parsed
// components gives that PackageUrl too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vuln/purl.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& canonical) {
  std::fprintf(stderr, "%s\ninput:     %.*s\ncanonical: %s\n", what, static_cast<int>(input.size()),
               input.data(), canonical.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bulwark::StatusOr;
  using bulwark::vuln::PackageUrl;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  StatusOr<PackageUrl> purl = bulwark::vuln::ParsePackageUrl(input);
  if (!purl.ok()) return 0;
  const std::string canonical = purl->ToString();
  StatusOr<PackageUrl> again = bulwark::vuln::ParsePackageUrl(canonical);
  if (!again.ok()) Fail(again.status().message().c_str(), input, canonical);
  if (!(*again == *purl)) Fail("the canonical form parses to other components", input, canonical);
  if (again->ToString() != canonical)
    Fail("the canonical form is not a fixed point", input, canonical);
  StatusOr<PackageUrl> built = bulwark::vuln::BuildPackageUrl(*purl);
  if (!built.ok()) Fail(built.status().message().c_str(), input, canonical);
  if (!(*built == *purl)) Fail("building from the parsed components differs", input, canonical);
  return 0;
}
