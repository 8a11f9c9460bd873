// The per-format SBOM readers behind ParseSbom. Only sbom.cc calls these; it has already
// checked the document's size and decided its format from the content.
//
// Every reader bounds what it keeps: CycloneDX components nest at most kMaxComponentNesting
// levels, and the XML reader refuses DTDs and elements nested beyond kMaxXmlDepth.
//
// Thread-safety: stateless functions; each call owns its parser.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vuln/sbom.h"

namespace bulwark::vuln::internal {

// CycloneDX assemblies nest a few levels in practice. ParseJson refuses JSON nested deeper than
// 64 (about 31 levels of components), so this is the limit both CycloneDX encodings share: a
// document accepted as XML is accepted as JSON too.
inline constexpr int kMaxComponentNesting = 24;

// Elements deeper than this make a CycloneDX XML document invalid; real BOMs stay below 20.
inline constexpr int kMaxXmlDepth = 256;

// REQUIRES: root["bomFormat"] is "CycloneDX".
StatusOr<Sbom> ReadCycloneDxJson(const boost::json::object& root);

// REQUIRES: root contains "spdxVersion".
StatusOr<Sbom> ReadSpdxJson(const boost::json::object& root);

// Reads an XML document whose root must be <bom> in a CycloneDX namespace; any other root is
// the same InvalidArgument ParseSbom gives for an unrecognized format.
StatusOr<Sbom> ReadCycloneDxXml(std::string_view document);

// The message for a document in none of the accepted formats, after `what` ("the document is
// XML whose root element is <foo>").
Status UnrecognizedFormatError(std::string_view what);

// `text` for an error message: as is when short, else its start and "...", so a hostile value
// cannot make a message as large as the document.
std::string Excerpt(std::string_view text);

// Whether `version` is a CycloneDX specification version this module reads ("1.0" to "1.6").
bool IsSupportedCycloneDxVersion(std::string_view version);

}  // namespace bulwark::vuln::internal
