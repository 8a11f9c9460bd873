#include "evals/run_log.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>

#include "base/json.h"

namespace bulwark::evals {

namespace {

constexpr std::string_view kFormat = "bulwark-run-log-1";

std::string Compress(const std::string& text) {
  z_stream z{};
  // 15 + 16: a gzip member, so that the file reads with zcat.
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

boost::json::object HeaderJson(const RunHeader& h) {
  return {{"format", kFormat},          {"type", "run"},
          {"suite", h.suite},           {"suite_version", h.suite_version},
          {"suite_hash", h.suite_hash}, {"provider", h.provider},
          {"model", h.model},           {"base_url", h.base_url},
          {"epochs", h.epochs},         {"started_at", h.started_at}};
}

boost::json::object SampleJson(const SampleResult& r) {
  boost::json::array transcript;
  for (const TranscriptEntry& e : r.transcript) {
    boost::json::object entry{{"kind", e.kind}, {"text", e.text}};
    if (!e.tool.empty()) entry["tool"] = e.tool;
    if (!e.call_id.empty()) entry["call_id"] = e.call_id;
    if (e.kind == "tool_output" && (e.tool == "bash" || e.tool == "python")) {
      entry["exit_code"] = e.exit_code;
      if (e.timed_out) entry["timed_out"] = true;
    }
    transcript.push_back(std::move(entry));
  }
  return {{"type", "sample"},
          {"task", r.task_id},
          {"epoch", r.epoch},
          {"end", SampleEndName(r.end)},
          {"passed", r.passed},
          {"infrastructure_error", IsInfrastructureError(r.end)},
          {"score", r.score},
          {"attempts", r.attempts},
          {"messages", r.messages},
          {"input_tokens", r.usage.input_tokens},
          {"output_tokens", r.usage.output_tokens},
          {"seconds", r.seconds},
          {"error_kind", r.error_kind},
          {"error_message", r.error_message},
          {"transcript", std::move(transcript)}};
}

std::string StringField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

int64_t IntField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->as_double());
  return 0;
}

double DoubleField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->as_double();
  return static_cast<double>(IntField(o, key));
}

bool BoolField(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

RunHeader HeaderFrom(const boost::json::object& o) {
  return {StringField(o, "suite"),
          StringField(o, "suite_version"),
          StringField(o, "suite_hash"),
          StringField(o, "provider"),
          StringField(o, "model"),
          StringField(o, "base_url"),
          static_cast<int>(IntField(o, "epochs")),
          StringField(o, "started_at")};
}

SampleSummary SummaryFrom(const boost::json::object& o) {
  SampleSummary s;
  s.task_id = StringField(o, "task");
  s.epoch = static_cast<int>(IntField(o, "epoch"));
  s.end = StringField(o, "end");
  s.passed = BoolField(o, "passed");
  s.infrastructure_error = BoolField(o, "infrastructure_error");
  s.score = DoubleField(o, "score");
  s.attempts = static_cast<int>(IntField(o, "attempts"));
  s.messages = static_cast<int>(IntField(o, "messages"));
  s.input_tokens = IntField(o, "input_tokens");
  s.output_tokens = IntField(o, "output_tokens");
  s.seconds = DoubleField(o, "seconds");
  s.error_kind = StringField(o, "error_kind");
  s.error_message = StringField(o, "error_message");
  return s;
}

// Reads the gzip members of `fd` from the start, calling `on_record` with each one's text.
// Returns the offset just past the last whole member, and whether bytes follow it.
StatusOr<std::pair<uint64_t, bool>> ReadMembers(
    int fd, const std::string& path, const std::function<Status(std::string_view)>& on_record) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return Status(StatusCode::kInternal, "zlib failed");
  std::string in(1 << 20, '\0'), out(1 << 20, '\0'), record;
  uint64_t consumed = 0, good_end = 0;
  bool mid_member = false;
  Status status;
  while (status.ok()) {
    ssize_t n = ::read(fd, in.data(), in.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      status = Status(StatusCode::kUnavailable, "cannot read " + path + ": " + strerror(errno));
      break;
    }
    if (n == 0) break;
    z.next_in = reinterpret_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(n);
    while (z.avail_in > 0 && status.ok()) {
      mid_member = true;
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      uInt before = z.avail_in;
      int rc = inflate(&z, Z_NO_FLUSH);
      consumed += before - z.avail_in;
      record.append(out.data(), out.size() - z.avail_out);
      if (rc == Z_STREAM_END) {
        status = on_record(record);
        record.clear();
        good_end = consumed;
        mid_member = false;
        inflateReset(&z);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        // A damaged member: everything from here on is cut off.
        inflateEnd(&z);
        return std::make_pair(good_end, true);
      }
    }
  }
  inflateEnd(&z);
  if (!status.ok()) return status;
  return std::make_pair(good_end, mid_member);
}

