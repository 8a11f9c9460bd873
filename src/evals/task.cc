#include "evals/task.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "base/encoding.h"
#include "base/file.h"
#include "base/text.h"

namespace bulwark::evals {

namespace {

constexpr size_t kMaxTaskFileBytes = 64 << 20;
constexpr size_t kMaxDocumentBytes = 4 << 20;

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return id != "." && id != "..";
}

// A path inside a sandbox's directory: relative, no empty, "." or ".." components.
bool SafeRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.size() > 1024) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (part.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

// Reads one task document's fields by name, remembering the first problem with the field's
// dotted path, and rejecting fields nobody read (a misspelt `flags:` must not pass silently).
class YamlReader {
 public:
  explicit YamlReader(std::string origin) : origin_(std::move(origin)) {}

  const Status& status() const { return status_; }
  bool failed() const { return !status_.ok(); }

  void Fail(const std::string& field, const std::string& problem) {
    if (status_.ok()) {
      status_ = Status(StatusCode::kInvalidArgument,
                       origin_ + ": " + (field.empty() ? "" : field + ": ") + problem);
    }
  }

  // Checks that `node` is a map and that every key is one of `known`.
  bool ExpectMap(const YAML::Node& node, const std::string& field,
                 std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) {
      Fail(field, "expected a mapping");
      return false;
    }
    for (const auto& item : node) {
      if (!item.first.IsScalar()) {
        Fail(field, "keys must be plain words");
        return false;
      }
      const std::string& key = item.first.Scalar();
      bool found = false;
      for (std::string_view k : known) found = found || k == key;
      if (!found) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Fail(Join(field, key), "unknown field (known: " + list + ")");
        return false;
      }
    }
    return true;
  }

  static std::string Join(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  }

  std::optional<std::string> String(const YAML::Node& map, std::string_view key,
                                    const std::string& parent, bool required) {
    YAML::Node node = map[std::string(key)];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) Fail(Join(parent, key), "missing");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      Fail(Join(parent, key), "expected text");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<double> Number(const YAML::Node& map, std::string_view key,
                               const std::string& parent) {
    std::optional<std::string> text = String(map, key, parent, false);
    if (!text) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    double value = std::strtod(text->c_str(), &end);
    if (text->empty() || end != text->c_str() + text->size() || errno != 0 ||
        !std::isfinite(value) || value <= 0) {
      Fail(Join(parent, key), "expected a positive number, got \"" + *text + "\"");
      return std::nullopt;
    }
    return value;
  }

  std::optional<int64_t> Integer(const YAML::Node& map, std::string_view key,
                                 const std::string& parent, int64_t min, int64_t max) {
    std::optional<std::string> text = String(map, key, parent, false);
    if (!text) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || end != text->c_str() + text->size() || errno != 0 || value < min ||
        value > max) {
      Fail(Join(parent, key), "expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max) + ", got \"" + *text + "\"");
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> Bool(const YAML::Node& map, std::string_view key, const std::string& parent) {
    std::optional<std::string> text = String(map, key, parent, false);
    if (!text) return std::nullopt;
    if (*text == "true" || *text == "yes") return true;
    if (*text == "false" || *text == "no") return false;
    Fail(Join(parent, key), "expected true or false, got \"" + *text + "\"");
    return std::nullopt;
  }

 private:
  std::string origin_;
  Status status_;
};

bool IsExecutable(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IXUSR) != 0;
}

