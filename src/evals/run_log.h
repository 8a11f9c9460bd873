// The run log: an append-only, compressed record of one evaluation run, from which an
// interrupted run resumes.
//
// The file is a sequence of gzip members (so `zcat` reads it whole), each holding one JSON line:
// first the run's header (suite name, version and content hash, provider, model, base URL,
// epochs), then one record per finished sample (task, epoch, how it ended, score, attempts,
// tokens, time, error kind and message, and its transcript, last). A member is written whole
// with one write(2); a crash can leave at most a torn last member, which Open reports and cuts
// off before appending. A sample whose latest record is an infrastructure error counts as not
// done, so a re-run tries it again.
//
// Each member carries its own length and its head's CRC-32 in its gzip header, and a sample's
// summary (everything but the transcript) stored uncompressed in deflate blocks of its own
// (docs/run-log.md): reading a whole log inflates no transcript, skipping from member to member,
// and any one sample opens from its offset and length alone (ReadSampleAt), as the report's
// sample viewer does. Members without the length (older logs) are read by inflating them whole.
//
// Thread-safety: Append may be called from many threads; the log serializes writes (mutex_).
// Read, Index and ReadSampleAt are functions of the file alone.
//
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<RunLog> log, RunLog::Open(path, header));
//   if (!log->Done(task.id, epoch)) log->Append(RunSample(...));
//
//   BW_ASSIGN_OR_RETURN(RunLogIndex index, RunLog::Index(path));
//   BW_ASSIGN_OR_RETURN(SampleRecord sample, RunLog::ReadSampleAt(path, index.samples[i].offset,
//                                                                  index.samples[i].length));
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "evals/agent_loop.h"

namespace bulwark::evals {

// What identifies a run: a log is resumed only by a run with the same header (epochs may grow).
struct RunHeader {
  std::string suite;
  std::string suite_version;
  std::string suite_hash;
  std::string provider;  // "openai" or "anthropic"
  std::string model;
  std::string base_url;
  int epochs = 1;
  std::string started_at;  // RFC 3339, of the first run
};

// A sample record as read back (without its transcript).
struct SampleSummary {
  std::string task_id;
  int epoch = 1;
  std::string end;  // SampleEndName
  bool passed = false;
  bool infrastructure_error = false;
  double score = 0;
  int attempts = 0;
  int messages = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double seconds = 0;
  std::string error_kind;
  std::string error_message;
  // Where the record is: its gzip member's byte offset in the log and its length.
  uint64_t offset = 0;
  uint64_t length = 0;
};

// A run log as read, without opening it for writing.
struct RunLogContents {
  RunHeader header;
  uint64_t header_length = 0;         // the header's gzip member, at offset 0
  std::vector<SampleSummary> latest;  // the latest record of each (task, epoch)
  size_t records = 0;                 // sample records read, superseded ones included
  // Records left out: a torn last record (left as it is), and damaged ones in the middle that
  // were skipped.
  size_t torn_records = 0;
};

// Where a sample's latest record is: enough to list a run's samples and to open any one.
struct SampleLocation {
  std::string task_id;
  int epoch = 1;
  std::string end;  // SampleEndName
  bool passed = false;
  bool infrastructure_error = false;
  uint64_t offset = 0;  // of its gzip member in the log
  uint64_t length = 0;
};

struct RunLogIndex {
  RunHeader header;
  std::vector<SampleLocation> samples;  // the latest record of each (task, epoch)
  size_t torn_records = 0;
};

// One sample record whole, its transcript included.
struct SampleRecord {
  SampleSummary summary;
  std::vector<TranscriptEntry> transcript;
};

class RunLog {
 public:
  // Reads the log at `path` (the summaries, not the transcripts): NotFound when it cannot be
  // opened, InvalidArgument when it is not a run log. Damaged or torn records are left out and
  // counted (torn_records).
  static StatusOr<RunLogContents> Read(const std::string& path);

  // The latest record of each sample, with where it is in the log.
  static StatusOr<RunLogIndex> Index(const std::string& path);

  // The sample record whose gzip member is `length` bytes at `offset` of the log at `path`, as
  // Index gives them. InvalidArgument, saying why, when those bytes are not one whole member
  // (out of the file, cut, damaged) or hold no sample record (the run's header, say).
  static StatusOr<SampleRecord> ReadSampleAt(const std::string& path, uint64_t offset,
                                             uint64_t length);

  // Opens `path`, creating it with `header`, or reads an existing log: FailedPrecondition when
  // its header names another suite (or suite content), provider or model, saying which; a torn
  // last record is cut off (and counted in torn_records()).
  static StatusOr<std::unique_ptr<RunLog>> Open(const std::string& path, const RunHeader& header);

  // A log kept in memory only, for runs whose caller keeps the results itself (the validity
  // checks of validity.h): Done and Latest work as above, Append never fails, nothing is
  // written.
  static std::unique_ptr<RunLog> InMemory(const RunHeader& header);

  ~RunLog();

  // Whether (task, epoch) has a result that is not an infrastructure error.
  bool Done(const std::string& task_id, int epoch) const;

  // The latest record of each (task, epoch), in the order first recorded.
  std::vector<SampleSummary> Latest() const;

  // Appends a finished sample. Unavailable when the write fails (disk full); nothing earlier is
  // lost.
  Status Append(const SampleResult& result);

  const RunHeader& header() const { return header_; }
  size_t torn_records() const { return torn_records_; }

 private:
  RunLog(std::string path, int fd, RunHeader header);
  // Appends one member; returns its offset and length.
  StatusOr<std::pair<uint64_t, uint64_t>> WriteRecord(const std::string& member);
  void Remember(SampleSummary summary);

  std::string path_;
  int fd_;  // -1: in memory only
  RunHeader header_;
  size_t torn_records_ = 0;
  mutable std::mutex mutex_;
  struct KeyHash {
    size_t operator()(const std::pair<std::string, int>& key) const;
  };
  std::unordered_map<std::pair<std::string, int>, size_t, KeyHash> index_;  // GUARDED_BY(mutex_)
  std::vector<SampleSummary> latest_;                                       // GUARDED_BY(mutex_)
};

}  // namespace bulwark::evals
