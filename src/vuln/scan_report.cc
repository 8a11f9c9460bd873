#include "vuln/scan_report.h"

#include <openssl/sha.h>

#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "base/encoding.h"
#include "base/time_format.h"
#include "vuln/version.h"

namespace bulwark::vuln {
namespace {

namespace json = boost::json;

std::string AdvisoryUrl(std::string_view id) {
  return "https://osv.dev/vulnerability/" + std::string(id);
}

json::object ComponentJson(const SbomComponent& c) {
  json::object o;
  if (!c.bom_ref.empty()) o["bom_ref"] = c.bom_ref;
  o["name"] = c.group.empty() ? c.name : c.group + "/" + c.name;
  if (!c.version.empty()) o["version"] = c.version;
  if (!c.purl.empty()) o["purl"] = c.purl;
  return o;
}

// A JSON document as one line of text.
std::string JsonText(const json::value& v) { return json::serialize(v) + "\n"; }

// "Upgrade to X" or a sentence saying there is no known fix.
std::string Recommendation(const Finding& f) {
  if (!f.upgrade_to.empty()) return "Upgrade to " + f.upgrade_to + " or later.";
  return "No fixed version is known.";
}

std::string RangeText(const Finding& f) {
  if (f.range_type == "versions") return "matched by the advisory's version list";
  std::string text = ">= " + (f.introduced == "0" ? std::string("0") : f.introduced);
  if (!f.fixed.empty()) text += ", < " + f.fixed;
  if (!f.last_affected.empty()) text += ", <= " + f.last_affected;
  if (!f.limit.empty()) text += ", < " + f.limit + " (limit)";
  return text;
}

// Why a finding matched: the advisory's version list, or the range, saying so when the installed
// version is not a valid version of the ecosystem and was placed by the order its scheme gives
// such strings (docs/scanning.md).
std::string FindingReason(const Finding& f) {
  if (f.range_type == "versions") return RangeText(f);
  std::string reason = "in the affected range " + RangeText(f);
  const VersionOrdering* ordering = OrderingForEcosystem(f.ecosystem);
  if (ordering != nullptr && !ordering->IsValid(f.installed_version)) {
    reason += "; " + f.installed_version + " is not a valid " + std::string(ordering->name()) +
              " version, and is placed where the " + std::string(ordering->name()) +
              " order puts such strings";
  }
  return reason;
}

// Percent-encodes a bom-ref for the fragment of a BOM-Link.
std::string FragmentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string ScoreText(const Finding& f) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%.1f", f.score.value_or(0));
  return buffer;
}

}  // namespace

std::string VexReference(const Sbom& sbom, const SbomComponent& component) {
  if (component.bom_ref.empty()) return component.purl;
  if ((sbom.format == Sbom::Format::kCycloneDxJson || sbom.format == Sbom::Format::kCycloneDxXml) &&
      sbom.serial_number.starts_with("urn:uuid:")) {
    return "urn:cdx:" + sbom.serial_number.substr(9) + "/" + std::to_string(sbom.version) + "#" +
           FragmentEncode(component.bom_ref);
  }
  return component.bom_ref;
}

std::string ScanReportJson(const Sbom& sbom, const ScanResult& result,
                           const ReportContext& context) {
  json::object report;
  report["source"] = context.source;
  report["generated_at"] = FormatRfc3339(context.generated_at);
  report["components"] = result.components;
  report["matched_components"] = result.matched;
  json::array findings;
  for (const Finding& f : result.findings) {
    json::object o;
    o["component"] = ComponentJson(sbom.components[f.package]);
    o["advisory"] = f.advisory_id;
    json::array aliases;
    for (const std::string& a : f.aliases) aliases.emplace_back(a);
    o["aliases"] = std::move(aliases);
    o["summary"] = f.summary;
    o["severity"] = SeverityLevelName(f.severity);
    if (f.score) o["score"] = ScoreText(f);
    o["ecosystem"] = f.ecosystem;
    o["package"] = f.package_name;
    o["installed_version"] = f.installed_version;
    json::object range;
    range["type"] = f.range_type;
    if (!f.introduced.empty()) range["introduced"] = f.introduced;
    if (!f.fixed.empty()) range["fixed"] = f.fixed;
    if (!f.last_affected.empty()) range["last_affected"] = f.last_affected;
    if (!f.limit.empty()) range["limit"] = f.limit;
    o["range"] = std::move(range);
    o["reason"] = FindingReason(f);
    if (!f.upgrade_to.empty()) o["upgrade_to"] = f.upgrade_to;
    findings.push_back(std::move(o));
  }
  report["findings"] = std::move(findings);
  json::array unmatched;
  for (const UnmatchedComponent& u : result.unmatched) {
    json::object o;
    o["component"] = ComponentJson(sbom.components[u.component]);
    o["reason"] = u.reason;
    unmatched.push_back(std::move(o));
  }
  report["unmatched"] = std::move(unmatched);
  return JsonText(report);
}

