#include "evals/run_log.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>

namespace bulwark::evals {

namespace {

constexpr std::string_view kFormat = "bulwark-run-log-1";

// Each member's gzip header carries one extra subfield, "BW" with 8 bytes: the member's whole
// length (0: not given) and the CRC-32 of its head (Member), little-endian. A reader hops from
// member to member on the length, checks a sample's summary against the CRC without inflating
// the rest, and the report's viewer opens one sample from its offset and length.
constexpr uint8_t kFextra = 0x04;
constexpr size_t kHeaderBytes = 10 + 2 + 4 + 8;  // fixed fields, XLEN, subfield id and size, data
constexpr size_t kTrailerBytes = 8;              // CRC-32 and ISIZE
// What ends a sample record's summary: the transcript is its last field (SampleJson).
constexpr std::string_view kTranscriptKey = ",\"transcript\":";
// No record inflates to more than this; a member that would is damaged (or hostile).
constexpr size_t kMaxRecordBytes = size_t{256} << 20;

void PutLe32(char* at, uint32_t value) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

uint32_t GetLe32(const char* at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

// The check of a member's head: CRC-32, as gzip's own. Computed for every sample of a whole log,
// so by libdeflate, which folds it with carry-less multiplication where the processor can
// (measured on a summary of 330 bytes: 30 ns, against 156 ns for zlib's).
uint32_t HeadCheck(std::string_view head) { return libdeflate_crc32(0, head.data(), head.size()); }

// Appends `data` to `out` as deflate stored blocks that are not the last.
void AppendStored(std::string_view data, std::string* out) {
  do {
    const size_t n = std::min<size_t>(data.size(), 0xffff);
    const char block[5] = {0, static_cast<char>(n & 0xff), static_cast<char>(n >> 8),
                           static_cast<char>(~n & 0xff), static_cast<char>((~n >> 8) & 0xff)};
    out->append(block, sizeof block);
    out->append(data.substr(0, n));
    data.remove_prefix(n);
  } while (!data.empty());
}

// Appends `data` deflated to `out`, ending the stream; `dictionary` is what precedes it.
void AppendDeflated(std::string_view data, std::string_view dictionary, std::string* out) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (!dictionary.empty()) {
    dictionary = dictionary.substr(dictionary.size() - std::min<size_t>(dictionary.size(), 32768));
    deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(dictionary.data()),
                         static_cast<uInt>(dictionary.size()));
  }
  size_t used = out->size();
  out->resize(used + deflateBound(&z, data.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  while (true) {
    if (out->size() - used < 256) out->resize(out->size() * 2);
    z.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    z.avail_out = static_cast<uInt>(out->size() - used);
    const int rc = deflate(&z, Z_FINISH);
    used = out->size() - z.avail_out;
    if (rc == Z_STREAM_END || rc == Z_STREAM_ERROR) break;  // the latter not reached: ours
  }
  out->resize(used);
  deflateEnd(&z);
}

// One gzip member holding `head` then `tail`. A non-empty `head` is stored as it is, in deflate
// blocks of its own, so that a reader takes it without inflating anything; `tail` is deflated
// with `head` as its dictionary (the inflater has it in its window already).
std::string Member(std::string_view head, std::string_view tail) {
  std::string out(kHeaderBytes, '\0');
  if (tail.empty()) {
    AppendDeflated(head, "", &out);
  } else {
    AppendStored(head, &out);
    AppendDeflated(tail, head, &out);
  }
  uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(head.data()), head.size());
  crc = crc32_z(crc, reinterpret_cast<const Bytef*>(tail.data()), tail.size());
  const size_t used = out.size();
  out.resize(used + kTrailerBytes);
  PutLe32(out.data() + used, static_cast<uint32_t>(crc));
  PutLe32(out.data() + used + 4, static_cast<uint32_t>(head.size() + tail.size()));
  const char fixed[16] = {'\x1f', '\x8b', 8, kFextra, 0, 0, 0, 0, 0, 3, 12, 0, 'B', 'W', 8, 0};
  std::copy(fixed, fixed + 16, out.begin());
  PutLe32(out.data() + 16, out.size() <= UINT32_MAX ? static_cast<uint32_t>(out.size()) : 0);
  PutLe32(out.data() + 20, HeadCheck(head));
  return out;
}

boost::json::object HeaderJson(const RunHeader& h) {
  return {{"format", kFormat},          {"type", "run"},
          {"suite", h.suite},           {"suite_version", h.suite_version},
          {"suite_hash", h.suite_hash}, {"provider", h.provider},
          {"model", h.model},           {"base_url", h.base_url},
          {"epochs", h.epochs},         {"started_at", h.started_at}};
}

// A sample record: its summary, then its transcript, which SampleMember puts in blocks of their
// own.
boost::json::object SummaryJson(const SampleResult& r) {
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
          {"error_message", r.error_message}};
}

boost::json::array TranscriptJson(const std::vector<TranscriptEntry>& transcript) {
  boost::json::array out;
  out.reserve(transcript.size());
  for (const TranscriptEntry& e : transcript) {
    boost::json::object entry{{"kind", e.kind}, {"text", e.text}};
    if (!e.tool.empty()) entry["tool"] = e.tool;
    if (!e.call_id.empty()) entry["call_id"] = e.call_id;
    if (e.kind == "tool_output" && (e.tool == "bash" || e.tool == "python")) {
      entry["exit_code"] = e.exit_code;
      if (e.timed_out) entry["timed_out"] = true;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::string HeaderMember(const RunHeader& header) {
  return Member(boost::json::serialize(HeaderJson(header)) + "\n", "");
}

// The summary's members up to the transcript's key in blocks of their own, then the transcript
// and the rest of the line.
std::string SampleMember(const SampleResult& r) {
  std::string head = boost::json::serialize(SummaryJson(r));
  head.pop_back();
  head += kTranscriptKey;
  return Member(head, boost::json::serialize(TranscriptJson(r.transcript)) + "}\n");
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

// A sample's summary from its JSON text, without building a JSON value: a whole-log read parses
// summaries by the million. Reads a flat object of strings, numbers, booleans and nulls; false
// for anything else (a nested value, bad syntax), which the caller parses the general way.
class FlatSummaryParser {
 public:
  // Parses `text` into `*s` (REQUIRES: a default SampleSummary). `text` is a whole object, or a
  // sample's head: the summary's members and then the transcript's key, where it stops.
  bool Parse(std::string_view text, SampleSummary* s, bool* is_sample) {
    p_ = text.data();
    end_ = text.data() + text.size();
    *is_sample = false;
    Space();
    if (!Take('{')) return false;
    Space();
    if (Take('}')) return AtEnd();
    while (true) {
      std::string_view key;
      if (!Take('"') || !String(&key_, &key)) return false;
      Space();
      if (!Take(':')) return false;
      if (key == "transcript" && AtEnd()) return true;
      Space();
      if (!Value(key, s, is_sample)) return false;
      Space();
      if (Take(',')) {
        Space();
        continue;
      }
      return Take('}') && AtEnd();
    }
  }

 private:
  void Space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool Take(char ch) {
    if (p_ < end_ && *p_ == ch) {
      ++p_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    Space();
    return p_ == end_;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }
  static int Hex(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  }
  bool Hex4(uint32_t* out) {
    if (end_ - p_ < 4) return false;
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = Hex(p_[i]);
      if (h < 0) return false;
      *out = *out * 16 + static_cast<uint32_t>(h);
    }
    p_ += 4;
    return true;
  }
  // After the opening quote: the string's text, in `scratch` when it had escapes.
  bool String(std::string* scratch, std::string_view* out) {
    const char* start = p_;
    while (p_ < end_ && *p_ != '"' && *p_ != '\\' && static_cast<unsigned char>(*p_) >= 0x20) ++p_;
    if (p_ < end_ && *p_ == '"') {
      *out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return true;
    }
    scratch->assign(start, p_);
    while (p_ < end_) {
      const char ch = *p_++;
      if (ch == '"') {
        *out = *scratch;
        return true;
      }
      if (static_cast<unsigned char>(ch) < 0x20) return false;
      if (ch != '\\') {
        scratch->push_back(ch);
        continue;
      }
      if (p_ == end_) return false;
      switch (*p_++) {
        case '"':
          scratch->push_back('"');
          break;
        case '\\':
          scratch->push_back('\\');
          break;
        case '/':
          scratch->push_back('/');
          break;
        case 'b':
          scratch->push_back('\b');
          break;
        case 'f':
          scratch->push_back('\f');
          break;
        case 'n':
          scratch->push_back('\n');
          break;
        case 'r':
          scratch->push_back('\r');
          break;
        case 't':
          scratch->push_back('\t');
          break;
        case 'u': {
          uint32_t code = 0;
          if (!Hex4(&code)) return false;
          if (code >= 0xd800 && code < 0xdc00) {
            uint32_t low = 0;
            if (!Literal("\\u") || !Hex4(&low) || low < 0xdc00 || low >= 0xe000) return false;
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          } else if (code >= 0xdc00 && code < 0xe000) {
            return false;
          }
          AppendUtf8(code, scratch);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  static void AppendUtf8(uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3f)));
    }
  }
  // The fields a summary has, by key.
  enum class Field {
    kOther,
    kType,
    kTask,
    kEpoch,
    kEnd,
    kPassed,
    kInfrastructureError,
    kScore,
    kAttempts,
    kMessages,
    kInputTokens,
    kOutputTokens,
    kSeconds,
    kErrorKind,
    kErrorMessage,
  };
  static Field FieldOf(std::string_view key) {
    switch (key.size()) {
      case 3:
        return key == "end" ? Field::kEnd : Field::kOther;
      case 4:
        return key == "type" ? Field::kType : key == "task" ? Field::kTask : Field::kOther;
      case 5:
        return key == "epoch" ? Field::kEpoch : key == "score" ? Field::kScore : Field::kOther;
      case 6:
        return key == "passed" ? Field::kPassed : Field::kOther;
      case 7:
        return key == "seconds" ? Field::kSeconds : Field::kOther;
      case 8:
        return key == "attempts"   ? Field::kAttempts
               : key == "messages" ? Field::kMessages
                                   : Field::kOther;
      case 10:
        return key == "error_kind" ? Field::kErrorKind : Field::kOther;
      case 12:
        return key == "input_tokens" ? Field::kInputTokens : Field::kOther;
      case 13:
        return key == "output_tokens"   ? Field::kOutputTokens
               : key == "error_message" ? Field::kErrorMessage
                                        : Field::kOther;
      case 20:
        return key == "infrastructure_error" ? Field::kInfrastructureError : Field::kOther;
      default:
        return Field::kOther;
    }
  }

  bool Value(std::string_view key, SampleSummary* s, bool* is_sample) {
    if (p_ == end_) return false;
    const Field field = FieldOf(key);
    const char ch = *p_;
    if (ch == '"') {
      ++p_;
      std::string_view text;
      if (!String(&value_, &text)) return false;
      switch (field) {
        case Field::kType:
          *is_sample = text == "sample";
          break;
        case Field::kTask:
          s->task_id.assign(text);
          break;
        case Field::kEnd:
          s->end.assign(text);
          break;
        case Field::kErrorKind:
          s->error_kind.assign(text);
          break;
        case Field::kErrorMessage:
          s->error_message.assign(text);
          break;
        default:
          break;
      }
      return true;
    }
    if (ch == 't' || ch == 'f') {
      const bool value = ch == 't';
      if (!Literal(value ? "true" : "false")) return false;
      if (field == Field::kPassed) s->passed = value;
      if (field == Field::kInfrastructureError) s->infrastructure_error = value;
      return true;
    }
    if (ch == 'n') return Literal("null");
    if (ch != '-' && (ch < '0' || ch > '9')) return false;  // a nested value, or not JSON
    const char* start = p_;
    while (p_ < end_ && (std::isdigit(static_cast<unsigned char>(*p_)) || *p_ == '-' ||
                         *p_ == '+' || *p_ == '.' || *p_ == 'e' || *p_ == 'E')) {
      ++p_;
    }
    int64_t whole = 0;
    double number = 0;
    if (std::from_chars(start, p_, whole).ptr == p_) {
      number = static_cast<double>(whole);
    } else {
      if (std::from_chars(start, p_, number).ptr != p_) return false;
      whole = std::isfinite(number) && std::fabs(number) < 9e18 ? static_cast<int64_t>(number) : 0;
    }
    switch (field) {
      case Field::kEpoch:
        s->epoch = static_cast<int>(whole);
        break;
      case Field::kScore:
        s->score = number;
        break;
      case Field::kAttempts:
        s->attempts = static_cast<int>(whole);
        break;
      case Field::kMessages:
        s->messages = static_cast<int>(whole);
        break;
      case Field::kInputTokens:
        s->input_tokens = whole;
        break;
      case Field::kOutputTokens:
        s->output_tokens = whole;
        break;
      case Field::kSeconds:
        s->seconds = number;
        break;
      default:
        break;
    }
    return true;
  }

  const char* p_ = nullptr;
  const char* end_ = nullptr;
  std::string key_, value_;  // strings with escapes, decoded
};

std::vector<TranscriptEntry> TranscriptFrom(const boost::json::object& o) {
  std::vector<TranscriptEntry> transcript;
  const boost::json::value* v = o.if_contains("transcript");
  if (v == nullptr || !v->is_array()) return transcript;
  for (const boost::json::value& item : v->as_array()) {
    if (!item.is_object()) continue;
    const boost::json::object& e = item.as_object();
    transcript.push_back({StringField(e, "kind"), StringField(e, "text"), StringField(e, "tool"),
                          StringField(e, "call_id"), static_cast<int>(IntField(e, "exit_code")),
                          BoolField(e, "timed_out")});
  }
  return transcript;
}

// Parses one record's JSON text; null when it is not a JSON object.
std::optional<boost::json::object> ParseRecord(std::string_view text) {
  boost::json::error_code error;
  boost::json::value value = boost::json::parse(text, error);
  if (error || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

// Reads the gzip members of a run log in order, with a window of the file in memory.
class MemberReader {
 public:
  enum class Kind {
    kRecord,   // text is the record, or a sample's head (its summary and the transcript's key)
    kDamaged,  // a member of known length that does not inflate: skipped
    kTorn,     // not a whole member, and what follows cannot be found: the rest is left out
    kEnd,
  };
  struct Read {
    Kind kind = Kind::kEnd;
    uint64_t length = 0;
    std::string_view text;  // valid until the next call
  };

  MemberReader(int fd, uint64_t size) : fd_(fd), size_(size) {
    inflateInit2(&raw_, -15);
    inflateInit2(&gzip_, 15 + 16);
  }
  ~MemberReader() {
    inflateEnd(&raw_);
    inflateEnd(&gzip_);
  }
  MemberReader(const MemberReader&) = delete;
  MemberReader& operator=(const MemberReader&) = delete;

  // The member at `offset`. Unavailable when the file cannot be read.
  StatusOr<Read> At(uint64_t offset) {
    Read read;
    if (offset >= size_) return read;
    read.kind = Kind::kTorn;
    BW_ASSIGN_OR_RETURN(std::string_view head, Bytes(offset, kHeaderBytes));
    if (head.size() < 10 || head[0] != '\x1f' || head[1] != '\x8b' || head[2] != 8) return read;
    uint32_t length = 0, head_crc = 0;
    if (head.size() == kHeaderBytes && head[3] == kFextra && head[10] == 12 && head[11] == 0 &&
        head[12] == 'B' && head[13] == 'W' && head[14] == 8 && head[15] == 0) {
      length = GetLe32(head.data() + 16);
      head_crc = GetLe32(head.data() + 20);
    }
    if (length == 0) return Inflated(offset);
    if (length < kHeaderBytes + kTrailerBytes || length > size_ - offset) return read;
    read.length = length;
    BW_ASSIGN_OR_RETURN(Found found, StoredHead(offset, length, head_crc, &read.text));
    if (found == Found::kNo) {
      BW_ASSIGN_OR_RETURN(found, InflatedHead(offset, length, head_crc, &read.text));
    }
    read.kind = found == Found::kYes ? Kind::kRecord : Kind::kDamaged;
    return read;
  }

 private:
  // Up to `n` bytes at `offset` (fewer at the end of the file), from the window.
  StatusOr<std::string_view> Bytes(uint64_t offset, size_t n) {
    n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
    if (offset < window_start_ || offset + n > window_start_ + window_.size()) {
      window_.resize(std::max(n, kWindowBytes));
      size_t filled = 0;
      while (filled < window_.size()) {
        ssize_t got = ::pread(fd_, window_.data() + filled, window_.size() - filled,
                              static_cast<off_t>(offset + filled));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
          return UnavailableError(std::string("cannot read the run log: ") + strerror(errno));
        }
        if (got == 0) break;
        filled += static_cast<size_t>(got);
      }
      window_.resize(filled);
      window_start_ = offset;
      n = std::min(n, filled);
    }
    return std::string_view(window_.data() + (offset - window_start_), n);
  }

  enum class Found { kYes, kNo, kDamaged };

  // A sample's head as Member stores it: stored deflate blocks (not the last) at the start of
  // the member's deflate data, their text ending with the transcript's key and matching the
  // head's CRC; in the window when it is one block. kNo when the member does not start so.
  StatusOr<Found> StoredHead(uint64_t offset, uint32_t length, uint32_t head_crc,
                             std::string_view* text) {
    scratch_.clear();
    uint64_t at = offset + kHeaderBytes;
    const uint64_t deflated_end = offset + length - kTrailerBytes;
    while (deflated_end - at >= 5) {
      BW_ASSIGN_OR_RETURN(std::string_view block, Bytes(at, 5));
      if (block.size() < 5 || block[0] != 0) return Found::kNo;
      const uint32_t n = static_cast<unsigned char>(block[1]) |
                         static_cast<uint32_t>(static_cast<unsigned char>(block[2])) << 8;
      const uint32_t check = static_cast<unsigned char>(block[3]) |
                             static_cast<uint32_t>(static_cast<unsigned char>(block[4])) << 8;
      if ((n ^ 0xffff) != check || n > deflated_end - at - 5 ||
          scratch_.size() + n > kMaxRecordBytes) {
        return Found::kNo;
      }
      BW_ASSIGN_OR_RETURN(std::string_view data, Bytes(at + 5, n));
      if (data.size() != n) return Found::kNo;
      at += 5 + n;
      if (scratch_.empty() && data.ends_with(kTranscriptKey)) {
        *text = data;
        return Checked(head_crc, *text);
      }
      scratch_.append(data);
      if (std::string_view(scratch_).ends_with(kTranscriptKey)) {
        *text = scratch_;
        return Checked(head_crc, *text);
      }
    }
    return Found::kNo;
  }

  static Found Checked(uint32_t head_crc, std::string_view head) {
    return HeadCheck(head) == head_crc ? Found::kYes : Found::kDamaged;
  }

  // Inflates a member of known length until the end of a sample's head or of the record. A
  // head that Member wrote is the member's first deflate blocks: inflate stops there (Z_BLOCK),
  // then goes on as usual.
  StatusOr<Found> InflatedHead(uint64_t offset, uint32_t length, uint32_t head_crc,
                               std::string_view* text) {
    inflateReset(&raw_);
    raw_.avail_in = 0;
    uint64_t at = offset + kHeaderBytes;
    const uint64_t deflated_end = offset + length - kTrailerBytes;
    size_t used = 0, searched = 0;
    int flush = Z_BLOCK;
    scratch_.resize(1024);
    while (true) {
      if (raw_.avail_in == 0 && at < deflated_end) {
        BW_ASSIGN_OR_RETURN(
            std::string_view in,
            Bytes(at, static_cast<size_t>(std::min<uint64_t>(deflated_end - at, kChunkBytes))));
        raw_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        raw_.avail_in = static_cast<uInt>(in.size());
        at += in.size();
      }
      if (used == scratch_.size()) {
        if (scratch_.size() >= kMaxRecordBytes) return Found::kDamaged;
        scratch_.resize(scratch_.size() * 2);
      }
      raw_.next_out = reinterpret_cast<Bytef*>(scratch_.data() + used);
      raw_.avail_out = static_cast<uInt>(scratch_.size() - used);
      const uInt before_in = raw_.avail_in, before_out = raw_.avail_out;
      const int rc = inflate(&raw_, flush);
      used = scratch_.size() - raw_.avail_out;
      if (rc == Z_STREAM_END) {
        scratch_.resize(used);
        *text = scratch_;
        // A whole record: its check and size must hold, and the deflate data fill the member.
        const uint64_t consumed_end = at - raw_.avail_in;
        if (consumed_end != deflated_end) return Found::kDamaged;
        BW_ASSIGN_OR_RETURN(std::string_view trailer, Bytes(deflated_end, kTrailerBytes));
        const uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(text->data()), text->size());
        const bool whole = trailer.size() == kTrailerBytes &&
                           GetLe32(trailer.data()) == static_cast<uint32_t>(crc) &&
                           GetLe32(trailer.data() + 4) == static_cast<uint32_t>(text->size());
        return whole ? Found::kYes : Found::kDamaged;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return Found::kDamaged;
      // A sample's head ends with the transcript's key.
      const size_t from = searched > kTranscriptKey.size() ? searched - kTranscriptKey.size() : 0;
      const size_t key = std::string_view(scratch_).substr(0, used).find(kTranscriptKey, from);
      searched = used;
      if (key != std::string_view::npos) {
        *text = std::string_view(scratch_).substr(0, key + kTranscriptKey.size());
        return Checked(head_crc, *text);
      }
      if (raw_.avail_in == before_in && raw_.avail_out == before_out) {
        // At a block's end (Z_BLOCK stops there), or out of input: the member is cut short.
        if (flush == Z_NO_FLUSH) return Found::kDamaged;
        flush = Z_NO_FLUSH;
      }
    }
  }

  // A member without its length (as older logs wrote them): inflated whole to find its end.
  StatusOr<Read> Inflated(uint64_t offset) {
    Read read;
    read.kind = Kind::kTorn;
    inflateReset(&gzip_);
    gzip_.avail_in = 0;
    uint64_t at = offset;
    size_t used = 0;
    scratch_.resize(4096);
    while (true) {
      if (gzip_.avail_in == 0 && at < size_) {
        BW_ASSIGN_OR_RETURN(std::string_view in, Bytes(at, kChunkBytes));
        gzip_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        gzip_.avail_in = static_cast<uInt>(in.size());
        at += in.size();
      }
      if (used == scratch_.size()) {
        if (scratch_.size() >= kMaxRecordBytes) return read;
        scratch_.resize(scratch_.size() * 2);
      }
      gzip_.next_out = reinterpret_cast<Bytef*>(scratch_.data() + used);
      gzip_.avail_out = static_cast<uInt>(scratch_.size() - used);
      const uInt before_in = gzip_.avail_in, before_out = gzip_.avail_out;
      const int rc = inflate(&gzip_, Z_NO_FLUSH);
      used = scratch_.size() - gzip_.avail_out;
      if (rc == Z_STREAM_END) {
        read.kind = Kind::kRecord;
        read.length = at - gzip_.avail_in - offset;
        scratch_.resize(used);
        read.text = scratch_;
        return read;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) return read;
      if (gzip_.avail_in == before_in && gzip_.avail_out == before_out) return read;
    }
  }

  static constexpr size_t kWindowBytes = size_t{4096} << 10;
  static constexpr size_t kChunkBytes = size_t{64} << 10;

  int fd_;
  uint64_t size_;
  std::string window_;
  uint64_t window_start_ = 0;
  std::string scratch_;  // a record's text when it is not in the window as it is
  z_stream raw_{};       // members with their length: raw deflate after the header we wrote
  z_stream gzip_{};      // members without
};

// A sample's head (ending with the transcript's key) as a whole JSON object; other text as it is.
std::string Closed(std::string_view text) {
  if (!text.ends_with(kTranscriptKey)) return std::string(text);
  return std::string(text.substr(0, text.size() - kTranscriptKey.size())) + "}";
}

struct Scan {
  std::optional<RunHeader> header;
  uint64_t header_length = 0;
  uint64_t good_end = 0;  // past the last member that is not torn
  bool torn = false;      // a torn member at good_end, up to the end of the file
  size_t damaged = 0;     // members skipped in the middle
};

// Asks for `bytes` at `data` to be backed by huge pages: a million summaries otherwise fault in
// fifty thousand small pages one by one (measured: reading a log of a million samples went from
// 1.6 s to 1.1 s).
void AdviseHugePages(const void* data, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  uintptr_t end = begin + bytes;
  begin = (begin + kHuge - 1) & ~(kHuge - 1);
  end &= ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// Reads a whole log: its header, and each sample record's summary appended to `samples` in log
// order. InvalidArgument when the file does not start with a run header.
//
// One thread: reading the two halves of a large log at once was measured slower on two cores
// shared with other work (1.0 to 1.8 s for a million samples, against 0.85 to 1.06 s), the
// second half's summaries costing memory of their own and a move.
Status ScanLog(int fd, const std::string& path, std::vector<SampleSummary>* samples, Scan* scan) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return UnavailableError("cannot read the run log " + path + ": " + strerror(errno));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  MemberReader reader(fd, size);
  FlatSummaryParser parser;
  uint64_t offset = 0;
  while (true) {
    StatusOr<MemberReader::Read> read = reader.At(offset);
    if (!read.ok()) return read.status().WithPrefix(path);
    if (read->kind == MemberReader::Kind::kEnd) break;
    if (read->kind == MemberReader::Kind::kTorn) {
      scan->torn = true;
      break;
    }
    if (samples->size() == 256) {
      // Room for about as many samples as the file holds, judged by the first ones.
      const double each = static_cast<double>(offset) / 257;
      samples->reserve(static_cast<size_t>(static_cast<double>(size) / each * 1.1));
      AdviseHugePages(samples->data(), samples->capacity() * sizeof(SampleSummary));
    }
    const uint64_t at = offset;
    offset += read->length;
    scan->good_end = offset;
    if (scan->header && read->kind == MemberReader::Kind::kRecord) {
      SampleSummary& summary = samples->emplace_back();
      bool is_sample = false;
      if (parser.Parse(read->text, &summary, &is_sample)) {
        if (is_sample) {
          summary.offset = at;
          summary.length = read->length;
        } else {
          samples->pop_back();
        }
        continue;
      }
      samples->pop_back();
    }
    std::optional<boost::json::object> record;
    if (read->kind == MemberReader::Kind::kRecord) record = ParseRecord(Closed(read->text));
    if (!scan->header) {
      if (!record || StringField(*record, "format") != kFormat ||
          StringField(*record, "type") != "run") {
        return InvalidArgumentError(
            path + " is not a Bulwark run log (its first record is not a run header)");
      }
      scan->header = HeaderFrom(*record);
      scan->header_length = read->length;
    } else if (!record) {
      ++scan->damaged;
    } else if (StringField(*record, "type") == "sample") {
      SampleSummary& summary = samples->emplace_back(SummaryFrom(*record));
      summary.offset = at;
      summary.length = read->length;
    }
  }
  return OkStatus();
}

// The latest record of each (task, epoch) among `records` (in log order), in the order first
// recorded.
std::vector<SampleSummary> LatestOf(std::vector<SampleSummary> records) {
  // (task, epoch) as (the task's number, epoch): logs hold millions of samples of a few
  // thousand tasks, with epochs from 1. Each task's epochs up to kDenseEpochs in an array, as
  // long as the arrays stay within a few cells a record; any other in a hash table.
  constexpr int kDenseEpochs = 1 << 16;
  const size_t budget = 4 * records.size() + kDenseEpochs;
  size_t cells = 0;
  std::unordered_map<std::string_view, uint32_t> task_numbers;
  std::vector<std::vector<uint32_t>> dense;  // position + 1, by task and epoch - 1; 0: none
  std::unordered_map<uint64_t, uint32_t> sparse;
  std::vector<uint32_t> position_of(records.size());
  uint32_t unique = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    auto [task, added] =
        task_numbers.try_emplace(records[i].task_id, static_cast<uint32_t>(task_numbers.size()));
    if (added) dense.emplace_back();
    const int epoch = records[i].epoch;
    uint32_t* slot = nullptr;
    if (epoch >= 1 && epoch <= kDenseEpochs) {
      std::vector<uint32_t>& epochs = dense[task->second];
      const size_t need = static_cast<size_t>(epoch);
      if (epochs.size() < need) {
        const size_t grown = std::min<size_t>(std::max(need, 2 * epochs.size()), kDenseEpochs);
        if (cells + grown - epochs.size() <= budget) {
          cells += grown - epochs.size();
          epochs.resize(grown, 0);
        }
      }
      if (epochs.size() >= need) slot = &epochs[need - 1];
    }
    if (slot == nullptr) {
      slot = &sparse[static_cast<uint64_t>(task->second) << 32 | static_cast<uint32_t>(epoch)];
    }
    if (*slot == 0) *slot = ++unique;
    position_of[i] = *slot - 1;
  }
  if (unique == records.size()) return records;
  std::vector<SampleSummary> latest(unique);
  for (size_t i = 0; i < records.size(); ++i) latest[position_of[i]] = std::move(records[i]);
  return latest;
}

}  // namespace

size_t RunLog::KeyHash::operator()(const std::pair<std::string, int>& key) const {
  return std::hash<std::string>()(key.first) * 31 + std::hash<int>()(key.second);
}

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
  Scan scan;
  std::vector<SampleSummary> records;
  Status scanned = ScanLog(fd, path, &records, &scan);
  for (SampleSummary& s : records) log->Remember(std::move(s));
  if (scanned.code() == StatusCode::kInvalidArgument || (!scan.header && scan.torn)) {
    // This file was never a run log, and is left as it is.
    return Status(StatusCode::kInvalidArgument,
                  path + " is not a Bulwark run log; give another --run-log");
  }
  BW_RETURN_IF_ERROR(scanned);
  log->torn_records_ = scan.damaged + (scan.torn ? 1 : 0);
  if (scan.torn && ::ftruncate(fd, static_cast<off_t>(scan.good_end)) != 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot cut the torn last record of " + path + ": " + strerror(errno));
  }
  if (!scan.header) {
    log->header_ = header;
    BW_RETURN_IF_ERROR(log->WriteRecord(HeaderMember(header)).status());
    return log;
  }
  const RunHeader& existing = *scan.header;
  auto differs = [&](const std::string& what, const std::string& was, const std::string& now) {
    return Status(StatusCode::kFailedPrecondition,
                  path + " belongs to a run with " + what + " \"" + was + "\", not \"" + now +
                      "\"; give another --run-log to start a new run");
  };
  if (existing.suite != header.suite) return differs("suite", existing.suite, header.suite);
  if (existing.suite_hash != header.suite_hash) {
    return differs("suite content", existing.suite_hash, header.suite_hash);
  }
  if (existing.provider != header.provider) {
    return differs("provider", existing.provider, header.provider);
  }
  if (existing.model != header.model) return differs("model", existing.model, header.model);
  log->header_ = existing;
  log->header_.epochs = std::max(existing.epochs, header.epochs);
  return log;
}

StatusOr<RunLogContents> RunLog::Read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kNotFound, "cannot open run log " + path + ": " + strerror(errno));
  }
  std::vector<SampleSummary> records;
  Scan scan;
  Status scanned = ScanLog(fd, path, &records, &scan);
  ::close(fd);
  BW_RETURN_IF_ERROR(scanned);
  if (!scan.header) return InvalidArgumentError(path + " is not a Bulwark run log");
  RunLogContents contents;
  contents.header = *std::move(scan.header);
  contents.header_length = scan.header_length;
  contents.records = records.size();
  contents.torn_records = scan.damaged + (scan.torn ? 1 : 0);
  contents.latest = LatestOf(std::move(records));
  return contents;
}

