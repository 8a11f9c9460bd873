// The VEX documents of an operator's findings: CSAF 2.0 with the csaf_vex profile, and CycloneDX
// 1.5 VEX. Each says, for every package version of every asset an advisory names, whether it is
// affected (and what to do), not affected (and why), under investigation, or fixed.
#include <boost/json.hpp>
#include <map>

#include "access/policy.h"
#include "base/random.h"
#include "base/time_format.h"
#include "clearinghouse/service.h"

namespace bulwark::clearinghouse {
namespace {

namespace json = boost::json;
using access::Principal;
using store::ResultSet;
using store::Row;
using store::Transaction;
using store::TxMode;

// One finding as the exports read it.
struct VexRow {
  std::string finding_id, asset_id, asset_name, advisory_id, cve, summary, package, version, purl,
      upgrade_to, note;
  FindingState state = FindingState::kOpen;
  std::optional<Justification> justification;
  std::optional<Time> accepted_until;
};

std::string DateOf(Time t) { return FormatRfc3339(t).substr(0, 10); }

std::string NewUuid() {
  const uint64_t a = SecureRandom::Get().Uint64(), b = SecureRandom::Get().Uint64();
  char out[37];
  std::snprintf(out, sizeof(out), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return out;
}

}  // namespace

StatusOr<std::string> ClearinghouseService::ExportVex(const Principal& actor,
                                                      const std::string& org_id, VexFormat format) {
  std::vector<VexRow> rows;
  std::string org_name;
  BW_RETURN_IF_ERROR(Run(TxMode::kReadOnly, [&](Transaction& tx) -> Status {
    BW_RETURN_IF_ERROR(Require(tx, actor, access::actions::kClearinghouseRead, org_id).status());
    BW_ASSIGN_OR_RETURN(ResultSet org,
                        tx.Query("SELECT name FROM organizations WHERE id = ?", {org_id}));
    if (org.empty()) return NotFoundError("not found");
    org_name = org[0].Text(0);
    BW_ASSIGN_OR_RETURN(
        ResultSet found,
        tx.Query("SELECT f.id, f.asset_id, a.name, f.advisory_id, f.cve, f.summary, f.package, "
                 "f.version, f.purl, f.upgrade_to, f.note, f.state, f.justification, "
                 "f.accepted_until FROM findings f JOIN assets a ON a.id = f.asset_id WHERE "
                 "f.org_id = ? ORDER BY f.advisory_id, a.name, f.package, f.version, f.id",
                 {org_id}));
    const Time now = clock_.Now();
    for (const Row& r : found) {
      VexRow v{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5),
               r.Text(6), r.Text(7), r.Text(8), r.Text(9), r.Text(10)};
      v.accepted_until = r.OptionalTime(13);
      v.state = StateAt(ParseFindingState(r.Text(11)).value_or(FindingState::kOpen),
                        v.accepted_until, now);
      v.justification = ParseJustification(r.Text(12));
      rows.push_back(std::move(v));
    }
    return OkStatus();
  }));
  if (rows.empty()) {
    return Status(StatusCode::kFailedPrecondition,
                  "the operator has no finding yet: a VEX document states something of at least "
                  "one vulnerability",
                  {{"rule", "vex_nothing_to_state"}});
  }
  const Time now = clock_.Now();
  const std::string stamp = FormatRfc3339(now);

