// The run log: an append-only, compressed record of one evaluation run, from which an
// interrupted run resumes.
//
// The file is a sequence of gzip members (so `zcat` reads it whole), each holding one JSON line:
// first the run's header (suite name, version and content hash, provider, model, base URL,
// epochs), then one record per finished sample (task, epoch, how it ended, score, attempts,
// tokens, time, error kind and message, and its transcript). A member is written whole with one
// write(2); a crash can leave at most a torn last member, which Open reports and cuts off before
// appending. A sample whose latest record is an infrastructure error counts as not done, so a
// re-run tries it again.
//
// Thread-safety: Append may be called from many threads; the log serializes writes (mutex_).
//
//   BW_ASSIGN_OR_RETURN(std::unique_ptr<RunLog> log, RunLog::Open(path, header));
//   if (!log->Done(task.id, epoch)) log->Append(RunSample(...));
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
};

// A run log as read, without opening it for writing.
struct RunLogContents {
  RunHeader header;
  std::vector<SampleSummary> latest;  // the latest record of each (task, epoch)
  size_t torn_records = 0;            // a torn last record, left as it is
};

class RunLog {
 public:
  // Reads the log at `path`: InvalidArgument when it is not a run log, DataLoss when a record
  // inside it is damaged.
  static StatusOr<RunLogContents> Read(const std::string& path);

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
  Status WriteRecord(const std::string& json_line);
  void Remember(SampleSummary summary);

  std::string path_;
  int fd_;  // -1: in memory only
  RunHeader header_;
  size_t torn_records_ = 0;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, size_t> index_;  // GUARDED_BY(mutex_)
  std::vector<SampleSummary> latest_;                    // GUARDED_BY(mutex_)
};

}  // namespace bulwark::evals
