#include "vuln/sbom.h"

#include <exception>
#include <new>
#include <string>

#include "base/json.h"
#include "vuln/internal/sbom_formats.h"

namespace bulwark::vuln {
namespace internal {

Status UnrecognizedFormatError(std::string_view what) {
  return InvalidArgumentError(
      "unrecognized SBOM format: " + std::string(what) +
      "; accepted are CycloneDX JSON (\"bomFormat\": \"CycloneDX\"), CycloneDX XML (a <bom> "
      "root in the http://cyclonedx.org/schema/bom/1.x namespace) and SPDX 2.2 or 2.3 JSON "
      "(with \"spdxVersion\")");
}

std::string Excerpt(std::string_view text) {
  constexpr size_t kMaxExcerpt = 64;
  if (text.size() <= kMaxExcerpt) return std::string(text);
  return std::string(text.substr(0, kMaxExcerpt)) + "...";
}

bool IsSupportedCycloneDxVersion(std::string_view version) {
  return version.size() == 3 && version[0] == '1' && version[1] == '.' && version[2] >= '0' &&
         version[2] <= '6';
}

}  // namespace internal

namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

StatusOr<Sbom> ParseJsonSbom(std::string_view document) {
  BW_ASSIGN_OR_RETURN(boost::json::value value, ParseJson(document));
  const boost::json::object* root = value.if_object();
  if (root == nullptr) {
    return internal::UnrecognizedFormatError("the document is JSON but not an object");
  }
  if (const boost::json::value* format = root->if_contains("bomFormat")) {
    if (format->is_string() && format->get_string() == "CycloneDX") {
      return internal::ReadCycloneDxJson(*root);
    }
    return internal::UnrecognizedFormatError(
        format->is_string() ? "the document's bomFormat is \"" +
                                  internal::Excerpt(format->get_string()) + "\", not \"CycloneDX\""
                            : "the document's bomFormat is not the string \"CycloneDX\"");
  }
  if (root->contains("spdxVersion")) return internal::ReadSpdxJson(*root);
  return internal::UnrecognizedFormatError(
      "the document is a JSON object with neither \"bomFormat\" nor \"spdxVersion\"");
}

StatusOr<Sbom> ParseDetected(std::string_view document) {
  if (document.size() > kMaxSbomBytes) {
    return ResourceExhaustedError("the SBOM is " + std::to_string(document.size()) +
                                  " bytes, over the limit of " + std::to_string(kMaxSbomBytes) +
                                  " bytes; split it or drop what a scan does not need");
  }
  // Editors on Windows start UTF-8 files with a byte order mark; neither parser wants it.
  if (document.starts_with(kUtf8ByteOrderMark)) document.remove_prefix(kUtf8ByteOrderMark.size());
  const size_t first = document.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return InvalidArgumentError("the SBOM is empty");
  switch (document[first]) {
    case '{':
    case '[':
      return ParseJsonSbom(document);
    case '<':
      return internal::ReadCycloneDxXml(document);
    default:
      return internal::UnrecognizedFormatError("the document is neither JSON nor XML");
  }
}

}  // namespace

StatusOr<Sbom> ParseSbom(std::string_view document) {
  try {
    return ParseDetected(document);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory reading the SBOM");
  } catch (const std::exception& e) {
    return InternalError(std::string("reading the SBOM failed: ") + e.what());
  }
}

}  // namespace bulwark::vuln
