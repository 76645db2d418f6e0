#include "gpt2c/support/ThreadPool.h"

#include <algorithm>
#include <chrono>
#include <memory>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gpt2c {
namespace {

thread_local bool insideParallelRegion = false;
std::atomic<unsigned> defaultThreads{0};

// How long a thread polls before it sleeps: longer than the gap between the
// parallel loops of one decode step, short enough that an idle process soon
// stops using its cores.
constexpr auto kSpinTime = std::chrono::microseconds(200);

void relaxCpu() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Polls `ready` until it holds or kSpinTime has passed; returns its last value.
template <typename Ready> bool spinUntil(Ready ready) {
  auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned polls = 1;; ++polls) {
    if (ready())
      return true;
    relaxCpu();
    // Reading the clock costs more than a poll: look at it every 64 polls.
    if (polls % 64 == 0 && std::chrono::steady_clock::now() >= deadline)
      return ready();
  }
}

// Chunk `index` of `parts` equal chunks of [0, count).
std::pair<std::int64_t, std::int64_t> chunk(std::int64_t count, unsigned parts, unsigned index) {
  std::int64_t begin = count * index / parts, end = count * (index + 1) / parts;
  return {begin, end};
}

} // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

bool ThreadPool::awaitWork(std::uint64_t seen) {
  auto ready = [&] {
    return stopping_.load(std::memory_order_acquire) ||
           generation_.load(std::memory_order_acquire) != seen;
  };
  if (!spinUntil(ready)) {
    std::unique_lock lock(mutex_);
    ++sleepingWorkers_;
    wake_.wait(lock, ready);
    --sleepingWorkers_;
  }
  return !stopping_.load(std::memory_order_acquire);
}

void ThreadPool::workerLoop(unsigned index) {
  std::uint64_t seen = 0;
  while (awaitWork(seen)) {
    seen = generation_.load(std::memory_order_acquire);
    auto [begin, end] = chunk(count_, size(), index);
    std::exception_ptr failure;
    if (begin < end) {
      insideParallelRegion = true;
      try {
        (*body_)(begin, end);
      } catch (...) {
        failure = std::current_exception();
      }
      insideParallelRegion = false;
    }
    if (failure) {
      std::lock_guard lock(mutex_);
      if (!error_)
        error_ = failure;
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The last chunk: wake the caller if it went to sleep. Taking the mutex
      // orders this against the caller's check of pending_ before it sleeps.
      std::lock_guard lock(mutex_);
      if (callerSleeping_)
        done_.notify_one();
    }
  }
}

void ThreadPool::awaitWorkers() {
  auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spinUntil(finished))
    return;
  std::unique_lock lock(mutex_);
  callerSleeping_ = true;
  done_.wait(lock, finished);
  callerSleeping_ = false;
}

void ThreadPool::parallelFor(std::int64_t count,
                             const std::function<void(std::int64_t, std::int64_t)> &body) {
  if (count <= 0)
    return;
  if (workers_.empty() || insideParallelRegion || count == 1) {
    body(0, count);
    return;
  }
  std::lock_guard turn(callMutex_);
  bool anyAsleep;
  {
    std::lock_guard lock(mutex_);
    body_ = &body;
    count_ = count;
    error_ = nullptr;
    pending_.store(unsigned(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    anyAsleep = sleepingWorkers_ > 0;
  }
  if (anyAsleep)
    wake_.notify_all();
  auto [begin, end] = chunk(count, size(), 0);
  std::exception_ptr failure;
  insideParallelRegion = true;
  try {
    if (begin < end)
      body(begin, end);
  } catch (...) {
    failure = std::current_exception();
  }
  insideParallelRegion = false;
  awaitWorkers();
  if (!failure) {
    std::lock_guard lock(mutex_);
    failure = error_;
  }
  if (failure)
    std::rethrow_exception(failure);
}

ThreadPool &ThreadPool::global() {
  static ThreadPool pool(defaultThreads.load());
  return pool;
}

void ThreadPool::setDefaultThreads(unsigned threads) { defaultThreads = threads; }

} // namespace gpt2c