// Appends the files a `files:` list names: inline `content`, a `source` file, or a `source`
// directory whose regular files all land under `path`.
void ReadFiles(YamlReader& r, const YAML::Node& list, const std::string& field,
               const std::string& base_dir, std::vector<TaskFile>* files) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    r.Fail(field, "expected a list of files");
    return;
  }
  for (size_t i = 0; i < list.size() && !r.failed(); ++i) {
    std::string item_field = field + "[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!r.ExpectMap(item, item_field, {"path", "content", "source", "executable"})) return;
    std::optional<std::string> path = r.String(item, "path", item_field, true);
    std::optional<std::string> content = r.String(item, "content", item_field, false);
    std::optional<std::string> source = r.String(item, "source", item_field, false);
    std::optional<bool> executable = r.Bool(item, "executable", item_field);
    if (r.failed()) return;
    if (!SafeRelativePath(*path)) {
      r.Fail(item_field + ".path", "must be a relative path without \"..\": \"" + *path + "\"");
      return;
    }
    if (content.has_value() == source.has_value()) {
      r.Fail(item_field, "give exactly one of content or source");
      return;
    }
    if (content) {
      files->push_back({*path, *content, executable.value_or(false)});
      continue;
    }
    if (source->empty() || source->front() == '/' || !SafeRelativePath(*source)) {
      r.Fail(item_field + ".source",
             "must be a path relative to the task's folder, without \"..\": \"" + *source + "\"");
      return;
    }
    std::string full = base_dir + "/" + *source;
    std::error_code ec;
    if (std::filesystem::is_directory(full, ec)) {
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(full, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
          found.push_back(std::filesystem::relative(it->path(), full, ec).string());
        }
      }
      if (ec) {
        r.Fail(item_field + ".source", "cannot list " + full + ": " + ec.message());
        return;
      }
      std::sort(found.begin(), found.end());
      for (const std::string& relative : found) {
        StatusOr<std::string> bytes = ReadFileToString(full + "/" + relative, kMaxTaskFileBytes);
        if (!bytes.ok()) {
          r.Fail(item_field + ".source", bytes.status().message());
          return;
        }
        files->push_back({*path + "/" + relative, std::move(*bytes),
                          executable.value_or(IsExecutable(full + "/" + relative))});
      }
      continue;
    }
    StatusOr<std::string> bytes = ReadFileToString(full, kMaxTaskFileBytes);
    if (!bytes.ok()) {
      r.Fail(item_field + ".source", bytes.status().message());
      return;
    }
    files->push_back({*path, std::move(*bytes), executable.value_or(IsExecutable(full))});
  }
}

void ReadLimits(YamlReader& r, const YAML::Node& node, TaskLimits* limits) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!r.ExpectMap(
          node, "limits",
          {"max_messages", "max_tokens", "wall_time_s", "max_attempts", "command_timeout_s"})) {
    return;
  }
  if (auto v = r.Integer(node, "max_messages", "limits", 1, 10'000)) limits->max_messages = *v;
  if (auto v = r.Integer(node, "max_tokens", "limits", 1, int64_t{1} << 40)) {
    limits->max_tokens = *v;
  }
  if (auto v = r.Number(node, "wall_time_s", "limits")) limits->wall_time_s = *v;
  if (auto v = r.Integer(node, "max_attempts", "limits", 1, 1000)) limits->max_attempts = *v;
  if (auto v = r.Number(node, "command_timeout_s", "limits")) limits->command_timeout_s = *v;
}

void ReadServices(YamlReader& r, const YAML::Node& list, const std::string& base_dir,
                  std::vector<TaskService>* services) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    r.Fail("services", "expected a list of services");
    return;
  }
  for (size_t i = 0; i < list.size() && !r.failed(); ++i) {
    std::string field = "services[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!r.ExpectMap(item, field, {"name", "command", "port", "start_timeout_s", "files"})) return;
    TaskService service;
    service.name = r.String(item, "name", field, true).value_or("");
    service.command = r.String(item, "command", field, true).value_or("");
    if (auto port = r.Integer(item, "port", field, 1, 65535)) {
      service.port = static_cast<uint16_t>(*port);
    }
    if (auto t = r.Number(item, "start_timeout_s", field)) service.start_timeout_s = *t;
    ReadFiles(r, item["files"], field + ".files", base_dir, &service.files);
    services->push_back(std::move(service));
  }
}

void ReadSolution(YamlReader& r, const YAML::Node& list, std::vector<ReferenceStep>* steps) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    r.Fail("solution", "expected a list of steps such as `- bash: ls`");
    return;
  }
  for (size_t i = 0; i < list.size() && !r.failed(); ++i) {
    std::string field = "solution[" + std::to_string(i) + "]";
    const YAML::Node& item = list[i];
    if (!r.ExpectMap(item, field, {"bash", "python", "submit"})) return;
    if (item.size() != 1) {
      r.Fail(field, "a step is one tool call: bash, python or submit");
      return;
    }
    std::string tool = item.begin()->first.Scalar();
    std::optional<std::string> input = r.String(item, tool, field, true);
    if (input) steps->push_back({tool, *input});
  }
}

