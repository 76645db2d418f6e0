#pragma once
// A fixed set of worker threads for data-parallel loops. One pool serves a whole
// process so that nested libraries never oversubscribe the cores.
//
// A decode step runs dozens of short parallel loops back to back, so idle workers
// and a caller waiting for its chunks spin for a short while before they sleep on
// a condition variable: waking a sleeping thread costs tens of microseconds. With
// more threads than cores they do not spin: a spinning thread would take the core
// of one with work.
#include <atomic>
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

  // Calls body(begin, end) on disjoint chunks covering [0, count) and returns when
  // all are done. Threads take chunks in order as they become free (about four per
  // thread, single indices when count is small), so a thread that was slowed down
  // takes fewer. The first exception thrown by a chunk is rethrown here. Calls from
  // inside a chunk run serially; calls from several outside threads take turns.
  void parallelFor(std::int64_t count, const std::function<void(std::int64_t, std::int64_t)> &body);

  // The process-wide pool (sized once, by the first call or setDefaultThreads).
  static ThreadPool &global();
  static void setDefaultThreads(unsigned threads);

private:
  void workerLoop();
  // Waits until `generation_` differs from `seen` or the pool stops; false when stopping.
  bool awaitWork(std::uint64_t seen);
  void awaitWorkers();
  // Runs chunks of the current loop until none is left; returns the first failure.
  std::exception_ptr runChunks();

  std::vector<std::thread> workers_;
  std::mutex callMutex_; // one parallelFor at a time from outside the pool
  // Guards the sleepers and the error, and orders a sleeper's check against a wake-up.
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // The loop being run; written before `generation_` is bumped (release) and read
  // after a worker sees the new generation (acquire).
  const std::function<void(std::int64_t, std::int64_t)> *body_ = nullptr;
  std::int64_t count_ = 0, grain_ = 1;
  std::atomic<std::int64_t> next_{0}; // the first index no thread has taken yet
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> stopping_{false};
  bool spin_ = true; // at most one thread per core
  unsigned sleepingWorkers_ = 0; // under mutex_
  bool callerSleeping_ = false;  // under mutex_
  std::exception_ptr error_;     // under mutex_
};

} // namespace gpt2c
