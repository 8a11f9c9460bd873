#include "clearinghouse/feeds.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "base/json.h"

namespace bulwark::clearinghouse {
namespace {

namespace json = boost::json;

void Report(std::vector<FeedProblem>* problems, int64_t* skipped, std::string where,
            std::string reason) {
  if (skipped != nullptr) ++*skipped;
  if (problems != nullptr && problems->size() < kMaxFeedProblems) {
    problems->push_back({std::move(where), std::move(reason)});
  }
}

// The member `key` of `o` as a string, "" when absent or of another type.
std::string Text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return "";
  return std::string(v->get_string());
}

bool IsDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// A probability as EPSS publishes it: a decimal number from 0 to 1.
bool IsProbability(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && v >= 0 && v <= 1 &&
         std::isdigit(static_cast<unsigned char>(s[0]));
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.push_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

bool IsCveId(std::string_view id) {
  if (id.size() < 13 || !id.starts_with("CVE-") || id[8] != '-') return false;
  for (size_t i = 4; i < id.size(); ++i) {
    if (i == 8) continue;
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return id.size() <= 24;
}

StatusOr<KevCatalog> ParseKevCatalog(std::string_view text, std::vector<FeedProblem>* problems,
                                     int64_t* skipped) {
  BW_ASSIGN_OR_RETURN(json::value doc, ParseJson(text));
  const json::object* root = doc.if_object();
  const json::value* list = root != nullptr ? root->if_contains("vulnerabilities") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return InvalidArgumentError(
        "a KEV catalog is a JSON object with a `vulnerabilities` array (CISA's "
        "known_exploited_vulnerabilities.json)");
  }
  KevCatalog catalog;
  catalog.version = Text(*root, "catalogVersion");
  size_t i = 0;
  for (const json::value& item : list->get_array()) {
    const std::string where = "vulnerabilities[" + std::to_string(i++) + "]";
    const json::object* o = item.if_object();
    if (o == nullptr) {
      Report(problems, skipped, where, "not an object");
      continue;
    }
    KevEntry e;
    e.cve = Text(*o, "cveID");
    if (!IsCveId(e.cve)) {
      Report(problems, skipped, where,
             e.cve.empty() ? "no cveID" : "cveID \"" + e.cve + "\" is not a CVE id");
      continue;
    }
    e.vendor = Text(*o, "vendorProject");
    e.product = Text(*o, "product");
    e.name = Text(*o, "vulnerabilityName");
    e.date_added = Text(*o, "dateAdded");
    e.due_date = Text(*o, "dueDate");
    if (!IsDate(e.date_added) || !IsDate(e.due_date)) {
      Report(problems, skipped, where + " (" + e.cve + ")",
             "dateAdded and dueDate must be dates (YYYY-MM-DD)");
      continue;
    }
    e.ransomware = Text(*o, "knownRansomwareCampaignUse") == "Known";
    catalog.entries.push_back(std::move(e));
  }
  return catalog;
}

StatusOr<EpssScores> ParseEpssCsv(std::string_view csv, std::vector<FeedProblem>* problems,
                                  int64_t* skipped) {
  EpssScores out;
  bool header = false;
  int64_t line_number = 0;
  size_t pos = 0;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    const std::string_view line = StripCr(csv.substr(pos, end - pos));
    pos = end + 1;
    ++line_number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      // "#model_version:v2023.03.01,score_date:2023-03-05T00:00:00+0000"
      for (std::string_view part : Split(line.substr(1), ',')) {
        const size_t colon = part.find(':');
        if (colon == std::string_view::npos) continue;
        if (part.substr(0, colon) == "model_version") out.model_version = part.substr(colon + 1);
        if (part.substr(0, colon) == "score_date") out.score_date = part.substr(colon + 1);
      }
      continue;
    }
    const std::vector<std::string_view> cells = Split(line, ',');
    if (!header) {
      if (cells.size() < 3 || cells[0] != "cve" || cells[1] != "epss" || cells[2] != "percentile") {
        return InvalidArgumentError("line " + std::to_string(line_number) +
                                    ": an EPSS file has the header `cve,epss,percentile` before "
                                    "its first row");
      }
      header = true;
      continue;
    }
    const std::string where = "line " + std::to_string(line_number);
    if (cells.size() != 3) {
      Report(problems, skipped, where, "a row has three cells: cve,epss,percentile");
      continue;
    }
    if (!IsCveId(cells[0])) {
      Report(problems, skipped, where,
             "\"" + std::string(cells[0].substr(0, 40)) + "\" is not a CVE id");
      continue;
    }
    if (!IsProbability(cells[1]) || !IsProbability(cells[2])) {
      Report(problems, skipped, where + " (" + std::string(cells[0]) + ")",
             "epss and percentile are numbers from 0 to 1");
      continue;
    }
    out.scores.push_back({std::string(cells[0]), std::string(cells[1]), std::string(cells[2])});
  }
  if (!header) {
    return InvalidArgumentError(
        "an EPSS file has the header `cve,epss,percentile`; none was found");
  }
  return out;
}

