// The registered package-url types (see purl_types.h), transcribed from the purl-spec type
// definitions (types/<type>-definition.json). Beyond the definitions' machine-readable fields,
// three kinds of entry come from their prose notes: kUppercase (cpan: "shall be uppercase"),
// kDatabricks (mlflow: "for Databricks, it is case insensitive and shall be lowercased") and the
// Check values (cpan, cocoapods, swid); purl_test.cc cannot compare those with the files.
#include "vuln/internal/purl_types.h"

#include <algorithm>

namespace bulwark::vuln::internal {
namespace {

constexpr Requirement kOptional = Requirement::kOptional;
constexpr Requirement kRequired = Requirement::kRequired;
constexpr Requirement kProhibited = Requirement::kProhibited;
constexpr Normalization kDescribedOnly = Normalization::kDescribedOnly;
constexpr Normalization kPypiName = Normalization::kPypiName;
constexpr Normalization kPubName = Normalization::kPubName;
constexpr Normalization kUppercase = Normalization::kUppercase;
constexpr Normalization kDatabricks = Normalization::kDatabricks;
constexpr Check kNoDoubleColon = Check::kNoDoubleColon;
constexpr Check kPodName = Check::kPodName;
constexpr Check kAtMostTwoSegments = Check::kAtMostTwoSegments;

// The qualifier keys each definition lists, in the definition's order.
constexpr QualifierRule kAlpmQualifiers[] = {{"arch"}};
constexpr QualifierRule kApkQualifiers[] = {{"arch"}};
constexpr QualifierRule kBazelQualifiers[] = {
    {"repository_url", kOptional, "https://bcr.bazel.build"}};
constexpr QualifierRule kBitnamiQualifiers[] = {{"arch", kOptional, "amd64"}, {"distro"}};
constexpr QualifierRule kBrewQualifiers[] = {{"repository_url"}};
constexpr QualifierRule kConanQualifiers[] = {{"user"}, {"channel"}, {"rrev"}, {"prev"}};
constexpr QualifierRule kCondaQualifiers[] = {{"build"}, {"channel"}, {"subdir"}, {"type"}};
constexpr QualifierRule kCpanQualifiers[] = {{"author"},         {"distpath"},
                                             {"repository_url"}, {"download_url"},
                                             {"vcs_url"},        {"ext", kOptional, "tar.gz"}};
constexpr QualifierRule kDebQualifiers[] = {{"arch"}};
constexpr QualifierRule kGemQualifiers[] = {{"platform", kOptional, "ruby"}};
constexpr QualifierRule kGenericQualifiers[] = {{"download_url"}, {"checksum"}};
constexpr QualifierRule kJuliaQualifiers[] = {{"uuid", kRequired}};
constexpr QualifierRule kLuarocksQualifiers[] = {{"repository_url"}};
constexpr QualifierRule kMavenQualifiers[] = {{"classifier"}, {"type", kOptional, "jar"}};
constexpr QualifierRule kMlflowQualifiers[] = {{"model_uuid"}, {"run_id"}};
constexpr QualifierRule kOciQualifiers[] = {{"arch"}, {"repository_url"}, {"tag"}};
constexpr QualifierRule kOtpQualifiers[] = {{"repository_url"}, {"platform"}, {"arch"}};
constexpr QualifierRule kPypiQualifiers[] = {{"file_name"}};
constexpr QualifierRule kRpmQualifiers[] = {{"epoch"}, {"arch"}};
constexpr QualifierRule kSwidQualifiers[] = {
    {"tag_id", kRequired}, {"tag_version"}, {"patch"}, {"tag_creator_name"}, {"tag_creator_regid"}};
constexpr QualifierRule kVcpkgQualifiers[] = {
    {"port_version"}, {"repository_revision"}, {"triplet"}};
constexpr QualifierRule kVscodeExtensionQualifiers[] = {{"platform", kOptional, "universal"}};
constexpr QualifierRule kYoctoQualifiers[] = {{"repository_url"}, {"layer_version"}};

// One row per definition, sorted by type. A component not mentioned is optional, case
// sensitive and unchecked; every name is required.
constexpr PurlTypeRule kPurlTypeRules[] = {
    {.type = "alpm",
     .namespace_ = {.requirement = kRequired,
                    .case_sensitive = false,
                    .normalization = kDescribedOnly},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .version = {.normalization = kDescribedOnly},
     .qualifiers = kAlpmQualifiers},
    {.type = "apk",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .qualifiers = kApkQualifiers},
    {.type = "bazel",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired},
     .qualifiers = kBazelQualifiers},
    {.type = "bitbucket",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false}},
    {.type = "bitnami",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .qualifiers = kBitnamiQualifiers},
    {.type = "brew",
     .namespace_ = {.case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .qualifiers = kBrewQualifiers},
    {.type = "cargo",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired}},
    {.type = "chrome-extension",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired,
              .case_sensitive = false,
              .permitted_characters = R"(^[a-p]{32}$)"},
     .version = {.permitted_characters = R"(^\d+(\.\d+){0,3}$)"}},
    {.type = "cocoapods",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .check = kPodName}},
    {.type = "composer",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false}},
    {.type = "conan", .name = {.requirement = kRequired}, .qualifiers = kConanQualifiers},
    {.type = "conda",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired},
     .qualifiers = kCondaQualifiers},
    {.type = "cpan",
     .namespace_ = {.normalization = kUppercase},
     .name = {.requirement = kRequired, .check = kNoDoubleColon},
     .qualifiers = kCpanQualifiers},
    {.type = "cran",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired}},
    {.type = "deb",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .qualifiers = kDebQualifiers},
    {.type = "docker", .name = {.requirement = kRequired}},
    {.type = "gem",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired},
     .qualifiers = kGemQualifiers},
    {.type = "generic", .name = {.requirement = kRequired}, .qualifiers = kGenericQualifiers},
    {.type = "git", .namespace_ = {.requirement = kRequired}, .name = {.requirement = kRequired}},
    {.type = "github",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false}},
    {.type = "golang",
     .namespace_ = {.requirement = kRequired},
     .name = {.requirement = kRequired}},
    {.type = "hackage",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .normalization = kDescribedOnly}},
    {.type = "hex",
     .namespace_ = {.case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false}},
    {.type = "huggingface",
     .namespace_ = {.requirement = kRequired},
     .name = {.requirement = kRequired},
     .version = {.case_sensitive = false}},
    {.type = "julia",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired},
     .qualifiers = kJuliaQualifiers},
    {.type = "luarocks",
     .namespace_ = {.case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .qualifiers = kLuarocksQualifiers},
    {.type = "maven",
     .namespace_ = {.requirement = kRequired},
     .name = {.requirement = kRequired},
     .qualifiers = kMavenQualifiers},
    {.type = "mlflow",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .normalization = kDatabricks},
     .qualifiers = kMlflowQualifiers},
    {.type = "npm", .name = {.requirement = kRequired}},
    {.type = "nuget",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired}},
    {.type = "oci",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .version = {.case_sensitive = false},
     .qualifiers = kOciQualifiers},
    {.type = "opam",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired}},
    {.type = "otp",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .subpath = {.case_sensitive = false},
     .qualifiers = kOtpQualifiers},
    {.type = "pub",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired,
              .case_sensitive = false,
              .normalization = kPubName,
              .permitted_characters = R"(^[a-z0-9_])"}},
    {.type = "pypi",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired, .case_sensitive = false, .normalization = kPypiName},
     .version = {.case_sensitive = false},
     .qualifiers = kPypiQualifiers},
    {.type = "qpkg",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired}},
    {.type = "rpm",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired},
     .qualifiers = kRpmQualifiers},
    {.type = "swid",
     .namespace_ = {.check = kAtMostTwoSegments},
     .name = {.requirement = kRequired},
     .qualifiers = kSwidQualifiers},
    {.type = "swift", .namespace_ = {.requirement = kRequired}, .name = {.requirement = kRequired}},
    {.type = "vcpkg",
     .namespace_ = {.requirement = kProhibited},
     .name = {.requirement = kRequired},
     .qualifiers = kVcpkgQualifiers},
    {.type = "vscode-extension",
     .namespace_ = {.requirement = kRequired, .case_sensitive = false},
     .name = {.requirement = kRequired, .case_sensitive = false},
     .version = {.case_sensitive = false},
     .qualifiers = kVscodeExtensionQualifiers},
    {.type = "yocto",
     .namespace_ = {.case_sensitive = false},
     .name = {.requirement = kRequired},
     .qualifiers = kYoctoQualifiers},
};

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// R"(^[a-p]{32}$)": a Chrome extension id, 32 letters a to p.
bool IsChromeExtensionId(std::string_view text) {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 'a' && c <= 'p'; });
}