void ReadMetadata(YamlReader& r, const YAML::Node& node,
                  std::map<std::string, std::string>* metadata) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    r.Fail("metadata", "expected a mapping of names to values");
    return;
  }
  for (const auto& item : node) {
    if (!item.first.IsScalar() || !item.second.IsScalar()) {
      r.Fail("metadata", "values must be plain text or numbers");
      return;
    }
    (*metadata)[item.first.Scalar()] = item.second.Scalar();
  }
}

StatusOr<YAML::Node> LoadYaml(std::string_view text, const std::string& origin) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status(StatusCode::kInvalidArgument, origin + ":" + std::to_string(e.mark.line + 1) +
                                                    ":" + std::to_string(e.mark.column + 1) +
                                                    ": not valid YAML: " + e.msg);
  }
}

// Length-prefixed fields, so that no two different suites encode alike.
class CanonicalEncoder {
 public:
  void Add(std::string_view s) {
    uint64_t n = s.size();
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(n >> (56 - 8 * i)));
    out_.append(s);
  }
  void Add(double v) { Add(std::to_string(v)); }
  void Add(int64_t v) { Add(std::to_string(v)); }
  void AddFiles(const std::vector<TaskFile>& files) {
    Add(static_cast<int64_t>(files.size()));
    for (const TaskFile& f : files) {
      Add(f.path);
      Add(f.content);
      Add(std::string_view(f.executable ? "x" : "-"));
    }
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

StatusOr<Task> ParseTaskYaml(std::string_view yaml, const std::string& base_dir,
                             const std::string& origin) {
  BW_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(yaml, origin));
  YamlReader r(origin);
  Task task;
  try {
    if (!r.ExpectMap(root, "",
                     {"id", "name", "category", "difficulty", "mode", "prompt", "files", "services",
                      "flag", "checker", "limits", "solution", "metadata"})) {
      return r.status();
    }
    task.id = r.String(root, "id", "", true).value_or("");
    task.name = r.String(root, "name", "", false).value_or(task.id);
    task.category = r.String(root, "category", "", false).value_or("misc");
    task.difficulty = r.String(root, "difficulty", "", false).value_or("");
    std::string mode = r.String(root, "mode", "", false).value_or("agent");
    if (mode == "agent") {
      task.mode = TaskMode::kAgent;
    } else if (mode == "single_turn") {
      task.mode = TaskMode::kSingleTurn;
    } else {
      r.Fail("mode", "expected agent or single_turn, got \"" + mode + "\"");
    }
    task.prompt = r.String(root, "prompt", "", true).value_or("");
    ReadFiles(r, root["files"], "files", base_dir, &task.files);
    ReadServices(r, root["services"], base_dir, &task.services);
    task.flag = r.String(root, "flag", "", false);
    if (YAML::Node checker = root["checker"]; checker.IsDefined() && !checker.IsNull()) {
      if (r.ExpectMap(checker, "checker", {"command", "files", "timeout_s"})) {
        TaskChecker c;
        c.command = r.String(checker, "command", "checker", true).value_or("");
        if (auto t = r.Number(checker, "timeout_s", "checker")) c.timeout_s = *t;
        ReadFiles(r, checker["files"], "checker.files", base_dir, &c.files);
        task.checker = std::move(c);
      }
    }
    ReadLimits(r, root["limits"], &task.limits);
    ReadSolution(r, root["solution"], &task.solution);
    ReadMetadata(r, root["metadata"], &task.metadata);
  } catch (const YAML::Exception& e) {
    r.Fail("", std::string("unreadable YAML structure: ") + e.what());
  }
  if (r.failed()) return r.status();
  if (Status s = ValidateTask(task); !s.ok()) {
    return Status(StatusCode::kInvalidArgument, origin + ": " + s.message());
  }
  return task;
}

