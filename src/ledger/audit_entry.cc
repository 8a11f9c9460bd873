#include "ledger/audit_entry.h"

#include "base/json.h"
#include "base/time_format.h"

namespace bulwark::ledger {

std::string EncodeAuditEntry(const AuditEntry& e) {
  // Built by hand so the member order is part of the format.
  std::string out = "{\"v\":" + std::to_string(e.facts.empty() ? kAuditEntryVersion
                                                               : kAuditEntryVersionWithFacts);
  out += ",\"time\":" + JsonQuote(FormatRfc3339(e.time));
  out += ",\"principal\":" + JsonQuote(e.principal);
  out += ",\"action\":" + JsonQuote(e.action);
  out += ",\"object\":" + JsonQuote(e.object);
  out += std::string(",\"decision\":") + (e.allowed ? "\"allow\"" : "\"deny\"");
  out += ",\"grants\":[";
  for (size_t i = 0; i < e.grants.size(); ++i) out += (i ? "," : "") + JsonQuote(e.grants[i]);
  out += "],\"request_id\":" + JsonQuote(e.request_id);
  out += ",\"body_sha256\":" + JsonQuote(e.body_sha256);
  if (!e.facts.empty()) {
    out += ",\"facts\":{";
    for (size_t i = 0; i < e.facts.size(); ++i) {
      out += (i ? "," : "") + JsonQuote(e.facts[i].first) + ":" + JsonQuote(e.facts[i].second);
    }
    out += "}";
  }
  return out + "}";
}

StatusOr<AuditEntry> DecodeAuditEntry(std::string_view leaf) {
  BW_ASSIGN_OR_RETURN(boost::json::value v, ParseJson(leaf));
  const boost::json::object* o = v.if_object();
  if (o == nullptr) return DataLossError("a ledger entry must be a JSON object");
  const boost::json::value* version = o->if_contains("v");
  if (version == nullptr || !version->is_int64() ||
      (version->get_int64() != kAuditEntryVersion &&
       version->get_int64() != kAuditEntryVersionWithFacts)) {
    return DataLossError("unknown ledger entry version; this binary reads versions 1 and 2");
  }
  const bool with_facts = version->get_int64() == kAuditEntryVersionWithFacts;
  auto text = [&](std::string_view key, std::string* out) -> Status {
    const boost::json::value* m = o->if_contains(key);
    if (m == nullptr || !m->is_string()) {
      return DataLossError("ledger entry member '" + std::string(key) +
                           "' is missing or not a string");
    }
    *out = std::string(m->get_string());
    return OkStatus();
  };
  AuditEntry e;
  std::string time, decision;
  BW_RETURN_IF_ERROR(text("time", &time));
  BW_ASSIGN_OR_RETURN(e.time, ParseRfc3339(time));
  BW_RETURN_IF_ERROR(text("principal", &e.principal));
  BW_RETURN_IF_ERROR(text("action", &e.action));
  BW_RETURN_IF_ERROR(text("object", &e.object));
  BW_RETURN_IF_ERROR(text("decision", &decision));
  if (decision != "allow" && decision != "deny") {
    return DataLossError("ledger entry decision must be allow or deny");
  }
  e.allowed = decision == "allow";
  const boost::json::value* grants = o->if_contains("grants");
  if (grants == nullptr || !grants->is_array()) {
    return DataLossError("ledger entry member 'grants' is missing or not an array");
  }
  for (const boost::json::value& g : grants->get_array()) {
    if (!g.is_string()) return DataLossError("ledger entry grants must be strings");
    e.grants.emplace_back(g.get_string());
  }
  BW_RETURN_IF_ERROR(text("request_id", &e.request_id));
  BW_RETURN_IF_ERROR(text("body_sha256", &e.body_sha256));
  if (with_facts) {
    const boost::json::value* facts = o->if_contains("facts");
    if (facts == nullptr || !facts->is_object() || facts->get_object().empty()) {
      return DataLossError("a version 2 ledger entry needs a non-empty 'facts' object");
    }
    for (const auto& [key, value] : facts->get_object()) {
      if (!value.is_string()) return DataLossError("ledger entry facts must be strings");
      e.facts.emplace_back(std::string(key), std::string(value.get_string()));
    }
  } else if (o->contains("facts")) {
    return DataLossError("a version 1 ledger entry has no 'facts'");
  }
  return e;
}

}  // namespace bulwark::ledger