  if (format == VexFormat::kCycloneDx) {
    json::array components, vulnerabilities;
    std::map<std::string, std::string> refs;  // asset id + purl -> bom-ref
    for (const VexRow& v : rows) {
      const std::string key = v.asset_id + ":" + v.purl;
      if (refs.contains(key)) continue;
      refs[key] = key;
      components.push_back(json::object{
          {"bom-ref", key},
          {"type", "library"},
          {"name", v.package},
          {"version", v.version},
          {"purl", v.purl},
          {"properties",
           json::array{json::object{{"name", "bulwark:asset"}, {"value", v.asset_name}}}}});
    }
    for (const VexRow& v : rows) {
      json::object analysis;
      switch (v.state) {
        case FindingState::kOpen:
          analysis["state"] = "exploitable";
          analysis["response"] =
              json::array{v.upgrade_to.empty() ? "workaround_available" : "update"};
          break;
        case FindingState::kInTriage:
          analysis["state"] = "in_triage";
          break;
        case FindingState::kNotAffected:
          analysis["state"] = "not_affected";
          if (v.justification) {
            analysis["justification"] = std::string(CycloneDxJustification(*v.justification));
          }
          break;
        case FindingState::kRiskAccepted:
          analysis["state"] = "exploitable";
          analysis["response"] = json::array{"will_not_fix"};
          break;
        case FindingState::kFixed:
        case FindingState::kVerifiedFixed:
          analysis["state"] = "resolved";
          analysis["response"] = json::array{"update"};
          break;
      }
      std::string detail = v.note;
      if (v.state == FindingState::kRiskAccepted && v.accepted_until) {
        detail = "Risk accepted until " + FormatRfc3339(*v.accepted_until) +
                 (detail.empty() ? "." : ": " + detail);
      }
      if (v.state == FindingState::kOpen && !v.upgrade_to.empty()) {
        detail = "Upgrade " + v.package + " to " + v.upgrade_to + ".";
      }
      if (!detail.empty()) analysis["detail"] = detail;
      json::object vulnerability{
          {"bom-ref", v.finding_id},
          {"id", v.cve.empty() ? v.advisory_id : v.cve},
          {"source", json::object{{"name", "OSV"},
                                  {"url", "https://osv.dev/vulnerability/" + v.advisory_id}}},
          {"analysis", std::move(analysis)},
          {"affects", json::array{json::object{{"ref", v.asset_id + ":" + v.purl}}}}};
      if (!v.cve.empty()) {
        vulnerability["references"] = json::array{json::object{
            {"id", v.advisory_id},
            {"source", json::object{{"name", "OSV"},
                                    {"url", "https://osv.dev/vulnerability/" + v.advisory_id}}}}};
      }
      if (!v.summary.empty()) vulnerability["description"] = v.summary;
      vulnerabilities.push_back(std::move(vulnerability));
    }
    const json::object bom{
        {"bomFormat", "CycloneDX"},
        {"specVersion", "1.5"},
        {"serialNumber", "urn:uuid:" + NewUuid()},
        {"version", 1},
        {"metadata",
         json::object{{"timestamp", stamp},
                      {"tools", json::object{{"components",
                                              json::array{json::object{{"type", "application"},
                                                                       {"name", "Bulwark"}}}}}},
                      {"supplier", json::object{{"name", org_name}}}}},
        {"components", std::move(components)},
        {"vulnerabilities", std::move(vulnerabilities)}};
    return json::serialize(bom) + "\n";
  }