Status ValidateTask(const Task& task) {
  auto invalid = [](const std::string& message) {
    return Status(StatusCode::kInvalidArgument, message);
  };
  if (!ValidId(task.id)) {
    return invalid("id: \"" + task.id +
                   "\" must be 1 to 128 letters, digits, dots, underscores or hyphens");
  }
  if (TrimAsciiWhitespace(task.prompt).empty()) return invalid("prompt: missing");
  if (!task.flag && !task.checker) return invalid("give a flag or a checker to judge answers");
  if (task.flag && TrimAsciiWhitespace(*task.flag).empty()) return invalid("flag: empty");
  if (task.checker && TrimAsciiWhitespace(task.checker->command).empty())
    return invalid("checker.command: empty");
  if (task.mode == TaskMode::kSingleTurn && !task.services.empty()) {
    return invalid("services: a single_turn task has no sandbox to run them in");
  }
  std::set<std::string> paths;
  for (const TaskFile& f : task.files) {
    if (!SafeRelativePath(f.path)) return invalid("files: unsafe path \"" + f.path + "\"");
    if (!paths.insert(f.path).second) return invalid("files: \"" + f.path + "\" given twice");
  }
  std::set<std::string> names;
  std::set<uint16_t> ports;
  for (const TaskService& s : task.services) {
    if (!ValidId(s.name)) return invalid("services: name \"" + s.name + "\" is not a plain word");
    if (!names.insert(s.name).second) return invalid("services: \"" + s.name + "\" given twice");
    if (TrimAsciiWhitespace(s.command).empty())
      return invalid("services." + s.name + ".command: empty");
    if (s.port != 0 && !ports.insert(s.port).second) {
      return invalid("services." + s.name + ".port: " + std::to_string(s.port) + " used twice");
    }
    for (const TaskFile& f : s.files) {
      if (!SafeRelativePath(f.path)) {
        return invalid("services." + s.name + ".files: unsafe path \"" + f.path + "\"");
      }
    }
  }
  const TaskLimits& l = task.limits;
  if (l.max_messages < 1 || l.max_tokens < 1 || !(l.wall_time_s > 0) || l.max_attempts < 1 ||
      !(l.command_timeout_s > 0)) {
    return invalid("limits: every limit must be positive");
  }
  for (const ReferenceStep& step : task.solution) {
    if (step.tool != "bash" && step.tool != "python" && step.tool != "submit") {
      return invalid("solution: unknown tool \"" + step.tool + "\" (bash, python or submit)");
    }
  }
  return Status();
}

Status ValidateSuite(const Suite& suite) {
  if (!ValidId(suite.name)) {
    return Status(StatusCode::kInvalidArgument,
                  "suite name \"" + suite.name + "\" must be letters, digits, . _ or -");
  }
  if (TrimAsciiWhitespace(suite.version).empty()) {
    return Status(StatusCode::kInvalidArgument, "suite " + suite.name + ": version missing");
  }
  std::set<std::string_view> ids;
  for (const Task& task : suite.tasks) {
    if (Status s = ValidateTask(task); !s.ok()) {
      return Status(StatusCode::kInvalidArgument, "task " + task.id + ": " + s.message());
    }
    if (!ids.insert(task.id).second) {
      return Status(StatusCode::kInvalidArgument, "task id \"" + task.id + "\" appears twice");
    }
  }
  return Status();
}