StatusOr<RunLogIndex> RunLog::Index(const std::string& path) {
  BW_ASSIGN_OR_RETURN(RunLogContents contents, Read(path));
  RunLogIndex index{std::move(contents.header), {}, contents.torn_records};
  index.samples.reserve(contents.latest.size());
  for (SampleSummary& s : contents.latest) {
    index.samples.push_back({std::move(s.task_id), s.epoch, std::move(s.end), s.passed,
                             s.infrastructure_error, s.offset, s.length});
  }
  return index;
}

StatusOr<SampleRecord> RunLog::ReadSampleAt(const std::string& path, uint64_t offset,
                                            uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kNotFound, "cannot open run log " + path + ": " + strerror(errno));
  }
  struct stat st {};
  std::string member;
  const std::string where =
      "offset " + std::to_string(offset) + " and length " + std::to_string(length);
  Status status = [&]() -> Status {
    if (::fstat(fd, &st) != 0) {
      return UnavailableError("cannot read the run log " + path + ": " + strerror(errno));
    }
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    if (length < 18 || length > kMaxRecordBytes || offset > size || length > size - offset) {
      return InvalidArgumentError(where + " are not a record of the run log " + path + " (" +
                                  std::to_string(size) + " bytes)");
    }
    member.resize(static_cast<size_t>(length));
    size_t filled = 0;
    while (filled < member.size()) {
      ssize_t got = ::pread(fd, member.data() + filled, member.size() - filled,
                            static_cast<off_t>(offset + filled));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        return UnavailableError("cannot read the run log " + path + ": " + strerror(errno));
      filled += static_cast<size_t>(got);
    }
    return OkStatus();
  }();
  ::close(fd);
  BW_RETURN_IF_ERROR(status);
  // The member must inflate whole, its check holding, and end exactly at `length`.
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string text(std::min<size_t>(kMaxRecordBytes, std::max<size_t>(4096, member.size() * 4)),
                   '\0');
  z.next_in = reinterpret_cast<Bytef*>(member.data());
  z.avail_in = static_cast<uInt>(member.size());
  size_t used = 0;
  int rc = Z_OK;
  while (rc == Z_OK || rc == Z_BUF_ERROR) {
    if (used == text.size()) {
      if (text.size() >= kMaxRecordBytes) break;
      text.resize(std::min(text.size() * 2, kMaxRecordBytes));
    }
    z.next_out = reinterpret_cast<Bytef*>(text.data() + used);
    z.avail_out = static_cast<uInt>(text.size() - used);
    const uInt before_in = z.avail_in, before_out = z.avail_out;
    rc = inflate(&z, Z_NO_FLUSH);
    used = text.size() - z.avail_out;
    if (rc == Z_BUF_ERROR && z.avail_in == before_in && z.avail_out == before_out) break;
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) {
    return InvalidArgumentError(where + " of the run log " + path +
                                " are not one whole record: give an offset and length from the "
                                "log's index");
  }
  text.resize(used);
  std::optional<boost::json::object> record = ParseRecord(text);
  if (!record) {
    return InvalidArgumentError("the record at " + where + " of the run log " + path +
                                " is not a JSON object: the log is damaged there");
  }
  if (StringField(*record, "type") != "sample") {
    return InvalidArgumentError(
        "the record at " + where + " of the run log " + path + " is not a sample record" +
        (StringField(*record, "type") == "run" ? " (it is the run's header)" : ""));
  }
  SampleRecord sample{SummaryFrom(*record), TranscriptFrom(*record)};
  sample.summary.offset = offset;
  sample.summary.length = length;
  return sample;
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

