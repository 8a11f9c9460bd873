#include "evals/suite_codec.h"

#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/json.h"

namespace bulwark::evals {
namespace {

namespace json = boost::json;

constexpr std::string_view kFormat = "bulwark-suite-1";

json::array FilesJson(const std::vector<TaskFile>& files) {
  json::array out;
  for (const TaskFile& f : files) {
    out.push_back(json::object{
        {"path", f.path}, {"content", Base64Encode(f.content)}, {"executable", f.executable}});
  }
  return out;
}

json::object TaskJson(const Task& t) {
  json::object o;
  o["id"] = t.id;
  o["name"] = t.name;
  o["category"] = t.category;
  o["difficulty"] = t.difficulty;
  o["mode"] = t.mode == TaskMode::kAgent ? "agent" : "single_turn";
  o["prompt"] = t.prompt;
  o["files"] = FilesJson(t.files);
  json::array services;
  for (const TaskService& s : t.services) {
    services.push_back(json::object{{"name", s.name},
                                    {"command", s.command},
                                    {"files", FilesJson(s.files)},
                                    {"port", s.port},
                                    {"start_timeout_s", s.start_timeout_s}});
  }
  o["services"] = std::move(services);
  if (t.flag) o["flag"] = *t.flag;
  if (t.checker) {
    o["checker"] = json::object{{"command", t.checker->command},
                                {"files", FilesJson(t.checker->files)},
                                {"timeout_s", t.checker->timeout_s}};
  }
  o["limits"] = json::object{{"max_messages", t.limits.max_messages},
                             {"max_tokens", t.limits.max_tokens},
                             {"wall_time_s", t.limits.wall_time_s},
                             {"max_attempts", t.limits.max_attempts},
                             {"command_timeout_s", t.limits.command_timeout_s}};
  json::array solution;
  for (const ReferenceStep& s : t.solution) {
    solution.push_back(json::object{{"tool", s.tool}, {"input", s.input}});
  }
  o["solution"] = std::move(solution);
  json::object metadata;
  for (const auto& [k, v] : t.metadata) metadata[k] = v;
  o["metadata"] = std::move(metadata);
  return o;
}

// Reads members strictly, remembering the first problem with where it was.
class Reader {
 public:
  const json::value* Member(const json::object& o, std::string_view key, std::string_view where,
                            bool required) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr && required) Fail(std::string(where) + "." + std::string(key) + ": missing");
    return v;
  }
  std::string String(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = Member(o, key, where, true);
    if (v == nullptr) return "";
    if (!v->is_string()) {
      Fail(std::string(where) + "." + std::string(key) + ": expected a string");
      return "";
    }
    return std::string(v->as_string());
  }
  double Number(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = Member(o, key, where, true);
    if (v == nullptr) return 0;
    if (!v->is_number()) {
      Fail(std::string(where) + "." + std::string(key) + ": expected a number");
      return 0;
    }
    return v->to_number<double>();
  }
  int64_t Int(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = Member(o, key, where, true);
    if (v == nullptr) return 0;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= INT64_MAX) return static_cast<int64_t>(v->as_uint64());
    Fail(std::string(where) + "." + std::string(key) + ": expected a whole number");
    return 0;
  }
  bool Bool(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = Member(o, key, where, true);
    if (v == nullptr) return false;
    if (!v->is_bool()) {
      Fail(std::string(where) + "." + std::string(key) + ": expected true or false");
      return false;
    }
    return v->as_bool();
  }
  const json::object* Object(const json::value* v, std::string_view where) {
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Fail(std::string(where) + ": expected an object");
      return nullptr;
    }
    return &v->as_object();
  }
  const json::array* Array(const json::object& o, std::string_view key, std::string_view where) {
    const json::value* v = Member(o, key, where, true);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) {
      Fail(std::string(where) + "." + std::string(key) + ": expected a list");
      return nullptr;
    }
    return &v->as_array();
  }
  std::vector<TaskFile> Files(const json::object& o, std::string_view key, std::string where) {
    std::vector<TaskFile> files;
    const json::array* list = Array(o, key, where);
    if (list == nullptr) return files;
    for (size_t i = 0; i < list->size(); ++i) {
      const std::string at = where + "." + std::string(key) + "[" + std::to_string(i) + "]";
      const json::object* f = Object(&(*list)[i], at);
      if (f == nullptr) break;
      TaskFile file;
      file.path = String(*f, "path", at);
      StatusOr<std::string> content = Base64Decode(String(*f, "content", at));
      if (!content.ok()) {
        Fail(at + ".content: not base64");
        break;
      }
      file.content = std::move(*content);
      file.executable = Bool(*f, "executable", at);
      files.push_back(std::move(file));
    }
    return files;
  }
  void Fail(std::string message) {
    if (error_.ok()) error_ = InvalidArgumentError("suite document: " + message);
  }
  const Status& error() const { return error_; }

 private:
  Status error_;
};