namespace {

bool ValidCanary(std::string_view canary) {
  if (canary.size() < 16 || canary.size() > 128) return false;
  for (char c : canary) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != ':' &&
        c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

StatusOr<Suite> LoadSuite(const std::string& path) {
  std::error_code ec;
  std::string suite_file = path;
  if (std::filesystem::is_directory(path, ec)) suite_file = path + "/suite.yaml";
  std::string suite_dir = std::filesystem::path(suite_file).parent_path().string();
  if (suite_dir.empty()) suite_dir = ".";
  BW_ASSIGN_OR_RETURN(std::string text, ReadFileToString(suite_file, kMaxDocumentBytes));
  BW_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, suite_file));
  YamlReader r(suite_file);
  Suite suite;
  std::vector<std::string> task_paths;
  try {
    if (!r.ExpectMap(root, "", {"name", "version", "description", "canary", "tasks"})) {
      return r.status();
    }
    suite.name = r.String(root, "name", "", true).value_or("");
    suite.version = r.String(root, "version", "", true).value_or("");
    suite.description = r.String(root, "description", "", false).value_or("");
    suite.canary = r.String(root, "canary", "", false).value_or("");
    if (!suite.canary.empty() && !ValidCanary(suite.canary)) {
      r.Fail("canary", "expected 16 to 128 of A-Z a-z 0-9 - _ : . (a GUID is usual)");
    }
    YAML::Node tasks = root["tasks"];
    if (!tasks.IsSequence() || tasks.size() == 0) {
      r.Fail("tasks", "expected a list of task files or folders");
    } else {
      for (size_t i = 0; i < tasks.size(); ++i) {
        if (!tasks[i].IsScalar() || !SafeRelativePath(tasks[i].Scalar())) {
          r.Fail("tasks[" + std::to_string(i) + "]",
                 "expected a path relative to the suite's folder, without \"..\"");
          break;
        }
        task_paths.push_back(tasks[i].Scalar());
      }
    }
  } catch (const YAML::Exception& e) {
    r.Fail("", std::string("unreadable YAML structure: ") + e.what());
  }
  if (r.failed()) return r.status();
  for (const std::string& relative : task_paths) {
    std::string task_file = suite_dir + "/" + relative;
    if (std::filesystem::is_directory(task_file, ec)) task_file += "/task.yaml";
    BW_ASSIGN_OR_RETURN(std::string task_text, ReadFileToString(task_file, kMaxDocumentBytes));
    if (!suite.canary.empty() && task_text.find(suite.canary) == std::string::npos) {
      return Status(StatusCode::kInvalidArgument,
                    task_file + ": does not carry the suite's canary string " + suite.canary +
                        " (put it in a comment, as in \"# canary: " + suite.canary + "\")");
    }
    std::string task_dir = std::filesystem::path(task_file).parent_path().string();
    BW_ASSIGN_OR_RETURN(Task task, ParseTaskYaml(task_text, task_dir, task_file));
    suite.tasks.push_back(std::move(task));
  }
  if (Status s = ValidateSuite(suite); !s.ok()) {
    return Status(StatusCode::kInvalidArgument, suite_file + ": " + s.message());
  }
  return suite;
}

std::string Suite::ContentHash() const {
  CanonicalEncoder e;
  e.Add(std::string_view("bulwark-suite-v1"));
  e.Add(name);
  e.Add(version);
  e.Add(description);
  // Suites without a canary hash as they did before canaries existed.
  if (!canary.empty()) e.Add("canary:" + canary);
  e.Add(static_cast<int64_t>(tasks.size()));
  for (const Task& t : tasks) {
    e.Add(t.id);
    e.Add(t.name);
    e.Add(t.category);
    e.Add(t.difficulty);
    e.Add(std::string_view(t.mode == TaskMode::kAgent ? "agent" : "single_turn"));
    e.Add(t.prompt);
    e.AddFiles(t.files);
    e.Add(static_cast<int64_t>(t.services.size()));
    for (const TaskService& s : t.services) {
      e.Add(s.name);
      e.Add(s.command);
      e.Add(static_cast<int64_t>(s.port));
      e.Add(s.start_timeout_s);
      e.AddFiles(s.files);
    }
    e.Add(t.flag ? "flag:" + *t.flag : std::string("-"));
    if (t.checker) {
      e.Add(t.checker->command);
      e.Add(t.checker->timeout_s);
      e.AddFiles(t.checker->files);
    } else {
      e.Add(std::string_view("-"));
    }
    e.Add(static_cast<int64_t>(t.limits.max_messages));
    e.Add(t.limits.max_tokens);
    e.Add(t.limits.wall_time_s);
    e.Add(static_cast<int64_t>(t.limits.max_attempts));
    e.Add(t.limits.command_timeout_s);
    e.Add(static_cast<int64_t>(t.solution.size()));
    for (const ReferenceStep& s : t.solution) {
      e.Add(s.tool);
      e.Add(s.input);
    }
    e.Add(static_cast<int64_t>(t.metadata.size()));
    for (const auto& [k, v] : t.metadata) {
      e.Add(k);
      e.Add(v);
    }
  }
  return ContentDigest(e.bytes());
}

std::string ContentDigest(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return "sha256:" + HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

const Task* Suite::Find(std::string_view id) const {
  for (const Task& task : tasks) {
    if (task.id == id) return &task;
  }
  return nullptr;
}

bool MatchesFlag(std::string_view submission, std::string_view flag) {
  return TrimAsciiWhitespace(submission) == TrimAsciiWhitespace(flag);
}

}  // namespace bulwark::evals
