#include "vuln/advisory_source.h"

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <vector>

namespace bulwark::vuln {
namespace {

namespace fs = std::filesystem;

using OnAdvisory = std::function<Status(Advisory&&, std::string_view)>;
using OnProblem = std::function<void(const AdvisoryProblem&)>;

std::string TooLarge() {
  return "the record is larger than " + std::to_string(kMaxRecordBytes >> 20) + " MiB";
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  std::string_view tail = s.substr(s.size() - suffix.size());
  return std::equal(tail.begin(), tail.end(), suffix.begin(), [](unsigned char a, unsigned char b) {
    return std::tolower(a) == std::tolower(b);
  });
}

// Where records go once read: validated to `on_advisory`, the rest to `on_problem`; `progress`
// advances once per record either way.
class Sink {
 public:
  Sink(const OnAdvisory& on_advisory, const OnProblem& on_problem, Progress* progress)
      : on_advisory_(on_advisory), on_problem_(on_problem), progress_(progress) {}

  // One record's text, read from `file`.
  Status Record(const std::string& file, std::string_view text) {
    StatusOr<Advisory> advisory = ParseOsvAdvisory(text);
    if (!advisory.ok()) {
      Problem(file, advisory.status().message());
      return OkStatus();
    }
    Status s = on_advisory_(std::move(advisory).value(), text);
    Advance();
    return s;
  }

  void Problem(const std::string& file, std::string reason) {
    on_problem_(AdvisoryProblem{file, std::move(reason)});
    Advance();
  }

  void AddToTotal(int64_t n) {
    if (progress_ != nullptr) progress_->AddToTotal(n);
  }
  void Advance() {
    if (progress_ != nullptr) progress_->Advance();
  }

 private:
  const OnAdvisory& on_advisory_;
  const OnProblem& on_problem_;
  Progress* progress_;
};

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Reads a file in blocks, one byte at a time for the caller.
class ByteReader {
 public:
  explicit ByteReader(FILE* file) : file_(file) {}