// Reads a whole log: its header and each sample record. Sets `*end` to the offset past the
// last whole record and whether a torn one follows it.
Status ParseLog(int fd, const std::string& path, std::optional<RunHeader>* header,
                const std::function<void(SampleSummary)>& on_sample,
                std::pair<uint64_t, bool>* end) {
  size_t line = 0;
  auto on_record = [&](std::string_view text) -> Status {
    ++line;
    StatusOr<boost::json::value> value = ParseJson(text);
    if (!value.ok() || !value->is_object()) {
      return Status(StatusCode::kDataLoss, path + ": record " + std::to_string(line) +
                                               " is not a JSON object; the log is damaged");
    }
    const boost::json::object& o = value->as_object();
    if (!*header) {
      if (StringField(o, "format") != kFormat || StringField(o, "type") != "run") {
        return Status(StatusCode::kInvalidArgument,
                      path + " is not a Bulwark run log (its first record is not a run header)");
      }
      *header = HeaderFrom(o);
    } else if (StringField(o, "type") == "sample") {
      on_sample(SummaryFrom(o));
    }
    return Status();
  };
  BW_ASSIGN_OR_RETURN(*end, ReadMembers(fd, path, on_record));
  return Status();
}

}  // namespace

RunLog::RunLog(std::string path, int fd, RunHeader header)
    : path_(std::move(path)), fd_(fd), header_(std::move(header)) {}

RunLog::~RunLog() {
  if (fd_ < 0) return;
  ::fsync(fd_);
  ::close(fd_);
}

std::unique_ptr<RunLog> RunLog::InMemory(const RunHeader& header) {
  return std::unique_ptr<RunLog>(new RunLog("", -1, header));
}

StatusOr<std::unique_ptr<RunLog>> RunLog::Open(const std::string& path, const RunHeader& header) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable, "cannot open run log " + path + ": " + strerror(errno));
  }
  std::unique_ptr<RunLog> log(new RunLog(path, fd, header));
  std::optional<RunHeader> existing;
  std::pair<uint64_t, bool> end;
  BW_RETURN_IF_ERROR(ParseLog(
      fd, path, &existing, [&](SampleSummary s) { log->Remember(std::move(s)); }, &end));
  auto [good_end, torn] = end;
  if (!existing && torn) {
    // Not one whole record: this file was never a run log, and is left as it is.
    return Status(StatusCode::kInvalidArgument,
                  path + " is not a Bulwark run log; give another --run-log");
  }
  if (torn) {
    log->torn_records_ = 1;
    if (::ftruncate(fd, static_cast<off_t>(good_end)) != 0) {
      return Status(StatusCode::kUnavailable,
                    "cannot cut the torn last record of " + path + ": " + strerror(errno));
    }
  }
  if (::lseek(fd, 0, SEEK_END) < 0) {
    return Status(StatusCode::kUnavailable, "cannot seek in " + path + ": " + strerror(errno));
  }
  if (!existing) {
    log->header_ = header;
    BW_RETURN_IF_ERROR(log->WriteRecord(boost::json::serialize(HeaderJson(header))));
    return log;
  }
  auto differs = [&](const std::string& what, const std::string& was, const std::string& now) {
    return Status(StatusCode::kFailedPrecondition,
                  path + " belongs to a run with " + what + " \"" + was + "\", not \"" + now +
                      "\"; give another --run-log to start a new run");
  };
  if (existing->suite != header.suite) return differs("suite", existing->suite, header.suite);
  if (existing->suite_hash != header.suite_hash) {
    return differs("suite content", existing->suite_hash, header.suite_hash);
  }
  if (existing->provider != header.provider) {
    return differs("provider", existing->provider, header.provider);
  }
  if (existing->model != header.model) return differs("model", existing->model, header.model);
  log->header_ = *existing;
  log->header_.epochs = std::max(existing->epochs, header.epochs);
  return log;
}

