#include "access/authorizer.h"

#include <algorithm>
#include <map>
#include <set>

#include "access/policy.h"

namespace bulwark::access {
namespace {

using store::Value;

// What a principal holds at one moment: (object, relation) -> ids of the tuples granting it.
using Holdings = std::map<std::pair<std::string, std::string>, std::vector<std::string>>;

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void Hold(Holdings& holdings, const std::string& object, std::string_view relation,
          const std::string& tuple_id) {
  for (std::string_view r : ImpliedRelations(relation)) {
    holdings[{object, std::string(r)}].push_back(tuple_id);
  }
}

// Tuples in effect naming `subjects` (user ids or usersets) as subject.
Status AddHoldings(store::Transaction& tx, const std::vector<std::string>& subjects, Time now,
                   Holdings& holdings) {
  if (subjects.empty()) return OkStatus();
  std::string sql = "SELECT id, object, relation FROM relationship_tuples WHERE subject IN (";
  std::vector<Value> params;
  for (size_t i = 0; i < subjects.size(); ++i) {
    sql += i ? ",?" : "?";
    params.emplace_back(subjects[i]);
  }
  sql += ") AND relation <> 'parent' AND ";
  sql += kEffectiveTupleSql;
  params.emplace_back(ToUnixMicros(now));
  params.emplace_back(ToUnixMicros(now));
  BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query(sql, params));
  for (const store::Row& row : rows) Hold(holdings, row.Text(1), row.Text(2), row.Text(0));
  return OkStatus();
}

// Direct grants, then the grants of every userset those make the principal part of.
StatusOr<Holdings> LoadHoldings(store::Transaction& tx, const Principal& principal, Time now) {
  Holdings direct;
  BW_RETURN_IF_ERROR(AddHoldings(tx, {principal.user_id}, now, direct));
  std::vector<std::string> usersets;
  for (const auto& [key, ids] : direct) usersets.push_back(key.first + "#" + key.second);
  Holdings all = direct;
  BW_RETURN_IF_ERROR(AddHoldings(tx, usersets, now, all));
  for (auto& [key, ids] : all) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  return all;
}

StatusOr<std::vector<std::string>> Parents(store::Transaction& tx, std::string_view object,
                                           Time now) {
  std::string sql =
      "SELECT subject FROM relationship_tuples WHERE object = ? AND relation = ? AND ";
  sql += kEffectiveTupleSql;
  BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                      tx.Query(sql, {std::string(object), std::string(kParentRelation),
                                     ToUnixMicros(now), ToUnixMicros(now)}));
  std::vector<std::string> parents;
  for (const store::Row& row : rows) parents.push_back(row.Text(0));
  return parents;
}

// Guardrails: deny rules that win over any permit. Returns a deny decision or nullopt.
StatusOr<std::optional<Decision>> Guardrails(store::Transaction& tx, const Principal& principal,
                                             std::string_view action, std::string_view object) {
  if (action == actions::kTupleApprove) {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                        tx.Query("SELECT created_by, subject FROM relationship_tuples WHERE id = ?",
                                 {std::string(object)}));
    if (!rows.empty() &&
        (rows[0].Text(0) == principal.user_id || rows[0].Text(1) == principal.user_id)) {
      Decision d;
      d.rule = "guardrail:separation_of_duties";
      d.reason = rows[0].Text(0) == principal.user_id
                     ? "separation of duties: the principal who proposed a grant may not approve it"
                     : "separation of duties: a principal may not approve a grant to themselves";
      return std::optional<Decision>(d);
    }
  }
  return std::optional<Decision>();
}

StatusOr<Decision> Evaluate(store::Transaction& tx, const Principal& principal,
                            const PolicyRule& rule, std::string_view object,
                            const Holdings& holdings, Time now) {
  Decision d;
  auto held = [&](const std::string& on, std::string_view relation) -> bool {
    auto it = holdings.find({on, std::string(relation)});
    if (it == holdings.end()) return false;
    d.allowed = true;
    d.rule = std::string(rule.action) + ": " + std::string(relation) + " on " + on;
    d.grants = it->second;
    return true;
  };
  if (rule.self && object == principal.user_id) {
    d.allowed = true;
    d.rule = std::string(rule.action) + ": self";
    d.grants = {principal.credential_id};
    return d;
  }
  for (std::string_view r : rule.on_object) {
    if (held(std::string(object), r)) return d;
  }
  if (!rule.on_parent.empty()) {
    BW_ASSIGN_OR_RETURN(std::vector<std::string> parents, Parents(tx, object, now));
    for (const std::string& parent : parents) {
      for (std::string_view r : rule.on_parent) {
        if (held(parent, r)) return d;
      }
    }
  }
  for (std::string_view r : rule.on_platform) {
    if (held(std::string(kPlatform), r)) return d;
  }
  d.rule = std::string(rule.action) + ": no grant";
  return d;
}