std::string ScanReportSarif(const Sbom& sbom, const ScanResult& result,
                            const ReportContext& context) {
  json::array rules;
  std::map<std::string, size_t> rule_index;
  json::array results;
  for (const Finding& f : result.findings) {
    auto [it, inserted] = rule_index.try_emplace(f.advisory_id, rule_index.size());
    if (inserted) {
      json::object rule;
      rule["id"] = f.advisory_id;
      rule["shortDescription"] = {{"text", f.summary.empty() ? f.advisory_id : f.summary}};
      rule["helpUri"] = AdvisoryUrl(f.advisory_id);
      json::object properties;
      json::array tags = {"security", "vulnerability"};
      for (const std::string& alias : f.aliases) tags.emplace_back(alias);
      properties["tags"] = std::move(tags);
      // GitHub code scanning reads this to rank results.
      if (f.score) properties["security-severity"] = ScoreText(f);
      rule["properties"] = std::move(properties);
      rules.push_back(std::move(rule));
    }
    const SbomComponent& c = sbom.components[f.package];
    json::object r;
    r["ruleId"] = f.advisory_id;
    r["ruleIndex"] = it->second;
    const char* level = f.severity >= SeverityLevel::kHigh || f.severity == SeverityLevel::kUnknown
                            ? "error"
                        : f.severity == SeverityLevel::kMedium ? "warning"
                                                               : "note";
    r["level"] = level;
    r["message"] = {{"text", (c.purl.empty() ? c.name : c.purl) + " is affected by " +
                                 f.advisory_id + " (" + RangeText(f) + "). " + Recommendation(f)}};
    json::object location;
    location["physicalLocation"] = {{"artifactLocation", {{"uri", context.source}}}};
    location["logicalLocations"] =
        json::array{{{"name", c.purl.empty() ? c.name : c.purl}, {"kind", "package"}}};
    r["locations"] = json::array{std::move(location)};
    r["partialFingerprints"] = {
        {"componentAdvisory/v1", VexReference(sbom, c) + "|" + f.advisory_id}};
    results.push_back(std::move(r));
  }
  json::object driver;
  driver["name"] = "bulwark";
  driver["version"] = context.tool_version;
  driver["informationUri"] = "https://osv.dev/";
  driver["rules"] = std::move(rules);
  json::object run;
  run["tool"] = {{"driver", std::move(driver)}};
  run["results"] = std::move(results);
  json::object sarif;
  sarif["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  sarif["version"] = "2.1.0";
  sarif["runs"] = json::array{std::move(run)};
  return JsonText(sarif);
}

std::string ScanReportCycloneDxVex(const Sbom& sbom, const ScanResult& result,
                                   const ReportContext& context) {
  // Group by advisory, keeping the findings' order (by component, then advisory).
  std::map<std::string, std::vector<const Finding*>> by_advisory;
  for (const Finding& f : result.findings) by_advisory[f.advisory_id].push_back(&f);

  std::string identity = sbom.serial_number + "\n" + std::to_string(sbom.version);
  json::array vulnerabilities;
  for (const auto& [id, findings] : by_advisory) {
    const Finding& first = *findings.front();
    json::object v;
    v["id"] = id;
    v["source"] = {{"name", "OSV"}, {"url", AdvisoryUrl(id)}};
    json::array references;
    for (const std::string& alias : first.aliases) {
      json::object source;
      if (alias.starts_with("CVE-")) {
        source = {{"name", "NVD"}, {"url", "https://nvd.nist.gov/vuln/detail/" + alias}};
      } else {
        source = {{"name", "OSV"}, {"url", AdvisoryUrl(alias)}};
      }
      references.push_back({{"id", alias}, {"source", std::move(source)}});
    }
    if (!references.empty()) v["references"] = std::move(references);
    if (first.score) {
      v["ratings"] = json::array{{{"score", *first.score},
                                  {"severity", SeverityLevelName(first.severity)},
                                  {"method", "CVSSv31"}}};
    } else if (first.severity != SeverityLevel::kUnknown) {
      v["ratings"] = json::array{{{"severity", SeverityLevelName(first.severity)}}};
    }
    if (!first.summary.empty()) v["description"] = first.summary;
    std::string recommendation;
    json::array affects;
    for (const Finding* f : findings) {
      const SbomComponent& c = sbom.components[f->package];
      affects.push_back(
          {{"ref", VexReference(sbom, c)},
           {"versions", json::array{{{"version", f->installed_version}, {"status", "affected"}}}}});
      identity += "\n" + id + "\n" + VexReference(sbom, c);
      if (recommendation.empty() && !f->upgrade_to.empty()) recommendation = Recommendation(*f);
    }
    v["recommendation"] = recommendation.empty() ? Recommendation(first) : recommendation;
    v["analysis"] = {{"state", "in_triage"},
                     {"detail", "The installed version is within the advisory's affected range."}};
    v["affects"] = std::move(affects);
    vulnerabilities.push_back(std::move(v));
  }

  // A name-based UUID (version 8 layout) from SHA-256 of the input's identity and findings.
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(identity.data()), identity.size(), digest);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x80);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
  std::string hex = HexEncode(std::string_view(reinterpret_cast<const char*>(digest), 16));
  std::string uuid = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
                     hex.substr(16, 4) + "-" + hex.substr(20, 12);

  json::object metadata;
  metadata["timestamp"] = FormatRfc3339(context.generated_at);
  metadata["tools"] = {{"components", json::array{{{"type", "application"},
                                                   {"name", "bulwark"},
                                                   {"version", context.tool_version}}}}};
  json::object vex;
  vex["bomFormat"] = "CycloneDX";
  vex["specVersion"] = "1.6";
  vex["serialNumber"] = "urn:uuid:" + uuid;
  vex["version"] = 1;
  vex["metadata"] = std::move(metadata);
  vex["vulnerabilities"] = std::move(vulnerabilities);
  return JsonText(vex);
}

}  // namespace bulwark::vuln
