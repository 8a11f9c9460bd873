// The registered package-url types and what each asks of a purl beyond the general rules: one
// row per type definition of the purl-spec (types/<type>-definition.json), in our own words.
//
// purl.cc reads the table to canonicalize and check a purl; purl_test.cc checks every row
// against the definition files it was written from, so a change upstream shows up as a failing
// test rather than as silently stale rules. docs/purl.md describes the table for users.
//
// Thread-safety: the table is immutable static data.
//
//   const PurlTypeRule* rule = FindPurlTypeRule("pypi");
//   rule->name.case_sensitive;  // false: the canonical name is lowercase
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace bulwark::vuln::internal {

// Whether a purl of the type has the component (a definition's "requirement").
enum class Requirement : uint8_t { kOptional, kRequired, kProhibited };

// A rewrite of a component that a type asks for on top of case folding.
enum class Normalization : uint8_t {
  kNone,
  // The definition lists normalization rules that change nothing in a purl: they restate the
  // case folding (alpm namespace) or describe the ecosystem's own spelling without a rewrite
  // for us to apply (alpm versions "as in vercmp(8)", hackage names "in kebab-case").
  kDescribedOnly,
  kPypiName,    // '_' becomes '-' (after lowercasing)
  kPubName,     // every character outside [a-z0-9_] becomes '_' (after lowercasing)
  kUppercase,   // cpan namespace: a CPAN author id is uppercase
  kDatabricks,  // mlflow name: lowercased when repository_url is a Databricks server
};

// A check of a component that a type's definition states in prose (its notes).
enum class Check : uint8_t {
  kNone,
  kNoDoubleColon,      // cpan name: a distribution, never a "Module::Name"
  kPodName,            // cocoapods name: no whitespace or '+', no leading '.'
  kAtMostTwoSegments,  // swid namespace: softwareCreator name, then its regid
};

struct ComponentRule {
  Requirement requirement = Requirement::kOptional;
  // false: the canonical form is lowercase (the spec's "case_sensitive").
  bool case_sensitive = true;
  Normalization normalization = Normalization::kNone;
  Check check = Check::kNone;
  // The definition's "permitted_characters", an ECMA-262 regular expression the (normalized)
  // component must match; "" when it has none. See MatchesPermittedCharacters.
  std::string_view permitted_characters;
};

// A qualifier key the type defines. Keys not listed are still allowed on any type.
struct QualifierRule {
  std::string_view key;
  Requirement requirement = Requirement::kOptional;  // kOptional or kRequired
  std::string_view default_value;                    // "" when the definition gives none
};

struct PurlTypeRule {
  std::string_view type;
  ComponentRule namespace_;
  ComponentRule name;
  ComponentRule version;
  ComponentRule subpath;
  std::span<const QualifierRule> qualifiers;
};

// Every registered type, sorted by type.
std::span<const PurlTypeRule> PurlTypeRules();

// The row for `type` (lowercase), or nullptr for an unregistered type, which follows the
// general rules only.
const PurlTypeRule* FindPurlTypeRule(std::string_view type);

// Whether `text` matches `pattern`, one of the permitted_characters expressions in the table,
// with ECMA-262 RegExp.test semantics. Each expression the table uses has a matcher of its own
// here (no general regular-expression engine runs on untrusted input); for any other pattern
// this returns false. REQUIRES: `pattern` appears in the table.
bool MatchesPermittedCharacters(std::string_view pattern, std::string_view text);

// Whether the table has a matcher for `pattern` (for the test that checks the table).
bool HasPermittedCharactersMatcher(std::string_view pattern);

}  // namespace bulwark::vuln::internal