// R"(^\d+(\.\d+){0,3}$)": one to four dot-separated runs of ASCII digits (ECMA-262's \d).
bool IsOneToFourDottedNumbers(std::string_view text) {
  int runs = 0;
  size_t i = 0;
  for (;;) {
    const size_t start = i;
    while (i < text.size() && IsAsciiDigit(text[i])) ++i;
    if (i == start) return false;
    if (++runs > 4) return false;
    if (i == text.size()) return true;
    if (text[i] != '.') return false;
    ++i;
  }
}

// R"(^[a-z0-9_])": as written, only the first character is constrained (RegExp.test finds a
// match at the start); pub's normalization has already made every character one of these.
bool StartsWithPubNameCharacter(std::string_view text) {
  if (text.empty()) return false;
  const char c = text.front();
  return (c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '_';
}

struct PermittedCharactersMatcher {
  std::string_view pattern;
  bool (*matches)(std::string_view text);
};

constexpr PermittedCharactersMatcher kMatchers[] = {
    {R"(^[a-p]{32}$)", IsChromeExtensionId},
    {R"(^\d+(\.\d+){0,3}$)", IsOneToFourDottedNumbers},
    {R"(^[a-z0-9_])", StartsWithPubNameCharacter},
};

const PermittedCharactersMatcher* FindMatcher(std::string_view pattern) {
  for (const PermittedCharactersMatcher& matcher : kMatchers) {
    if (matcher.pattern == pattern) return &matcher;
  }
  return nullptr;
}

}  // namespace

std::span<const PurlTypeRule> PurlTypeRules() { return kPurlTypeRules; }

const PurlTypeRule* FindPurlTypeRule(std::string_view type) {
  auto it =
      std::lower_bound(std::begin(kPurlTypeRules), std::end(kPurlTypeRules), type,
                       [](const PurlTypeRule& rule, std::string_view t) { return rule.type < t; });
  if (it == std::end(kPurlTypeRules) || it->type != type) return nullptr;
  return &*it;
}

bool MatchesPermittedCharacters(std::string_view pattern, std::string_view text) {
  const PermittedCharactersMatcher* matcher = FindMatcher(pattern);
  return matcher != nullptr && matcher->matches(text);
}

bool HasPermittedCharactersMatcher(std::string_view pattern) {
  return FindMatcher(pattern) != nullptr;
}

}  // namespace bulwark::vuln::internal
