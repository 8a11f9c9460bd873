#include "api/route_helpers.h"

#include "base/time_format.h"

namespace bulwark::api {

using boost::json::value;

value OptTime(const std::optional<Time>& t) {
  return t ? value(FormatRfc3339(*t)) : value(nullptr);
}

value OptText(const std::optional<std::string>& s) { return s ? value(*s) : value(nullptr); }

value OptText(const std::string& s) { return s.empty() ? value(nullptr) : value(s); }

Status ReadBody(const HttpRequest& request, const std::function<void(JsonFields&)>& read) {
  BW_ASSIGN_OR_RETURN(value body, ParseJson(request.body.empty() ? "{}" : request.body));
  JsonFields f(body);
  read(f);
  return f.Finish();
}

}  // namespace bulwark::api
