// CycloneDX XML (namespaces http://cyclonedx.org/schema/bom/1.0 to 1.6), read with expat as a
// stream of events: the reader keeps a stack of what each open element means and fills the
// model as elements close, so memory stays proportional to the components kept.
//
// Hostile documents: a DOCTYPE is refused outright, because it is where entities are declared
// (the billion-laughs expansion and external entities both need one); elements nest at most
// kMaxXmlDepth deep; the caller has capped the document's size.
#include <expat.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "vuln/internal/sbom_formats.h"

namespace bulwark::vuln::internal {
namespace {

constexpr std::string_view kNamespacePrefix = "http://cyclonedx.org/schema/bom/";
// Expat reports a namespaced name as "<uri><separator><local name>".
constexpr char kNamespaceSeparator = ' ';
// Expat is fed this much at a time.
constexpr size_t kChunkBytes = 1 << 20;
// The component slot for metadata/component, which is Sbom::subject and not in components.
constexpr int kSubject = -2;

// What an open element is, as far as the model is concerned.
enum class Role {
  kIgnored,          // not part of the model, nor anything inside it
  kBom,              // the root
  kMetadata,         // bom/metadata
  kComponentList,    // bom/components, or components inside a component
  kComponent,        // a component in a list, or metadata/component
  kField,            // group, name, version, purl or cpe of a component
  kDependencyList,   // bom/dependencies
  kDependency,       // dependencies/dependency: the entry for one ref
  kDependencyTarget  // dependency/dependency: one thing that entry depends on
};

enum class Field { kGroup, kName, kVersion, kPurl, kCpe };

struct Frame {
  Role role;
  // kComponent, kField: the component (an index, or kSubject). kComponentList: the component
  // owning the list (an index, or -1 for the document and for the subject).
  int component = -1;
  // kComponent: its nesting level (1 at the top). kComponentList: the level of the components
  // it lists.
  int nesting = 0;
  Field field = Field::kName;
};

std::optional<Field> FieldNamed(std::string_view local_name) {
  if (local_name == "group") return Field::kGroup;
  if (local_name == "name") return Field::kName;
  if (local_name == "version") return Field::kVersion;
  if (local_name == "purl") return Field::kPurl;
  if (local_name == "cpe") return Field::kCpe;
  return std::nullopt;
}

std::string_view TrimXmlSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

// The value of the unqualified attribute `name`, "" when absent.
std::string_view Attribute(const XML_Char** attributes, std::string_view name) {
  for (const XML_Char** a = attributes; a[0] != nullptr; a += 2) {
    if (name == a[0]) return a[1];
  }
  return {};
}

struct ParserDeleter {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

class CycloneDxXmlReader {
 public:
  CycloneDxXmlReader() : parser_(XML_ParserCreateNS(nullptr, kNamespaceSeparator)) {}

  StatusOr<Sbom> Read(std::string_view document) {
    if (parser_ == nullptr) return ResourceExhaustedError("cannot allocate an XML parser");
    XML_Parser parser = parser_.get();
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &OnStart, &OnEnd);
    XML_SetCharacterDataHandler(parser, &OnText);
    XML_SetStartDoctypeDeclHandler(parser, &OnDoctype);
    sbom_.format = Sbom::Format::kCycloneDxXml;

    size_t offset = 0;
    do {
      const size_t length = std::min(kChunkBytes, document.size() - offset);
      const bool last = offset + length == document.size();
      if (XML_Parse(parser, document.data() + offset, static_cast<int>(length), last) !=
          XML_STATUS_OK) {
        if (!error_.ok()) return error_;
        return ErrorHere(std::string("malformed XML: ") +
                         XML_ErrorString(XML_GetErrorCode(parser)));
      }
      offset += length;
    } while (offset < document.size());
    return std::move(sbom_);
  }

