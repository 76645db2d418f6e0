#pragma once
// A fixed set of worker threads for data-parallel loops. One pool serves a whole
// process so that nested libraries never oversubscribe the cores.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gpt2c {

class ThreadPool {
public:
  // `threads` workers in total, the calling thread included; 0 means one per core.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned size() const { return unsigned(workers_.size()) + 1; }

  // Calls body(begin, end) on disjoint chunks covering [0, count), at most one
  // chunk per thread, and returns when all are done. The first exception thrown
  // by a chunk is rethrown here. Calls from inside a chunk run serially; calls
  // from several outside threads take turns.
  void parallelFor(std::int64_t count, const std::function<void(std::int64_t, std::int64_t)> &body);

  // The process-wide pool (sized once, by the first call or setDefaultThreads).
  static ThreadPool &global();
  static void setDefaultThreads(unsigned threads);

private:
  void workerLoop(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex callMutex_; // one parallelFor at a time from outside the pool
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::int64_t, std::int64_t)> *body_ = nullptr;
  std::int64_t count_ = 0;
  std::uint64_t generation_ = 0;
  unsigned pending_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
};

} // namespace gpt2c
