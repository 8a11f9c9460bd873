// JSON renderings of the access module's objects, as the API sends them.
//
// Times are RFC 3339 strings; absent optional times are JSON null. Secrets never appear here
// except in the one response that issues them.
#pragma once

#include <boost/json.hpp>

#include "access/directory.h"
#include "access/types.h"

namespace bulwark::api {

boost::json::object RenderOrganization(const access::Organization& org);
boost::json::object RenderUser(const access::User& user);
boost::json::object RenderToken(const access::ApiToken& token, Time now);
boost::json::object RenderTuple(const access::RelationshipTuple& tuple, Time now);
boost::json::object RenderDecision(const access::Decision& decision);

template <typename T, typename F>
boost::json::object RenderPage(const access::Page<T>& page, F render_item) {
  boost::json::array items;
  for (const T& item : page.items) items.push_back(render_item(item));
  boost::json::object out;
  out["items"] = std::move(items);
  out["next_cursor"] =
      page.next_cursor.empty() ? boost::json::value(nullptr) : boost::json::value(page.next_cursor);
  return out;
}

}  // namespace bulwark::api