 private:
  static void XMLCALL OnStart(void* self, const XML_Char* name, const XML_Char** attributes) {
    static_cast<CycloneDxXmlReader*>(self)->Guarded(
        [&](CycloneDxXmlReader& reader) { reader.Start(name, attributes); });
  }
  static void XMLCALL OnEnd(void* self, const XML_Char* /*name*/) {
    static_cast<CycloneDxXmlReader*>(self)->Guarded(
        [](CycloneDxXmlReader& reader) { reader.End(); });
  }
  static void XMLCALL OnText(void* self, const XML_Char* text, int length) {
    static_cast<CycloneDxXmlReader*>(self)->Guarded([&](CycloneDxXmlReader& reader) {
      if (!reader.stack_.empty() && reader.stack_.back().role == Role::kField) {
        reader.text_.append(text, static_cast<size_t>(length));
      }
    });
  }
  static void XMLCALL OnDoctype(void* self, const XML_Char* /*name*/, const XML_Char* /*sysid*/,
                                const XML_Char* /*pubid*/, int /*has_internal_subset*/) {
    static_cast<CycloneDxXmlReader*>(self)->Guarded([](CycloneDxXmlReader& reader) {
      reader.Fail(
          "a DOCTYPE declaration is not accepted: CycloneDX needs none, and its entities could "
          "expand without bound or read external files");
    });
  }

  // Handles one event unless the parse has already failed (expat may deliver a few more after
  // XML_StopParser), and keeps exceptions from unwinding through expat's C frames.
  template <typename Handler>
  void Guarded(Handler handler) {
    if (!error_.ok()) return;
    try {
      handler(*this);
    } catch (const std::bad_alloc&) {
      Stop(ResourceExhaustedError("out of memory reading the XML document"));
    } catch (const std::exception& e) {
      Stop(InternalError(std::string("reading the XML document failed: ") + e.what()));
    }
  }

  Status ErrorHere(std::string message) const {
    const std::string line = std::to_string(XML_GetCurrentLineNumber(parser_.get()));
    const std::string column = std::to_string(XML_GetCurrentColumnNumber(parser_.get()) + 1);
    return Status(StatusCode::kInvalidArgument,
                  message + " (line " + line + ", column " + column + ")",
                  {{"line", line}, {"column", column}});
  }
  void Fail(std::string message) { Stop(ErrorHere(std::move(message))); }
  void Stop(Status status) {
    error_ = std::move(status);
    XML_StopParser(parser_.get(), XML_FALSE);
  }

  // The local part of an element name in the document's CycloneDX namespace; "" for any
  // other namespace, whose elements (extensions) the model has no place for.
  std::string_view LocalName(std::string_view name) const {
    const size_t separator = name.rfind(kNamespaceSeparator);
    if (separator == std::string_view::npos || name.substr(0, separator) != namespace_) return {};
    return name.substr(separator + 1);
  }

  SbomComponent& ComponentAt(int index) {
    return index == kSubject ? sbom_.subject : sbom_.components[index];
  }

  void StartBom(std::string_view name, const XML_Char** attributes) {
    const size_t separator = name.rfind(kNamespaceSeparator);
    const std::string_view uri =
        separator == std::string_view::npos ? std::string_view() : name.substr(0, separator);
    const std::string_view local =
        separator == std::string_view::npos ? name : name.substr(separator + 1);
    if (local != "bom" || !uri.starts_with(kNamespacePrefix)) {
      Stop(UnrecognizedFormatError(
          "the document is XML whose root element is <" + Excerpt(local) + ">" +
          (uri.empty() ? std::string(" in no namespace") : " in namespace " + Excerpt(uri))));
      return;
    }
    const std::string_view spec_version = uri.substr(kNamespacePrefix.size());
    if (!IsSupportedCycloneDxVersion(spec_version)) {
      Fail("CycloneDX " + Excerpt(spec_version) + " (namespace " + Excerpt(uri) +
           ") is not supported; this reader accepts 1.0 to 1.6");
      return;
    }
    namespace_ = uri;
    sbom_.spec_version = spec_version;
    sbom_.serial_number = Attribute(attributes, "serialNumber");
    const std::string_view version = Attribute(attributes, "version");
    if (!version.empty()) {
      const auto [end, error] =
          std::from_chars(version.data(), version.data() + version.size(), sbom_.version);
      if (error != std::errc() || end != version.data() + version.size()) {
        Fail("the bom's version attribute \"" + Excerpt(version) +
             "\" is not an integer (the BOM's revision), such as 1");
        return;
      }
    }
    stack_.push_back(Frame{Role::kBom});
  }

