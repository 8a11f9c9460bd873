#include "api/clearinghouse_routes.h"

#include <charconv>
#include <string>

#include "api/route_helpers.h"
#include "base/json.h"
#include "base/time_format.h"
#include "vuln/sbom.h"

namespace bulwark::api {
namespace {

using access::Principal;
using boost::json::array;
using boost::json::object;
using boost::json::value;
using namespace clearinghouse;

object RenderAsset(const Asset& a) {
  return {{"id", a.id},
          {"org_id", a.org_id},
          {"org_name", a.org_name},
          {"name", a.name},
          {"environment", a.environment},
          {"publicly_exposed", a.publicly_exposed},
          {"mission_well_being", std::string(ssvc::Name(a.mission_well_being))},
          {"created_at", FormatRfc3339(a.created_at)},
          {"created_by", a.created_by},
          {"updated_at", FormatRfc3339(a.updated_at)},
          {"inventory_seq", a.inventory_seq},
          {"components", a.components},
          {"active_findings", a.active_findings},
          {"overdue_findings", a.overdue_findings}};
}

object RenderInventory(const Inventory& i) {
  return {{"id", i.id},
          {"asset_id", i.asset_id},
          {"seq", i.seq},
          {"format", i.format},
          {"spec_version", i.spec_version},
          {"serial_number", OptText(i.serial_number)},
          {"sha256", i.sha256},
          {"components", i.components},
          {"matchable", i.matchable},
          {"added", i.added},
          {"removed", i.removed},
          {"opened", i.opened},
          {"verified_fixed", i.verified_fixed},
          {"uploaded_at", FormatRfc3339(i.uploaded_at)},
          {"uploaded_by", i.uploaded_by},
          {"unchanged", i.unchanged}};
}

object RenderFinding(const Finding& f) {
  array cves;
  for (const std::string& c : f.cves) cves.push_back(value(c));
  array factors;
  for (const PriorityFactor& factor : f.factors) {
    factors.push_back(
        object{{"name", factor.name}, {"value", factor.value}, {"effect", factor.effect}});
  }
  return {
      {"id", f.id},
      {"org_id", f.org_id},
      {"asset_id", f.asset_id},
      {"asset_name", f.asset_name},
      {"advisory_id", f.advisory_id},
      {"cve", OptText(f.cve)},
      {"cves", std::move(cves)},
      {"summary", f.summary},
      {"severity", f.severity},
      {"cvss", OptText(f.cvss)},
      {"ecosystem", f.ecosystem},
      {"package", f.package},
      {"version", f.version},
      {"purl", f.purl},
      {"upgrade_to", OptText(f.upgrade_to)},
      {"state", std::string(FindingStateName(f.state))},
      {"justification",
       f.justification ? value(std::string(JustificationName(*f.justification))) : value(nullptr)},
      {"note", OptText(f.note)},
      {"accepted_until", OptTime(f.accepted_until)},
      {"known_at", FormatRfc3339(f.known_at)},
      {"updated_at", FormatRfc3339(f.updated_at)},
      {"updated_by", f.updated_by},
      {"closed_at", OptTime(f.closed_at)},
      {"escalated_at", OptTime(f.escalated_at)},
      {"overdue", f.overdue},
      {"timeline", std::string(ssvc::Name(f.timeline))},
      {"deadline", OptTime(f.deadline)},
      {"cisa_level", std::string(ssvc::Name(f.cisa_level))},
      {"rank", std::to_string(f.rank)},
      {"factors", std::move(factors)}};
}

object RenderImport(const FeedImport& i) {
  array problems;
  for (const FeedProblem& p : i.problems) {
    problems.push_back(object{{"where", p.where}, {"reason", p.reason}});
  }
  return {{"id", i.id},
          {"feed", i.feed},
          {"source", i.source},
          {"state", i.state},
          {"requested_by", i.requested_by},
          {"requested_at", FormatRfc3339(i.requested_at)},
          {"finished_at", OptTime(i.finished_at)},
          {"records", i.records},
          {"changed", i.changed},
          {"skipped", i.skipped},
          {"problems", std::move(problems)},
          {"error", OptText(i.error)}};
}

object RenderOperator(const OperatorSummary& s) {
  object by_timeline;
  for (size_t i = 0; i < 5; ++i) by_timeline[ssvc::Name(kTimelinesByUrgency[i])] = s.by_timeline[i];
  return {{"org_id", s.org_id},
          {"org_name", s.org_name},
          {"assets", s.assets},
          {"exposed_assets", s.exposed_assets},
          {"active_findings", s.active_findings},
          {"overdue_findings", s.overdue_findings},
          {"by_timeline", std::move(by_timeline)},
          {"best_rank", s.best_rank ? value(std::to_string(*s.best_rank)) : value(nullptr)}};
}

object RenderNotice(const Notice& n) {
  return {
      {"id", n.id},
      {"org_id", n.org_id},
      {"advisory_id", n.advisory_id},
      {"summary", n.summary},
      {"created_at", FormatRfc3339(n.created_at)},
      {"rank", std::to_string(n.rank)},
      {"timeline", std::string(ssvc::Name(n.timeline))},
      {"deadline", OptTime(n.deadline)},
      {"overdue", n.overdue},
      {"findings", n.findings},
      {"state", std::string(NoticeStateName(n.state))},
      {"acknowledged_at", OptTime(n.acknowledged_at)},
      {"acknowledged_by", OptText(n.acknowledged_by)},
      {"remediation",
       n.remediation ? value(std::string(RemediationName(*n.remediation))) : value(nullptr)},
      {"justification",
       n.justification ? value(std::string(JustificationName(*n.justification))) : value(nullptr)},
      {"remediation_note", OptText(n.remediation_note)},
      {"remediated_at", OptTime(n.remediated_at)},
      {"remediated_by", OptText(n.remediated_by)},
      {"verified_at", OptTime(n.verified_at)},
      {"deliveries", object{{"pending", n.deliveries_pending},
                            {"delivered", n.deliveries_delivered},
                            {"dead", n.deliveries_dead}}},
      {"signed_note", n.document}};
}

object RenderWebhook(const Webhook& w) {
  return {{"id", w.id},
          {"org_id", w.org_id},
          {"url", w.url},
          {"created_at", FormatRfc3339(w.created_at)},
          {"created_by", w.created_by},
          {"disabled_at", OptTime(w.disabled_at)}};
}

object RenderDelivery(const Delivery& d) {
  return {{"id", d.id},
          {"notice_id", d.notice_id},
          {"advisory_id", d.advisory_id},
          {"webhook_id", d.webhook_id},
          {"url", d.url},
          {"state", d.state},
          {"attempts", d.attempts},
          {"last_status", d.last_status ? value(*d.last_status) : value(nullptr)},
          {"last_error", OptText(d.last_error)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"updated_at", FormatRfc3339(d.updated_at)},
          {"delivered_at", OptTime(d.delivered_at)}};
}

object RenderTrend(const FindingTrend& t) {
  array days;
  for (const TrendDay& d : t.days) {
    object by_timeline;
    for (size_t i = 0; i < 5; ++i) {
      by_timeline[ssvc::Name(kTimelinesByUrgency[i])] = d.by_timeline[i];
    }
    days.push_back(
        object{{"date", d.date}, {"by_timeline", std::move(by_timeline)}, {"overdue", d.overdue}});
  }
  array remediation;
  for (const RemediationTimes& r : t.remediation) {
    remediation.push_back(
        object{{"timeline", std::string(ssvc::Name(r.timeline))},
               {"remediated", r.remediated},
               {"median_days", r.median_days ? value(*r.median_days) : value(nullptr)},
               {"p90_days", r.p90_days ? value(*r.p90_days) : value(nullptr)},
               {"within_deadline", r.within_deadline}});
  }
  return {{"org_id", OptText(t.org_id)},
          {"as_of", FormatRfc3339(t.as_of)},
          {"days", std::move(days)},
          {"remediation", std::move(remediation)}};
}

object RenderEscalation(const Escalation& e) {
  array items;
  for (const EscalatedFinding& f : e.items) {
    items.push_back(object{{"finding_id", f.finding_id},
                           {"asset_name", f.asset_name},
                           {"advisory_id", f.advisory_id},
                           {"package", f.package},
                           {"version", f.version},
                           {"timeline", std::string(ssvc::Name(f.timeline))},
                           {"deadline", FormatRfc3339(f.deadline)}});
  }
  return {{"id", e.id},
          {"org_id", e.org_id},
          {"org_name", e.org_name},
          {"created_at", FormatRfc3339(e.created_at)},
          {"findings", e.findings},
          {"earliest_deadline", FormatRfc3339(e.earliest_deadline)},
          {"items", std::move(items)},
          {"acknowledged_at", OptTime(e.acknowledged_at)},
          {"acknowledged_by", OptText(e.acknowledged_by)}};
}

// ?operator=&days=
Status ReadTrendQuery(const HttpRequest& request, std::string* org_id, int* days) {
  for (const auto& [name, text] : request.query) {
    if (name == "operator") {
      *org_id = text;
    } else if (name == "days") {
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *days);
      if (error != std::errc() || end != text.data() + text.size()) {
        return Status(StatusCode::kInvalidArgument, "days is a whole number",
                      {{"parameter", "days"}});
      }
    } else {
      return Status(StatusCode::kInvalidArgument, "unknown parameter " + name + " (operator, days)",
                    {{"parameter", name}});
    }
  }
  return OkStatus();
}

// An asset's fields from a request body.
Status ReadAsset(const HttpRequest& request, NewAsset* asset) {
  std::optional<std::string> impact;
  BW_RETURN_IF_ERROR(ReadBody(request, [&](JsonFields& f) {
    asset->name = f.String("name", 200);
    asset->environment = f.OptionalString("environment", 200).value_or("");
    asset->publicly_exposed = f.OptionalBool("publicly_exposed").value_or(false);
    impact = f.OptionalString("mission_well_being", 20);
  }));
  if (impact) {
    std::optional<ssvc::MissionWellBeing> parsed = ssvc::ParseMissionWellBeing(*impact);
    if (!parsed) {
      return Status(StatusCode::kInvalidArgument, "mission_well_being is low, medium or high",
                    {{"field", "mission_well_being"}});
    }
    asset->mission_well_being = *parsed;
  }
  return OkStatus();
}

Status ReadAnalysis(const HttpRequest& request, Analysis* analysis) {
  std::string state;
  std::optional<std::string> justification, scope;
  BW_RETURN_IF_ERROR(ReadBody(request, [&](JsonFields& f) {
    state = f.String("state", 40);
    justification = f.OptionalString("justification", 80);
    analysis->accepted_until = f.OptionalTimestamp("accepted_until");
    analysis->note = f.OptionalString("note", 4000).value_or("");
    scope = f.OptionalString("scope", 40);
  }));
  std::optional<FindingState> parsed = ParseFindingState(state);
  if (!parsed) {
    return Status(StatusCode::kInvalidArgument,
                  "state is open, in_triage, not_affected, risk_accepted or fixed",
                  {{"field", "state"}});
  }
  analysis->state = *parsed;
  if (justification) {
    analysis->justification = ParseJustification(*justification);
    if (!analysis->justification) {
      return Status(StatusCode::kInvalidArgument,
                    "justification is component_not_present, vulnerable_code_not_present, "
                    "vulnerable_code_not_in_execute_path, "
                    "vulnerable_code_cannot_be_controlled_by_adversary or "
                    "inline_mitigations_already_exist",
                    {{"field", "justification"}});
    }
  }
  if (scope) {
    std::optional<AnalysisScope> s = ParseAnalysisScope(*scope);
    if (!s) {
      return Status(StatusCode::kInvalidArgument, "scope is finding, operator or all_operators",
                    {{"field", "scope"}});
    }
    analysis->scope = *s;
  }
  return OkStatus();
}

// ?operator=&asset=&state=active|all&cursor=&limit=
Status ReadFindingQuery(const HttpRequest& request, FindingQuery* query) {
  for (const auto& [name, text] : request.query) {
    if (name == "operator") {
      query->org_id = text;
    } else if (name == "asset") {
      query->asset_id = text;
    } else if (name == "cursor") {
      query->cursor = text;
    } else if (name == "state") {
      if (text != "active" && text != "all") {
        return Status(StatusCode::kInvalidArgument, "state is active or all",
                      {{"parameter", "state"}});
      }
      query->active_only = text == "active";
    } else if (name == "limit") {
      int limit = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (error != std::errc() || end != text.data() + text.size()) {
        return Status(StatusCode::kInvalidArgument, "limit is a whole number",
                      {{"parameter", "limit"}});
      }
      query->limit = limit;
    } else {
      return Status(StatusCode::kInvalidArgument,
                    "unknown parameter " + name + " (operator, asset, state, cursor, limit)",
                    {{"parameter", name}});
    }
  }
  return OkStatus();
}

}  // namespace