StatusOr<std::pair<uint64_t, uint64_t>> RunLog::WriteRecord(const std::string& member) {
  if (fd_ < 0) return std::make_pair(uint64_t{0}, static_cast<uint64_t>(member.size()));
  std::lock_guard<std::mutex> lock(mutex_);
  off_t start = ::lseek(fd_, 0, SEEK_END);
  if (start < 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot seek in run log " + path_ + ": " + strerror(errno));
  }
  size_t written = 0;
  while (written < member.size()) {
    ssize_t n = ::write(fd_, member.data() + written, member.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      // Leave no partial member behind; should that fail too, Open cuts it off next time.
      bool cut = ::ftruncate(fd_, start) == 0;
      return Status(StatusCode::kUnavailable,
                    "cannot append to run log " + path_ + ": " + strerror(err) +
                        (cut ? "" : " (the partial record is cut off when the log is reopened)"));
    }
    written += static_cast<size_t>(n);
  }
  return std::make_pair(static_cast<uint64_t>(start), static_cast<uint64_t>(member.size()));
}

Status RunLog::Append(const SampleResult& result) {
  BW_ASSIGN_OR_RETURN(auto where, WriteRecord(SampleMember(result)));
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
  s.offset = where.first;
  s.length = where.second;
  Remember(std::move(s));
  return Status();
}

}  // namespace bulwark::evals
