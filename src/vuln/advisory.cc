#include "vuln/advisory.h"

#include <boost/json.hpp>
#include <exception>

#include "base/json.h"
#include "base/time_format.h"

namespace bulwark::vuln {
namespace {

namespace json = boost::json;

// An id ends up in file names, log lines and terminal output, so it is held to a short,
// printable alphabet; real databases' ids ("GHSA-xxxx-xxxx-xxxx", "RHSA-2024:1234",
// "openEuler-SA-2024-1", "PUB-A-123") all fit.
constexpr size_t kMaxIdLength = 128;
// Names, versions, scores and other short strings. Far above anything real, and low enough
// that no single field can dominate memory on its own.
constexpr size_t kMaxShortString = 4096;

Status FieldError(const std::string& path, std::string_view problem) {
  return Status(StatusCode::kInvalidArgument, path + ": " + std::string(problem),
                {{"field", path}});
}

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

std::string Member(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Names, versions and ids go into database columns and terminal output, where a control
// character (NUL above all, which PostgreSQL's TEXT cannot hold) has no business.
bool HasControlCharacter(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

// `<DB>-<ENTRYID>`: a letter, then the database prefix, a dash, and a non-empty entry id.
Status CheckId(std::string_view id) {
  if (id.size() > kMaxIdLength) {
    return FieldError("id", "is longer than " + std::to_string(kMaxIdLength) + " characters");
  }
  size_t dash = id.find('-');
  bool letter_first =
      !id.empty() && ((id[0] >= 'A' && id[0] <= 'Z') || (id[0] >= 'a' && id[0] <= 'z'));
  if (!letter_first || dash == std::string_view::npos || dash + 1 == id.size()) {
    return FieldError("id", "'" + std::string(id) +
                                "' is not an OSV id of the form DB-ENTRYID, such as GO-2020-0001");
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return FieldError(
          "id", "may contain only letters, digits and - _ . : (found '" + std::string(id) + "')");
    }
  }
  return OkStatus();
}

// A required string member: present, a string, not empty, at most `max_length` bytes.
StatusOr<std::string> RequiredString(const json::object& object, std::string_view key,
                                     const std::string& path, size_t max_length = kMaxShortString) {
  std::string field = Member(path, key);
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return FieldError(field, "is required");
  if (!v->is_string()) return FieldError(field, "must be a string");
  const json::string& s = v->get_string();
  if (s.empty()) return FieldError(field, "must not be empty");
  if (s.size() > max_length) {
    return FieldError(field, "is longer than " + std::to_string(max_length) + " bytes");
  }
  if (HasControlCharacter(s)) return FieldError(field, "must not contain control characters");
  return std::string(s);
}

// An optional string member: absent or null gives "".
StatusOr<std::string> OptionalString(const json::object& object, std::string_view key,
                                     const std::string& path, size_t max_length) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return std::string();
  std::string field = Member(path, key);
  if (!v->is_string()) return FieldError(field, "must be a string");
  if (v->get_string().size() > max_length) {
    return FieldError(field, "is longer than " + std::to_string(max_length) + " bytes");
  }
  return std::string(v->get_string());
}

StatusOr<std::optional<Time>> OptionalTime(const json::object& object, std::string_view key) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<Time>();
  std::string field(key);
  if (!v->is_string()) return FieldError(field, "must be an RFC 3339 date-time string");
  StatusOr<Time> t = ParseRfc3339(v->get_string());
  if (!t.ok()) return FieldError(field, t.status().message());
  return std::optional<Time>(*t);
}

// A member that must be an array when present; absent and null (which some feeds write for
// empty lists) give nullptr.
StatusOr<const json::array*> OptionalArray(const json::object& object, std::string_view key,
                                           const std::string& path) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr || v->is_null()) return static_cast<const json::array*>(nullptr);
  if (!v->is_array()) return FieldError(Member(path, key), "must be an array");
  return &v->get_array();
}