Task ReadTask(Reader& r, const json::object& o, const std::string& where) {
  Task t;
  t.id = r.String(o, "id", where);
  t.name = r.String(o, "name", where);
  t.category = r.String(o, "category", where);
  t.difficulty = r.String(o, "difficulty", where);
  const std::string mode = r.String(o, "mode", where);
  if (mode == "agent") {
    t.mode = TaskMode::kAgent;
  } else if (mode == "single_turn") {
    t.mode = TaskMode::kSingleTurn;
  } else {
    r.Fail(where + ".mode: expected agent or single_turn");
  }
  t.prompt = r.String(o, "prompt", where);
  t.files = r.Files(o, "files", where);
  if (const json::array* services = r.Array(o, "services", where)) {
    for (size_t i = 0; i < services->size(); ++i) {
      const std::string at = where + ".services[" + std::to_string(i) + "]";
      const json::object* s = r.Object(&(*services)[i], at);
      if (s == nullptr) break;
      TaskService service;
      service.name = r.String(*s, "name", at);
      service.command = r.String(*s, "command", at);
      service.files = r.Files(*s, "files", at);
      const int64_t port = r.Int(*s, "port", at);
      if (port < 0 || port > 65535) r.Fail(at + ".port: expected 0 to 65535");
      service.port = static_cast<uint16_t>(port);
      service.start_timeout_s = r.Number(*s, "start_timeout_s", at);
      t.services.push_back(std::move(service));
    }
  }
  if (const json::value* flag = r.Member(o, "flag", where, false)) {
    if (flag->is_string()) {
      t.flag = std::string(flag->as_string());
    } else {
      r.Fail(where + ".flag: expected a string");
    }
  }
  if (const json::object* c = r.Object(r.Member(o, "checker", where, false), where + ".checker")) {
    TaskChecker checker;
    checker.command = r.String(*c, "command", where + ".checker");
    checker.files = r.Files(*c, "files", where + ".checker");
    checker.timeout_s = r.Number(*c, "timeout_s", where + ".checker");
    t.checker = std::move(checker);
  }
  if (const json::object* l = r.Object(r.Member(o, "limits", where, true), where + ".limits")) {
    const std::string at = where + ".limits";
    t.limits.max_messages = static_cast<int>(r.Int(*l, "max_messages", at));
    t.limits.max_tokens = r.Int(*l, "max_tokens", at);
    t.limits.wall_time_s = r.Number(*l, "wall_time_s", at);
    t.limits.max_attempts = static_cast<int>(r.Int(*l, "max_attempts", at));
    t.limits.command_timeout_s = r.Number(*l, "command_timeout_s", at);
  }
  if (const json::array* steps = r.Array(o, "solution", where)) {
    for (size_t i = 0; i < steps->size(); ++i) {
      const std::string at = where + ".solution[" + std::to_string(i) + "]";
      const json::object* s = r.Object(&(*steps)[i], at);
      if (s == nullptr) break;
      t.solution.push_back({r.String(*s, "tool", at), r.String(*s, "input", at)});
    }
  }
  if (const json::object* m = r.Object(r.Member(o, "metadata", where, true), where + ".metadata")) {
    for (const auto& member : *m) {
      if (!member.value().is_string()) {
        r.Fail(where + ".metadata." + std::string(member.key()) + ": expected a string");
        break;
      }
      t.metadata[std::string(member.key())] = std::string(member.value().as_string());
    }
  }
  return t;
}

}  // namespace

std::string EncodeSuite(const Suite& suite) {
  json::array tasks;
  for (const Task& t : suite.tasks) tasks.push_back(TaskJson(t));
  json::object doc{{"format", kFormat},        {"name", suite.name},
                   {"version", suite.version}, {"description", suite.description},
                   {"canary", suite.canary},   {"hash", suite.ContentHash()},
                   {"tasks", std::move(tasks)}};
  return json::serialize(doc);
}

StatusOr<Suite> DecodeSuite(std::string_view document) {
  StatusOr<json::value> parsed = ParseJson(document);
  if (!parsed.ok()) {
    return InvalidArgumentError("suite document: not JSON: " + parsed.status().message());
  }
  Reader r;
  const json::object* doc = r.Object(&*parsed, "suite document");
  if (doc == nullptr) return r.error();
  if (r.String(*doc, "format", "suite") != kFormat) {
    return InvalidArgumentError("suite document: format is not " + std::string(kFormat));
  }
  Suite suite;
  suite.name = r.String(*doc, "name", "suite");
  suite.version = r.String(*doc, "version", "suite");
  suite.description = r.String(*doc, "description", "suite");
  suite.canary = r.String(*doc, "canary", "suite");
  const std::string hash = r.String(*doc, "hash", "suite");
  if (const json::array* tasks = r.Array(*doc, "tasks", "suite")) {
    for (size_t i = 0; i < tasks->size() && r.error().ok(); ++i) {
      const std::string at = "tasks[" + std::to_string(i) + "]";
      const json::object* t = r.Object(&(*tasks)[i], at);
      if (t == nullptr) break;
      suite.tasks.push_back(ReadTask(r, *t, at));
    }
  }
  if (!r.error().ok()) return r.error();
  if (Status s = ValidateSuite(suite); !s.ok()) {
    return InvalidArgumentError("suite document: " + s.message());
  }
  if (suite.ContentHash() != hash) {
    return Status(StatusCode::kDataLoss, "suite document: its content hashes to " +
                                             suite.ContentHash() + ", not the " + hash +
                                             " it states");
  }
  return suite;
}

}  // namespace bulwark::evals