// The table holding the objects of a type, for List.
std::string_view TableFor(std::string_view object_type) {
  if (object_type == "org") return "organizations";
  if (object_type == "usr") return "users";
  if (object_type == "tup") return "relationship_tuples";
  return {};
}

}  // namespace

Principal SystemPrincipal() {
  Principal p;
  p.user_id = "system";
  p.credential_id = "command-line";
  return p;
}

bool IsSystem(const Principal& principal) { return principal.user_id == "system"; }

StatusOr<Decision> Authorizer::Check(store::Transaction& tx, const Principal& principal,
                                     std::string_view action, std::string_view object,
                                     Time now) const {
  Decision d;
  const PolicyRule* rule = FindRule(action);
  if (rule == nullptr) {
    d.rule = "unknown action";
    d.reason = "'" + std::string(action) + "' is not an action of the policy";
    return d;
  }
  if (ObjectType(object) != rule->object_type) {
    d.rule = "wrong object type";
    d.reason = "'" + std::string(action) + "' does not apply to '" + std::string(object) + "'";
    return d;
  }
  if (IsSystem(principal)) {
    d.allowed = true;
    d.rule = "system";
    d.reason = "the machine operator";
    d.grants = {"command-line"};
  } else {
    BW_ASSIGN_OR_RETURN(Holdings holdings, LoadHoldings(tx, principal, now));
    BW_ASSIGN_OR_RETURN(d, Evaluate(tx, principal, *rule, object, holdings, now));
  }
  if (d.allowed) {
    BW_ASSIGN_OR_RETURN(std::optional<Decision> deny, Guardrails(tx, principal, action, object));
    if (deny) return *deny;
    d.reason = "allowed by " + d.rule + " (grants: " + Join(d.grants) + ")";
  } else {
    d.reason = "no grant allows " + principal.user_id + " to " + std::string(action) + " " +
               std::string(object);
  }
  return d;
}

StatusOr<std::vector<std::string>> Authorizer::List(store::Transaction& tx,
                                                    const Principal& principal,
                                                    std::string_view action,
                                                    std::string_view object_type, Time now) const {
  const PolicyRule* rule = FindRule(action);
  std::string_view table = TableFor(object_type);
  if (rule == nullptr || rule->object_type != object_type || table.empty()) {
    return std::vector<std::string>{};
  }
  std::set<std::string> candidates;
  auto all_objects = [&]() -> Status {
    BW_ASSIGN_OR_RETURN(store::ResultSet rows, tx.Query("SELECT id FROM " + std::string(table)));
    for (const store::Row& row : rows) candidates.insert(row.Text(0));
    return OkStatus();
  };
  if (IsSystem(principal)) {
    BW_RETURN_IF_ERROR(all_objects());
  } else {
    BW_ASSIGN_OR_RETURN(Holdings holdings, LoadHoldings(tx, principal, now));
    bool platform_wide = false;
    for (std::string_view r : rule->on_platform) {
      platform_wide |= holdings.contains({std::string(kPlatform), std::string(r)});
    }
    if (platform_wide) {
      BW_RETURN_IF_ERROR(all_objects());
    } else {
      std::string prefix = std::string(object_type) + "_";
      for (const auto& [key, ids] : holdings) {
        const auto& [object, relation] = key;
        if (ObjectType(object) == object_type &&
            std::find(rule->on_object.begin(), rule->on_object.end(), relation) !=
                rule->on_object.end()) {
          candidates.insert(object);
        }
        if (std::find(rule->on_parent.begin(), rule->on_parent.end(), relation) !=
            rule->on_parent.end()) {
          std::string sql =
              "SELECT object FROM relationship_tuples WHERE subject = ? AND relation = ? AND ";
          sql += kEffectiveTupleSql;
          BW_ASSIGN_OR_RETURN(store::ResultSet rows,
                              tx.Query(sql, {object, std::string(kParentRelation),
                                             ToUnixMicros(now), ToUnixMicros(now)}));
          for (const store::Row& row : rows) {
            if (ObjectType(row.Text(0)) == object_type) candidates.insert(row.Text(0));
          }
        }
      }
      if (rule->self && ObjectType(principal.user_id) == object_type) {
        candidates.insert(principal.user_id);
      }
      // Only objects that exist are listed.
      std::set<std::string> existing;
      for (const std::string& id : candidates) {
        BW_ASSIGN_OR_RETURN(
            store::ResultSet rows,
            tx.Query("SELECT 1 FROM " + std::string(table) + " WHERE id = ?", {id}));
        if (!rows.empty()) existing.insert(id);
      }
      candidates = std::move(existing);
    }
  }
  std::vector<std::string> out;
  for (const std::string& id : candidates) {
    BW_ASSIGN_OR_RETURN(std::optional<Decision> deny, Guardrails(tx, principal, action, id));
    if (!deny) out.push_back(id);
  }
  return out;
}

}  // namespace bulwark::access