  // CSAF 2.0, csaf_vex: one product per asset's package version, one vulnerability per
  // advisory with each product in exactly one status.
  json::array products;
  std::map<std::string, std::string> product_ids;  // finding's asset id + purl -> CSAFPID
  for (const VexRow& v : rows) {
    const std::string key = v.asset_id + "\n" + v.purl;
    if (product_ids.contains(key)) continue;
    char id[32];
    std::snprintf(id, sizeof(id), "CSAFPID-%04zu", product_ids.size() + 1);
    product_ids[key] = id;
    json::object product{{"product_id", id},
                         {"name", v.asset_name + ": " + v.package + " " + v.version}};
    if (v.purl.starts_with("pkg:")) {
      product["product_identification_helper"] = json::object{{"purl", v.purl}};
    }
    products.push_back(std::move(product));
  }
  json::array vulnerabilities;
  for (size_t i = 0; i < rows.size();) {
    size_t end = i;
    while (end < rows.size() && rows[end].advisory_id == rows[i].advisory_id) ++end;
    json::array fixed, affected, not_affected, investigating;
    json::array remediations, flags;
    std::map<std::string, json::array> flag_products;
    for (size_t k = i; k < end; ++k) {
      const VexRow& v = rows[k];
      const std::string pid = product_ids[v.asset_id + "\n" + v.purl];
      switch (v.state) {
        case FindingState::kOpen:
          affected.push_back(json::value(pid));
          if (!v.upgrade_to.empty()) {
            remediations.push_back(json::object{
                {"category", "vendor_fix"},
                {"details", "Upgrade " + v.package + " to " + v.upgrade_to + " or later."},
                {"product_ids", json::array{json::value(pid)}}});
          } else {
            remediations.push_back(
                json::object{{"category", "none_available"},
                             {"details", "No fixed version of " + v.package + " is known yet."},
                             {"product_ids", json::array{json::value(pid)}}});
          }
          break;
        case FindingState::kRiskAccepted:
          affected.push_back(json::value(pid));
          remediations.push_back(json::object{
              {"category", "no_fix_planned"},
              {"details", "The operator accepted the risk" +
                              (v.accepted_until ? " until " + DateOf(*v.accepted_until) : "") +
                              (v.note.empty() ? "." : ": " + v.note)},
              {"product_ids", json::array{json::value(pid)}}});
          break;
        case FindingState::kInTriage:
          investigating.push_back(json::value(pid));
          break;
        case FindingState::kNotAffected:
          not_affected.push_back(json::value(pid));
          flag_products[std::string(JustificationName(
                            v.justification.value_or(Justification::kComponentNotPresent)))]
              .push_back(json::value(pid));
          break;
        case FindingState::kFixed:
        case FindingState::kVerifiedFixed:
          fixed.push_back(json::value(pid));
          break;
      }
    }
    for (auto& [label, pids] : flag_products) {
      flags.push_back(json::object{{"label", label}, {"product_ids", std::move(pids)}});
    }
    json::object status;
    if (!fixed.empty()) status["fixed"] = std::move(fixed);
    if (!affected.empty()) status["known_affected"] = std::move(affected);
    if (!not_affected.empty()) status["known_not_affected"] = std::move(not_affected);
    if (!investigating.empty()) status["under_investigation"] = std::move(investigating);
    const VexRow& first = rows[i];
    json::object vulnerability{
        {"ids", json::array{json::object{{"system_name", "OSV"}, {"text", first.advisory_id}}}},
        {"notes",
         json::array{json::object{
             {"category", "description"},
             {"title", "Summary"},
             {"text", first.summary.empty() ? "See " + first.advisory_id : first.summary}}}},
        {"product_status", std::move(status)}};
    if (!first.cve.empty()) vulnerability["cve"] = first.cve;
    if (!remediations.empty()) vulnerability["remediations"] = std::move(remediations);
    if (!flags.empty()) vulnerability["flags"] = std::move(flags);
    vulnerabilities.push_back(std::move(vulnerability));
    i = end;
  }
  const std::string tracking_id = "BULWARK-VEX-" + org_id + "-" + std::to_string(ToUnixMicros(now));
  const json::object csaf{
      {"document",
       json::object{
           {"category", "csaf_vex"},
           {"csaf_version", "2.0"},
           {"lang", "en"},
           {"title", "VEX of " + org_name + "'s assets"},
           {"publisher", json::object{{"category", "coordinator"},
                                      {"name", "Bulwark clearinghouse"},
                                      {"namespace", "urn:bulwark:clearinghouse"}}},
           {"tracking",
            json::object{
                {"id", tracking_id},
                {"status", "final"},
                {"version", "1"},
                {"initial_release_date", stamp},
                {"current_release_date", stamp},
                {"generator",
                 json::object{{"date", stamp}, {"engine", json::object{{"name", "Bulwark"}}}}},
                {"revision_history",
                 json::array{json::object{{"date", stamp},
                                          {"number", "1"},
                                          {"summary", "The findings as of this date."}}}}}}}},
      {"product_tree", json::object{{"full_product_names", std::move(products)}}},
      {"vulnerabilities", std::move(vulnerabilities)}};
  return json::serialize(csaf) + "\n";
}

}  // namespace bulwark::clearinghouse