StatusOr<std::vector<std::string>> StringArray(const json::object& object, std::string_view key,
                                               const std::string& path) {
  BW_ASSIGN_OR_RETURN(const json::array* array, OptionalArray(object, key, path));
  std::vector<std::string> out;
  if (array == nullptr) return out;
  out.reserve(array->size());
  std::string field = Member(path, key);
  for (size_t i = 0; i < array->size(); ++i) {
    const json::value& item = (*array)[i];
    if (!item.is_string() || item.get_string().empty()) {
      return FieldError(Index(field, i), "must be a non-empty string");
    }
    if (item.get_string().size() > kMaxShortString) {
      return FieldError(Index(field, i),
                        "is longer than " + std::to_string(kMaxShortString) + " bytes");
    }
    if (HasControlCharacter(item.get_string())) {
      return FieldError(Index(field, i), "must not contain control characters");
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

// `related` holds ids; an early draft of the schema also allowed {"type", "id"} objects, which
// are read for their id.
StatusOr<std::vector<std::string>> RelatedIds(const json::object& object) {
  BW_ASSIGN_OR_RETURN(const json::array* array, OptionalArray(object, "related", ""));
  std::vector<std::string> out;
  if (array == nullptr) return out;
  for (size_t i = 0; i < array->size(); ++i) {
    const json::value& item = (*array)[i];
    std::string field = Index("related", i);
    if (item.is_string() && !item.get_string().empty() &&
        item.get_string().size() <= kMaxShortString && !HasControlCharacter(item.get_string())) {
      out.emplace_back(item.get_string());
    } else if (item.is_object()) {
      BW_ASSIGN_OR_RETURN(std::string id, RequiredString(item.get_object(), "id", field));
      out.push_back(std::move(id));
    } else {
      return FieldError(field, "must be an id string");
    }
  }
  return out;
}

StatusOr<std::vector<SeverityScore>> Severities(const json::object& object,
                                                const std::string& path) {
  BW_ASSIGN_OR_RETURN(const json::array* array, OptionalArray(object, "severity", path));
  std::vector<SeverityScore> out;
  if (array == nullptr) return out;
  std::string field = Member(path, "severity");
  for (size_t i = 0; i < array->size(); ++i) {
    std::string item_path = Index(field, i);
    const json::object* item = (*array)[i].if_object();
    if (item == nullptr) return FieldError(item_path, "must be an object with type and score");
    SeverityScore score;
    BW_ASSIGN_OR_RETURN(score.type, RequiredString(*item, "type", item_path));
    if (score.type != "CVSS_V2" && score.type != "CVSS_V3" && score.type != "CVSS_V4" &&
        score.type != "Ubuntu") {
      return FieldError(Member(item_path, "type"),
                        "'" + score.type.substr(0, 64) +
                            "' is not a severity type (CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu)");
    }
    BW_ASSIGN_OR_RETURN(score.score, RequiredString(*item, "score", item_path));
    out.push_back(std::move(score));
  }
  return out;
}

// `severity` inside a database_specific or ecosystem_specific object, when it is a string.
// Those objects belong to their database, so any other shape is not an error, just no rating.
std::string RatingIn(const json::object& object, std::string_view key) {
  const json::value* specific = object.if_contains(key);
  if (specific == nullptr || !specific->is_object()) return "";
  const json::value* severity = specific->get_object().if_contains("severity");
  if (severity == nullptr || !severity->is_string()) return "";
  if (severity->get_string().size() > kMaxShortString) return "";
  return std::string(severity->get_string());
}

struct EventKey {
  std::string_view name;
  RangeEvent::Kind kind;
};
constexpr EventKey kEventKeys[] = {
    {"introduced", RangeEvent::Kind::kIntroduced},
    {"fixed", RangeEvent::Kind::kFixed},
    {"last_affected", RangeEvent::Kind::kLastAffected},
    {"limit", RangeEvent::Kind::kLimit},
};

StatusOr<RangeEvent> ParseEvent(const json::value& value, const std::string& path) {
  const json::object* object = value.if_object();
  constexpr std::string_view kExactlyOne =
      "an event needs exactly one of introduced, fixed, last_affected, limit";
  if (object == nullptr) return FieldError(path, kExactlyOne);
  std::optional<RangeEvent> event;
  for (const EventKey& key : kEventKeys) {
    const json::value* v = object->if_contains(key.name);
    if (v == nullptr) continue;
    if (event) return FieldError(path, kExactlyOne);
    std::string field = Member(path, key.name);
    if (!v->is_string() || v->get_string().empty()) {
      return FieldError(field, "must be a non-empty version string");
    }
    if (v->get_string().size() > kMaxShortString) {
      return FieldError(field, "is longer than " + std::to_string(kMaxShortString) + " bytes");
    }
    if (HasControlCharacter(v->get_string())) {
      return FieldError(field, "must not contain control characters");
    }
    event = RangeEvent{key.kind, std::string(v->get_string())};
  }
  if (!event) return FieldError(path, kExactlyOne);
  return *event;
}

StatusOr<AffectedRange> ParseRange(const json::value& value, const std::string& path) {
  const json::object* object = value.if_object();
  if (object == nullptr) return FieldError(path, "must be an object");
  AffectedRange range;
  BW_ASSIGN_OR_RETURN(std::string type, RequiredString(*object, "type", path));
  if (type == "SEMVER") {
    range.type = AffectedRange::Type::kSemver;
  } else if (type == "ECOSYSTEM") {
    range.type = AffectedRange::Type::kEcosystem;
  } else if (type == "GIT") {
    range.type = AffectedRange::Type::kGit;
  } else {
    return FieldError(Member(path, "type"),
                      "'" + type.substr(0, 64) + "' is not a range type (SEMVER, ECOSYSTEM, GIT)");
  }
  if (range.type == AffectedRange::Type::kGit) {
    BW_ASSIGN_OR_RETURN(range.repo, RequiredString(*object, "repo", path));
  } else {
    BW_ASSIGN_OR_RETURN(range.repo, OptionalString(*object, "repo", path, kMaxShortString));
  }
  std::string events_path = Member(path, "events");
  BW_ASSIGN_OR_RETURN(const json::array* events, OptionalArray(*object, "events", path));
  if (events == nullptr || events->empty()) {
    return FieldError(events_path, "a range needs at least one event");
  }
  bool introduced = false, fixed = false, last_affected = false;
  range.events.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    BW_ASSIGN_OR_RETURN(RangeEvent event, ParseEvent((*events)[i], Index(events_path, i)));
    introduced |= event.kind == RangeEvent::Kind::kIntroduced;
    fixed |= event.kind == RangeEvent::Kind::kFixed;
    last_affected |= event.kind == RangeEvent::Kind::kLastAffected;
    range.events.push_back(std::move(event));
  }
  // The schema's two rules on a range's events: without an `introduced` nothing is affected,
  // and `fixed` (first unaffected) with `last_affected` (last affected) in one range leaves
  // the versions between them undefined.
  if (!introduced) return FieldError(events_path, "a range needs an 'introduced' event");
  if (fixed && last_affected) {
    return FieldError(events_path, "a range may not have both 'fixed' and 'last_affected' events");
  }
  return range;
}

StatusOr<AffectedPackage> ParseAffected(const json::value& value, const std::string& path) {
  const json::object* object = value.if_object();
  if (object == nullptr) return FieldError(path, "must be an object");
  AffectedPackage affected;
  // `package` may be absent for entries that name only GIT ranges (OSV 1.3+).
  if (const json::value* package = object->if_contains("package");
      package != nullptr && !package->is_null()) {
    std::string package_path = Member(path, "package");
    if (!package->is_object()) return FieldError(package_path, "must be an object");
    const json::object& p = package->get_object();
    BW_ASSIGN_OR_RETURN(affected.ecosystem, RequiredString(p, "ecosystem", package_path, 256));
    BW_ASSIGN_OR_RETURN(affected.name, RequiredString(p, "name", package_path));
    BW_ASSIGN_OR_RETURN(affected.purl, OptionalString(p, "purl", package_path, kMaxShortString));
  }
  BW_ASSIGN_OR_RETURN(const json::array* ranges, OptionalArray(*object, "ranges", path));
  if (ranges != nullptr) {
    std::string ranges_path = Member(path, "ranges");
    affected.ranges.reserve(ranges->size());
    for (size_t i = 0; i < ranges->size(); ++i) {
      BW_ASSIGN_OR_RETURN(AffectedRange range, ParseRange((*ranges)[i], Index(ranges_path, i)));
      affected.ranges.push_back(std::move(range));
    }
  }
  BW_ASSIGN_OR_RETURN(affected.versions, StringArray(*object, "versions", path));
  BW_ASSIGN_OR_RETURN(affected.severity, Severities(*object, path));
  affected.rating = RatingIn(*object, "ecosystem_specific");
  if (affected.rating.empty()) affected.rating = RatingIn(*object, "database_specific");
  return affected;
}

StatusOr<Advisory> ParseRecord(const json::value& value) {
  const json::object* object = value.if_object();
  if (object == nullptr) return InvalidArgumentError("an OSV record must be a JSON object");
  Advisory advisory;
  BW_ASSIGN_OR_RETURN(advisory.id, RequiredString(*object, "id", "", kMaxShortString));
  BW_RETURN_IF_ERROR(CheckId(advisory.id));
  BW_ASSIGN_OR_RETURN(advisory.schema_version, OptionalString(*object, "schema_version", "", 64));
  BW_ASSIGN_OR_RETURN(std::optional<Time> modified, OptionalTime(*object, "modified"));
  if (!modified) return FieldError("modified", "is required");
  advisory.modified = *modified;
  BW_ASSIGN_OR_RETURN(advisory.published, OptionalTime(*object, "published"));
  BW_ASSIGN_OR_RETURN(advisory.withdrawn, OptionalTime(*object, "withdrawn"));
  BW_ASSIGN_OR_RETURN(advisory.aliases, StringArray(*object, "aliases", ""));
  BW_ASSIGN_OR_RETURN(advisory.related, RelatedIds(*object));
  BW_ASSIGN_OR_RETURN(advisory.upstream, StringArray(*object, "upstream", ""));
  // The summary is free text; only the record's own size limit bounds it.
  BW_ASSIGN_OR_RETURN(advisory.summary, OptionalString(*object, "summary", "", std::string::npos));
  BW_ASSIGN_OR_RETURN(advisory.severity, Severities(*object, ""));
  BW_ASSIGN_OR_RETURN(const json::array* affected, OptionalArray(*object, "affected", ""));
  if (affected != nullptr) {
    advisory.affected.reserve(affected->size());
    for (size_t i = 0; i < affected->size(); ++i) {
      BW_ASSIGN_OR_RETURN(AffectedPackage package,
                          ParseAffected((*affected)[i], Index("affected", i)));
      advisory.affected.push_back(std::move(package));
    }
  }
  advisory.rating = RatingIn(*object, "database_specific");
  return advisory;
}

}  // namespace

StatusOr<Advisory> ParseOsvAdvisory(std::string_view text) {
  try {
    BW_ASSIGN_OR_RETURN(json::value value, ParseJson(text));
    return ParseRecord(value);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory reading an OSV record of " +
                                  std::to_string(text.size()) + " bytes");
  } catch (const std::exception& e) {
    return InvalidArgumentError(std::string("unreadable OSV record: ") + e.what());
  }
}

}  // namespace bulwark::vuln