  void Start(std::string_view name, const XML_Char** attributes) {
    if (stack_.empty()) {
      StartBom(name, attributes);
      return;
    }
    if (stack_.size() >= static_cast<size_t>(kMaxXmlDepth)) {
      Fail("elements are nested more than " + std::to_string(kMaxXmlDepth) + " deep");
      return;
    }
    const Frame parent = stack_.back();
    if (parent.role == Role::kIgnored) {
      stack_.push_back(Frame{Role::kIgnored});
      return;
    }
    const std::string_view local = LocalName(name);
    Frame frame{Role::kIgnored};
    switch (parent.role) {
      case Role::kBom:
        if (local == "metadata") {
          frame.role = Role::kMetadata;
        } else if (local == "components") {
          frame = Frame{Role::kComponentList, -1, 1};
        } else if (local == "dependencies") {
          frame.role = Role::kDependencyList;
        }
        break;
      case Role::kMetadata:
        if (local == "component") {
          frame = Frame{Role::kComponent, kSubject, 1};
          ReadComponentAttributes(attributes, &sbom_.subject);
        }
        break;
      case Role::kComponentList:
        if (local == "component") {
          if (parent.nesting > kMaxComponentNesting) {
            Fail("components are nested more than " + std::to_string(kMaxComponentNesting) +
                 " levels deep");
            return;
          }
          SbomComponent component;
          component.parent = parent.component;
          ReadComponentAttributes(attributes, &component);
          frame =
              Frame{Role::kComponent, static_cast<int>(sbom_.components.size()), parent.nesting};
          sbom_.components.push_back(std::move(component));
        }
        break;
      case Role::kComponent:
        if (local == "components") {
          // The subject has no index: what it contains is listed at the top level.
          const int owner = parent.component == kSubject ? -1 : parent.component;
          frame = Frame{Role::kComponentList, owner, parent.nesting + 1};
        } else if (const std::optional<Field> field = FieldNamed(local)) {
          frame = Frame{Role::kField, parent.component, 0, *field};
          text_.clear();
        }
        break;
      case Role::kDependencyList:
      case Role::kDependency:
        if (local == "dependency") {
          const std::string_view ref = Attribute(attributes, "ref");
          if (ref.empty()) {
            Fail("<dependency> needs a ref attribute naming a bom-ref");
            return;
          }
          if (parent.role == Role::kDependencyList) {
            frame.role = Role::kDependency;
            sbom_.dependencies.push_back(SbomDependency{std::string(ref), {}});
          } else {
            frame.role = Role::kDependencyTarget;
            sbom_.dependencies.back().depends_on.emplace_back(ref);
          }
        }
        break;
      case Role::kIgnored:
      case Role::kField:
      case Role::kDependencyTarget:
        break;
    }
    stack_.push_back(frame);
  }

  static void ReadComponentAttributes(const XML_Char** attributes, SbomComponent* component) {
    component->bom_ref = Attribute(attributes, "bom-ref");
    component->type = Attribute(attributes, "type");
  }

  void End() {
    const Frame frame = stack_.back();
    stack_.pop_back();
    if (frame.role != Role::kField) return;
    SbomComponent& component = ComponentAt(frame.component);
    // Pretty-printers indent element content; no CycloneDX value begins or ends in whitespace.
    const std::string_view value = TrimXmlSpace(text_);
    switch (frame.field) {
      case Field::kGroup:
        component.group = value;
        break;
      case Field::kName:
        component.name = value;
        break;
      case Field::kVersion:
        component.version = value;
        break;
      case Field::kPurl:
        component.purl = value;
        break;
      case Field::kCpe:
        if (!value.empty()) component.cpes.emplace_back(value);
        break;
    }
  }

  std::unique_ptr<XML_ParserStruct, ParserDeleter> parser_;
  Sbom sbom_;
  Status error_;
  std::string namespace_;     // the root's namespace URI
  std::vector<Frame> stack_;  // one frame per open element, the root first
  std::string text_;          // the character data of the open kField element
};

}  // namespace

StatusOr<Sbom> ReadCycloneDxXml(std::string_view document) {
  return CycloneDxXmlReader().Read(document);
}

}  // namespace bulwark::vuln::internal