  // The next byte, or EOF at the end of the file or on a read error (see failed()).
  int Next() {
    if (pos_ == end_) {
      end_ = std::fread(buffer_, 1, sizeof buffer_, file_);
      pos_ = 0;
      if (end_ == 0) return EOF;
    }
    ++offset_;
    return static_cast<unsigned char>(buffer_[pos_++]);
  }
  // Returns the last byte read to the stream.
  void Unread() {
    --pos_;
    --offset_;
  }
  // The next byte that is not JSON whitespace, or EOF.
  int NextNonSpace() {
    int c;
    do {
      c = Next();
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    return c;
  }
  bool failed() const { return std::ferror(file_) != 0; }
  int64_t offset() const { return offset_; }

 private:
  FILE* file_;
  char buffer_[64 * 1024];
  size_t pos_ = 0;
  size_t end_ = 0;
  int64_t offset_ = 0;
};

// Reads the rest of `reader` as one record, keeping at most kMaxRecordBytes + 1 bytes.
// Returns false when the record is too large.
bool ReadWhole(ByteReader& reader, std::string* text) {
  for (int c = reader.Next(); c != EOF; c = reader.Next()) {
    if (static_cast<int64_t>(text->size()) == kMaxRecordBytes) return false;
    text->push_back(static_cast<char>(c));
  }
  return true;
}

// Reads one JSON value of an array into `text` (up to kMaxRecordBytes; past that the value is
// scanned to its end but not kept, and `too_large` is set). Only the value's extent is found
// here, by tracking strings and nesting; ParseOsvAdvisory checks the rest. Returns false when
// the file ends inside the value.
bool ReadArrayElement(ByteReader& reader, int first, std::string* text, bool* too_large) {
  auto keep = [&](int c) {
    if (static_cast<int64_t>(text->size()) < kMaxRecordBytes) {
      text->push_back(static_cast<char>(c));
    } else {
      *too_large = true;
    }
  };
  if (first != '{' && first != '[' && first != '"') {
    // A scalar: runs to the next delimiter, which is left for the caller.
    for (int c = first; c != EOF; c = reader.Next()) {
      if (c == ',' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        reader.Unread();
        return true;
      }
      keep(c);
    }
    return true;
  }
  int64_t depth = 0;
  bool in_string = false, escaped = false;
  for (int c = first; c != EOF; c = reader.Next()) {
    keep(c);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
        if (depth == 0) return true;  // a string scalar
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return true;
    }
  }
  return false;
}

// A file holding one record, or a JSON array of records read one element at a time.
Status ReadJsonFile(const fs::path& path, const std::string& name, Sink& sink) {
  File file(std::fopen(path.c_str(), "rb"));
  if (file == nullptr) {
    sink.Problem(name, std::string("cannot open: ") + std::strerror(errno));
    return OkStatus();
  }
  ByteReader reader(file.get());
  int first = reader.NextNonSpace();
  if (first != '[') {
    // One record: read it whole, with its leading whitespace, as it is on disk.
    std::fseek(file.get(), 0, SEEK_SET);
    ByteReader whole(file.get());
    std::string text;
    if (!ReadWhole(whole, &text)) {
      sink.Problem(name, TooLarge());
    } else if (whole.failed()) {
      sink.Problem(name, std::string("read error: ") + std::strerror(errno));
    } else {
      BW_RETURN_IF_ERROR(sink.Record(name, text));
    }
    return OkStatus();
  }
  int64_t elements = 0;
  int c = reader.NextNonSpace();
  if (c == ']') {
    sink.Advance();  // the file was counted as one record; it holds none
  } else {
    while (true) {
      if (elements > 0) sink.AddToTotal(1);
      std::string element_name = name + "[" + std::to_string(elements) + "]";
      std::string text;
      bool too_large = false;
      if (!ReadArrayElement(reader, c, &text, &too_large)) {
        sink.Problem(element_name, reader.failed() ? "read error" : "the file ends inside it");
        return OkStatus();
      }
      ++elements;
      if (too_large) {
        sink.Problem(element_name, TooLarge());
      } else {
        BW_RETURN_IF_ERROR(sink.Record(element_name, text));
      }
      c = reader.NextNonSpace();
      if (c == ']') break;
      if (c != ',') {
        sink.Problem(name, "malformed JSON array at byte " + std::to_string(reader.offset()) +
                               ": expected ',' or ']' after element " +
                               std::to_string(elements - 1) + "; the rest of the file is skipped");
        return OkStatus();
      }
      c = reader.NextNonSpace();
    }
  }
  if (reader.NextNonSpace() != EOF) {
    sink.Problem(name, "unexpected data after the closing ']' of the array is skipped");
  }
  return OkStatus();
}

Status ReadDirectory(const fs::path& root, Sink& sink) {
  std::error_code ec;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return InvalidArgumentError(root.string() + ": cannot list: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return InvalidArgumentError(root.string() + ": cannot list: " + ec.message());
    const fs::path& p = it->path();
    std::string filename = p.filename().string();
    if (it->is_directory(ec)) {
      if (!filename.empty() && filename[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (EndsWith(filename, ".json") && it->is_regular_file(ec)) files.push_back(p);
  }
  if (ec) return InvalidArgumentError(root.string() + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  sink.AddToTotal(static_cast<int64_t>(files.size()));
  for (const fs::path& file : files) {
    BW_RETURN_IF_ERROR(ReadJsonFile(file, file.string(), sink));
  }
  return OkStatus();
}

struct ZipDiscarder {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

// Reads entry `index` of `archive`, or says why it cannot be read.
StatusOr<std::string> ReadZipEntry(zip_t* archive, zip_uint64_t index) {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive, index, 0, &stat) != 0) {
    return DataLossError(std::string("cannot read the entry: ") + zip_strerror(archive));
  }
  // The declared size is checked first so that a zip bomb costs nothing; the data is still
  // capped while reading, since the declaration may lie.
  if ((stat.valid & ZIP_STAT_SIZE) && stat.size > static_cast<zip_uint64_t>(kMaxRecordBytes)) {
    return ResourceExhaustedError(TooLarge() + " (" + std::to_string(stat.size) +
                                  " bytes uncompressed)");
  }
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(archive, index, 0));
  if (file == nullptr) {
    return DataLossError(std::string("cannot open the entry: ") + zip_strerror(archive));
  }
  std::string text;
  if (stat.valid & ZIP_STAT_SIZE) text.reserve(stat.size);
  char buffer[64 * 1024];
  while (true) {
    zip_int64_t n = zip_fread(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      return DataLossError(std::string("corrupt entry: ") + zip_file_strerror(file.get()));
    }
    if (n == 0) break;
    if (static_cast<int64_t>(text.size()) + n > kMaxRecordBytes) {
      return ResourceExhaustedError(TooLarge());
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

Status ReadZip(const fs::path& path, Sink& sink) {
  int error = 0;
  std::unique_ptr<zip_t, ZipDiscarder> archive(zip_open(path.c_str(), ZIP_RDONLY, &error));
  if (archive == nullptr) {
    zip_error_t zip_error;
    zip_error_init_with_code(&zip_error, error);
    std::string reason = zip_error_strerror(&zip_error);
    zip_error_fini(&zip_error);
    return InvalidArgumentError(path.string() + ": not a readable zip archive: " + reason);
  }
  zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  std::vector<std::pair<std::string, zip_uint64_t>> entries;
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    if (name != nullptr && EndsWith(name, ".json")) {
      entries.emplace_back(name, static_cast<zip_uint64_t>(i));
    }
  }
  std::sort(entries.begin(), entries.end());
  sink.AddToTotal(static_cast<int64_t>(entries.size()));
  std::string prefix = path.filename().string() + ":";
  for (const auto& [name, index] : entries) {
    StatusOr<std::string> text = ReadZipEntry(archive.get(), index);
    if (!text.ok()) {
      sink.Problem(prefix + name, text.status().message());
    } else {
      BW_RETURN_IF_ERROR(sink.Record(prefix + name, *text));
    }
  }
  return OkStatus();
}

}  // namespace

Status ReadAdvisories(const std::string& path, const OnAdvisory& on_advisory,
                      const OnProblem& on_problem, Progress* progress) {
  try {
    Sink sink(on_advisory, on_problem, progress);
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return InvalidArgumentError(path + ": " + ec.message());
    }
    if (!fs::exists(status)) return NotFoundError(path + ": no such file or directory");
    if (fs::is_directory(status)) return ReadDirectory(path, sink);
    if (fs::is_regular_file(status) && EndsWith(path, ".zip")) return ReadZip(path, sink);
    if (fs::is_regular_file(status) && EndsWith(path, ".json")) {
      sink.AddToTotal(1);
      return ReadJsonFile(path, path, sink);
    }
    return InvalidArgumentError(path +
                                ": not an advisory source (a directory, a .zip or a .json file)");
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError(path + ": out of memory reading advisories");
  } catch (const std::exception& e) {
    return InternalError(path + ": " + e.what());
  }
}

}  // namespace bulwark::vuln