void RegisterClearinghouseRoutes(Router& router, Authenticator& auth,
                                 ClearinghouseService& clearinghouse) {
  auto& ch = clearinghouse;
  // ---- assets and inventories ----
  router.Add("GET", "/api/v1/clearinghouse/operators/{org_id}/assets",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.ListAssets(p, request.path_params["org_id"]),
                            [](const std::vector<Asset>& v) { return RenderList(v, RenderAsset); });
             }));
  router.Add("POST", "/api/v1/clearinghouse/operators/{org_id}/assets",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               NewAsset asset;
               if (Status s = ReadAsset(request, &asset); !s.ok()) return ErrorResponse(s);
               return Reply(201, ch.CreateAsset(p, request.path_params["org_id"], asset),
                            RenderAsset);
             }));
  router.Add("GET", "/api/v1/clearinghouse/assets/{asset_id}",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.GetAsset(p, request.path_params["asset_id"]), RenderAsset);
             }));
  router.Add("PUT", "/api/v1/clearinghouse/assets/{asset_id}",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               NewAsset asset;
               if (Status s = ReadAsset(request, &asset); !s.ok()) return ErrorResponse(s);
               return Reply(200, ch.UpdateAsset(p, request.path_params["asset_id"], asset),
                            RenderAsset);
             }));
  router.Add("GET", "/api/v1/clearinghouse/assets/{asset_id}/inventories",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(
                   200, ch.ListInventories(p, request.path_params["asset_id"]),
                   [](const std::vector<Inventory>& v) { return RenderList(v, RenderInventory); });
             }));
  router.Add("POST", "/api/v1/clearinghouse/assets/{asset_id}/inventories",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               // The body is the SBOM itself: CycloneDX (JSON or XML) or SPDX JSON.
               StatusOr<Inventory> inventory =
                   ch.UploadInventory(p, request.path_params["asset_id"], request.body);
               const int status = inventory.ok() && inventory->unchanged ? 200 : 201;
               return Reply(status, inventory, RenderInventory);
             }));
  // An SBOM of 300,000 components is tens of megabytes: up to the parser's own limit.
  router.AllowLargeBody("POST", "/api/v1/clearinghouse/assets/{asset_id}/inventories",
                        vuln::kMaxSbomBytes);
  // ---- findings ----
  router.Add("GET", "/api/v1/clearinghouse/findings",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               FindingQuery query;
               if (Status s = ReadFindingQuery(request, &query); !s.ok()) return ErrorResponse(s);
               return Reply(200, ch.ListFindings(p, query), [](const FindingPage& page) {
                 object out = RenderList(page.items, RenderFinding);
                 out["next_cursor"] = OptText(page.next_cursor);
                 return out;
               });
             }));
  router.Add("GET", "/api/v1/clearinghouse/findings/{finding_id}",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.GetFinding(p, request.path_params["finding_id"]),
                            RenderFinding);
             }));
  router.Add("POST", "/api/v1/clearinghouse/findings/{finding_id}/analysis",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               Analysis analysis;
               if (Status s = ReadAnalysis(request, &analysis); !s.ok()) return ErrorResponse(s);
               return Reply(200, ch.Analyze(p, request.path_params["finding_id"], analysis),
                            [](const AnalysisResult& r) {
                              object out = RenderList(r.changed, RenderFinding);
                              out["scope"] = std::string(AnalysisScopeName(r.scope));
                              out["unchanged"] = r.unchanged;
                              return out;
                            });
             }));
  // ---- notices, webhooks and deliveries ----
  router.Add("GET", "/api/v1/clearinghouse/operators/{org_id}/notices",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(
                   200, ch.ListNotices(p, request.path_params["org_id"]),
                   [](const std::vector<Notice>& v) { return RenderList(v, RenderNotice); });
             }));
  router.Add("GET", "/api/v1/clearinghouse/notices/{notice_id}",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.GetNotice(p, request.path_params["notice_id"]), RenderNotice);
             }));
  router.Add("GET", "/api/v1/clearinghouse/notices/{notice_id}/inclusion",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.GetNoticeInclusion(p, request.path_params["notice_id"]),
                            [](const NoticeInclusion& inclusion) {
                              return boost::json::parse(NoticeInclusionJson(inclusion));
                            });
             }));
  router.Add("POST", "/api/v1/clearinghouse/notices/{notice_id}/acknowledge",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.AcknowledgeNotice(p, request.path_params["notice_id"]),
                            RenderNotice);
             }));
  router.Add(
      "POST", "/api/v1/clearinghouse/notices/{notice_id}/remediation",
      auth.Require([&ch](HttpRequest& request, const Principal& p) {
        std::string remediation;
        std::optional<std::string> justification;
        NewRemediation report;
        if (Status s = ReadBody(request,
                                [&](JsonFields& f) {
                                  remediation = f.String("remediation", 40);
                                  justification = f.OptionalString("justification", 80);
                                  report.note = f.OptionalString("note", 4000).value_or("");
                                });
            !s.ok()) {
          return ErrorResponse(s);
        }
        std::optional<Remediation> parsed = ParseRemediation(remediation);
        if (!parsed) {
          return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                      "remediation is fixed, mitigated or not_affected",
                                      {{"field", "remediation"}}));
        }
        report.remediation = *parsed;
        if (justification) {
          report.justification = ParseJustification(*justification);
          if (!report.justification) {
            return ErrorResponse(Status(StatusCode::kInvalidArgument,
                                        "justification is one of the five VEX justifications",
                                        {{"field", "justification"}}));
          }
        }
        return Reply(200, ch.ReportRemediation(p, request.path_params["notice_id"], report),
                     RenderNotice);
      }));
  router.Add("GET", "/api/v1/clearinghouse/operators/{org_id}/webhooks",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(
                   200, ch.ListWebhooks(p, request.path_params["org_id"]),
                   [](const std::vector<Webhook>& v) { return RenderList(v, RenderWebhook); });
             }));
  router.Add(
      "POST", "/api/v1/clearinghouse/operators/{org_id}/webhooks",
      auth.Require([&ch](HttpRequest& request, const Principal& p) {
        std::string url;
        if (Status s = ReadBody(request, [&](JsonFields& f) { url = f.String("url", 2000); });
            !s.ok()) {
          return ErrorResponse(s);
        }
        return Reply(201, ch.CreateWebhook(p, request.path_params["org_id"], url),
                     [](const IssuedWebhook& w) {
                       object out = RenderWebhook(w.webhook);
                       out["secret"] = w.secret;
                       return out;
                     });
      }));
  router.Add("POST", "/api/v1/clearinghouse/webhooks/{webhook_id}/disable",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.DisableWebhook(p, request.path_params["webhook_id"]),
                            RenderWebhook);
             }));
  router.Add("GET", "/api/v1/clearinghouse/operators/{org_id}/deliveries",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(
                   200, ch.ListDeliveries(p, request.path_params["org_id"]),
                   [](const std::vector<Delivery>& v) { return RenderList(v, RenderDelivery); });
             }));
  // ---- VEX ----
  router.Add(
      "GET", "/api/v1/clearinghouse/operators/{org_id}/vex",
      auth.Require([&ch](HttpRequest& request, const Principal& p) {
        auto it = request.query.find("format");
        const std::string format = it == request.query.end() ? "csaf" : it->second;
        if (format != "csaf" && format != "cyclonedx") {
          return ErrorResponse(Status(StatusCode::kInvalidArgument, "format is csaf or cyclonedx",
                                      {{"parameter", "format"}}));
        }
        const std::string org_id = request.path_params["org_id"];
        StatusOr<std::string> document =
            ch.ExportVex(p, org_id, format == "csaf" ? VexFormat::kCsaf : VexFormat::kCycloneDx);
        if (!document.ok()) return ErrorResponse(document.status());
        HttpResponse response;
        response.content_type =
            format == "csaf" ? "application/csaf+json" : "application/vnd.cyclonedx+json";
        response.body = std::move(*document);
        response.headers.push_back(
            {"Content-Disposition", "attachment; filename=\"" + org_id +
                                        (format == "csaf" ? ".csaf.json" : ".cdx.json") + "\""});
        return response;
      }));
  // ---- feeds and the portfolio ----
  router.Add(
      "GET", "/api/v1/clearinghouse/feeds", auth.Require([&ch](HttpRequest&, const Principal& p) {
        return Reply(200, ch.ListFeedImports(p),
                     [](const std::vector<FeedImport>& v) { return RenderList(v, RenderImport); });
      }));
  router.Add("POST", "/api/v1/clearinghouse/feeds/{feed}",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               // The body is the feed's document as published.
               // Queued: a worker applies it; GET /feeds shows how it went.
               return Reply(202, ch.QueueFeedImport(p, request.path_params["feed"], request.body),
                            RenderImport);
             }));
  // EPSS's daily file is tens of megabytes.
  router.AllowLargeBody("POST", "/api/v1/clearinghouse/feeds/{feed}", 128u << 20);
  router.Add("GET", "/api/v1/clearinghouse/trend",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               std::string org_id;
               int days = 90;
               if (Status s = ReadTrendQuery(request, &org_id, &days); !s.ok()) {
                 return ErrorResponse(s);
               }
               return Reply(200, ch.Trend(p, org_id, days), RenderTrend);
             }));
  // ---- escalations ----
  router.Add("GET", "/api/v1/clearinghouse/operators/{org_id}/escalations",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.ListEscalations(p, request.path_params["org_id"]),
                            [](const std::vector<Escalation>& v) {
                              return RenderList(v, RenderEscalation);
                            });
             }));
  router.Add("GET", "/api/v1/clearinghouse/escalations",
             auth.Require([&ch](HttpRequest&, const Principal& p) {
               return Reply(200, ch.ListEscalations(p, ""), [](const std::vector<Escalation>& v) {
                 return RenderList(v, RenderEscalation);
               });
             }));
  router.Add("POST", "/api/v1/clearinghouse/escalations/{escalation_id}/acknowledge",
             auth.Require([&ch](HttpRequest& request, const Principal& p) {
               return Reply(200, ch.AcknowledgeEscalation(p, request.path_params["escalation_id"]),
                            RenderEscalation);
             }));
  router.Add("GET", "/api/v1/clearinghouse/portfolio",
             auth.Require([&ch](HttpRequest&, const Principal& p) {
               return Reply(200, ch.Portfolio(p), [](const std::vector<OperatorSummary>& v) {
                 return RenderList(v, RenderOperator);
               });
             }));
}

}  // namespace bulwark::api
