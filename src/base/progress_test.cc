#include "base/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"

namespace bulwark {
namespace {

// Everything written to a memory stream, read back after the writer is done.
class Capture {
 public:
  Capture() : file_(open_memstream(&data_, &size_)) {}
  ~Capture() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(data_);
  }
  FILE* file() { return file_; }
  std::string Text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

TEST(Progress, DrawsNothingWhenNotATerminal) {
  Capture out;
  FakeClock clock(FromUnixMicros(0));
  Progress progress("import", 10, out.file(), clock);
  clock.Advance(Seconds(1));
  progress.Advance(5);
  progress.Finish();
  EXPECT_EQ(out.Text(), "");
  EXPECT_EQ(progress.count(), 5);
}

TEST(Progress, DrawsBarRateAndEtaAtMostTenTimesASecond) {
  Capture out;
  FakeClock clock(FromUnixMicros(0));
  Progress progress("import", 200, out.file(), clock);
  progress.PretendTerminalForTest();

  progress.Advance(10);  // too soon after the start: no redraw
  EXPECT_EQ(out.Text(), "");

  clock.Advance(Seconds(1));
  progress.Advance(40);
  EXPECT_EQ(out.Text(),
            "\rimport [#######-----------------------] 50/200  25%  50/s  ETA 3s\033[K");

  clock.Advance(std::chrono::milliseconds(50));
  progress.Advance(1);  // within 100 ms of the last draw
  EXPECT_EQ(out.Text().size(),
            std::string("\rimport [#######-----------------------] 50/200  25%  50/s  ETA 3s\033[K")
                .size());

  clock.Advance(Seconds(3));
  progress.Advance(149);
  progress.Finish();
  std::string text = out.Text();
  EXPECT_NE(text.find("\rimport [##############################] 200/200 100%  49/s\033[K\n"),
            std::string::npos)
      << text;
  progress.Advance(1);
  progress.Finish();
  EXPECT_EQ(out.Text(), text);
}

TEST(Progress, UnknownTotalShowsCountAndRateOnly) {
  Capture out;
  FakeClock clock(FromUnixMicros(0));
  Progress progress("records", 0, out.file(), clock);
  progress.PretendTerminalForTest();
  clock.Advance(Minutes(2));
  progress.Advance(1200);
  EXPECT_EQ(out.Text(), "\rrecords 1200  10/s\033[K");
}

TEST(Progress, LongEtasUseMinutesAndHoursAndTotalsGrow) {
  Capture out;
  FakeClock clock(FromUnixMicros(0));
  Progress progress("scan", 100, out.file(), clock);
  progress.PretendTerminalForTest();
  clock.Advance(Seconds(10));
  progress.Advance(1);  // 0.1/s, 99 left
  EXPECT_NE(out.Text().find("ETA 16m30s"), std::string::npos) << out.Text();
  progress.AddToTotal(900);
  clock.Advance(Seconds(10));
  progress.Advance(1);  // 0.1/s, 998 left
  EXPECT_NE(out.Text().find("2/1000   0%  0/s  ETA 2h46m"), std::string::npos) << out.Text();
}

TEST(Progress, CountsEveryAdvanceFromManyThreads) {
  Capture out;
  FakeClock clock(FromUnixMicros(0));
  Progress progress("work", 4000, out.file(), clock);
  progress.PretendTerminalForTest();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        clock.Advance(std::chrono::milliseconds(1));
        progress.Advance();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  progress.Finish();
  EXPECT_EQ(progress.count(), 4000);
  EXPECT_NE(out.Text().find("4000/4000 100%"), std::string::npos);
}

}  // namespace
}  // namespace bulwark