namespace {

// The SSVC options of one CVE JSON 5 record, from its ADP containers; nullopt when it has none.
// A metric that is there but unreadable is a problem.
std::optional<SsvcAssessment> ReadSsvc(const json::object& record, const std::string& where,
                                       std::vector<FeedProblem>* problems, int64_t* skipped) {
  std::string cve;
  if (const json::value* meta = record.if_contains("cveMetadata"); meta && meta->is_object()) {
    cve = Text(meta->get_object(), "cveId");
  }
  const json::value* containers = record.if_contains("containers");
  const json::value* adp =
      containers && containers->is_object() ? containers->get_object().if_contains("adp") : nullptr;
  if (adp == nullptr || !adp->is_array()) return std::nullopt;
  for (const json::value& container : adp->get_array()) {
    const json::value* metrics =
        container.is_object() ? container.get_object().if_contains("metrics") : nullptr;
    if (metrics == nullptr || !metrics->is_array()) continue;
    for (const json::value& metric : metrics->get_array()) {
      const json::value* other =
          metric.is_object() ? metric.get_object().if_contains("other") : nullptr;
      if (other == nullptr || !other->is_object()) continue;
      if (Text(other->get_object(), "type") != "ssvc") continue;
      const json::value* content = other->get_object().if_contains("content");
      const json::value* options =
          content && content->is_object() ? content->get_object().if_contains("options") : nullptr;
      if (cve.empty() && content && content->is_object()) cve = Text(content->get_object(), "id");
      const std::string here = where + (cve.empty() ? "" : " (" + cve + ")");
      if (!IsCveId(cve)) {
        Report(problems, skipped, here, "the record names no CVE id (cveMetadata.cveId)");
        return std::nullopt;
      }
      if (options == nullptr || !options->is_array()) {
        Report(problems, skipped, here, "the SSVC metric has no `options` array");
        return std::nullopt;
      }
      std::optional<ssvc::Exploitation> exploitation;
      std::optional<bool> automatable;
      std::optional<ssvc::TechnicalImpact> impact;
      for (const json::value& option : options->get_array()) {
        if (!option.is_object()) continue;
        for (const auto& [key, value] : option.get_object()) {
          if (!value.is_string()) continue;
          const std::string v = AsciiLower(value.get_string());
          if (key == "Exploitation") {
            exploitation = v == "poc" ? std::optional(ssvc::Exploitation::kPublicPoc)
                                      : ssvc::ParseExploitation(v);
          } else if (key == "Automatable") {
            if (v == "yes" || v == "no") automatable = v == "yes";
          } else if (key == "Technical Impact") {
            impact = ssvc::ParseTechnicalImpact(v);
          }
        }
      }
      if (!exploitation || !automatable || !impact) {
        Report(problems, skipped, here,
               "the SSVC options must give Exploitation (none, poc, active), Automatable (yes, "
               "no) and Technical Impact (partial, total)");
        return std::nullopt;
      }
      return SsvcAssessment{cve, *exploitation, *automatable, *impact};
    }
  }
  return std::nullopt;
}

}  // namespace

StatusOr<std::vector<SsvcAssessment>> ParseVulnrichment(std::string_view text,
                                                        std::vector<FeedProblem>* problems,
                                                        int64_t* skipped) {
  BW_ASSIGN_OR_RETURN(json::value doc, ParseJson(text));
  std::vector<SsvcAssessment> out;
  auto one = [&](const json::value& record, const std::string& where) {
    if (!record.is_object()) {
      Report(problems, skipped, where, "a CVE record is a JSON object");
      return;
    }
    if (std::optional<SsvcAssessment> a = ReadSsvc(record.get_object(), where, problems, skipped)) {
      out.push_back(std::move(*a));
    }
  };
  if (doc.is_object()) {
    one(doc, "record");
  } else if (doc.is_array()) {
    size_t i = 0;
    for (const json::value& record : doc.get_array()) one(record, "[" + std::to_string(i++) + "]");
  } else {
    return InvalidArgumentError("Vulnrichment data is a CVE JSON 5 record or an array of them");
  }
  return out;
}

}  // namespace bulwark::clearinghouse