StatusOr<RunLogContents> RunLog::Read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kNotFound, "cannot open run log " + path + ": " + strerror(errno));
  }
  RunLogContents contents;
  std::map<std::pair<std::string, int>, size_t> index;
  std::optional<RunHeader> header;
  std::pair<uint64_t, bool> end;
  Status parsed = ParseLog(
      fd, path, &header,
      [&](SampleSummary s) {
        auto [it, added] =
            index.try_emplace(std::make_pair(s.task_id, s.epoch), contents.latest.size());
        if (added) {
          contents.latest.push_back(std::move(s));
        } else {
          contents.latest[it->second] = std::move(s);
        }
      },
      &end);
  ::close(fd);
  BW_RETURN_IF_ERROR(parsed);
  if (!header) return InvalidArgumentError(path + " is not a Bulwark run log");
  contents.header = *std::move(header);
  contents.torn_records = end.second ? 1 : 0;
  return contents;
}

void RunLog::Remember(SampleSummary summary) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(summary.task_id, summary.epoch);
  auto it = index_.find(key);
  if (it == index_.end()) {
    index_.emplace(key, latest_.size());
    latest_.push_back(std::move(summary));
  } else {
    latest_[it->second] = std::move(summary);
  }
}

bool RunLog::Done(const std::string& task_id, int epoch) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = index_.find({task_id, epoch});
  return it != index_.end() && !latest_[it->second].infrastructure_error;
}

std::vector<SampleSummary> RunLog::Latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

Status RunLog::WriteRecord(const std::string& json_line) {
  if (fd_ < 0) return Status();
  std::string member = Compress(json_line + "\n");
  std::lock_guard<std::mutex> lock(mutex_);
  off_t start = ::lseek(fd_, 0, SEEK_END);
  size_t written = 0;
  while (written < member.size()) {
    ssize_t n = ::write(fd_, member.data() + written, member.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      // Leave no partial member behind; should that fail too, Open cuts it off next time.
      bool cut = start >= 0 && ::ftruncate(fd_, start) == 0;
      return Status(StatusCode::kUnavailable,
                    "cannot append to run log " + path_ + ": " + strerror(err) +
                        (cut ? "" : " (the partial record is cut off when the log is reopened)"));
    }
    written += static_cast<size_t>(n);
  }
  return Status();
}

Status RunLog::Append(const SampleResult& result) {
  BW_RETURN_IF_ERROR(WriteRecord(boost::json::serialize(SampleJson(result))));
  SampleSummary s;
  s.task_id = result.task_id;
  s.epoch = result.epoch;
  s.end = std::string(SampleEndName(result.end));
  s.passed = result.passed;
  s.infrastructure_error = IsInfrastructureError(result.end);
  s.score = result.score;
  s.attempts = result.attempts;
  s.messages = result.messages;
  s.input_tokens = result.usage.input_tokens;
  s.output_tokens = result.usage.output_tokens;
  s.seconds = result.seconds;
  s.error_kind = result.error_kind;
  s.error_message = result.error_message;
  Remember(std::move(s));
  return Status();
}

}  // namespace bulwark::evals
