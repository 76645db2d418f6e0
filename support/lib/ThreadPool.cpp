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

// Polls `ready` until it holds or kSpinTime has passed (not at all when `spin` is
// false); returns its last value.
template <typename Ready> bool spinUntil(bool spin, Ready ready) {
  if (!spin)
    return ready();
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

} // namespace

ThreadPool::ThreadPool(unsigned threads) {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (threads == 0)
    threads = cores;
  spin_ = threads <= cores;
  for (unsigned i = 1; i < threads; ++i)
    workers_.emplace_back([this] { workerLoop(); });
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
  if (!spinUntil(spin_, ready)) {
    std::unique_lock lock(mutex_);
    ++sleepingWorkers_;
    wake_.wait(lock, ready);
    --sleepingWorkers_;
  }
  return !stopping_.load(std::memory_order_acquire);
}

std::exception_ptr ThreadPool::runChunks() {
  std::exception_ptr failure;
  insideParallelRegion = true;
  for (;;) {
    std::int64_t begin = next_.fetch_add(grain_, std::memory_order_relaxed);
    if (begin >= count_)
      break;
    try {
      (*body_)(begin, std::min(begin + grain_, count_));
    } catch (...) {
      if (!failure)
        failure = std::current_exception();
    }
  }
  insideParallelRegion = false;
  return failure;
}

void ThreadPool::workerLoop() {
  std::uint64_t seen = 0;
  while (awaitWork(seen)) {
    seen = generation_.load(std::memory_order_acquire);
    std::exception_ptr failure = runChunks();
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
  if (spinUntil(spin_, finished))
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
    grain_ = std::max<std::int64_t>(1, count / (4 * std::int64_t(size())));
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    pending_.store(unsigned(workers_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    anyAsleep = sleepingWorkers_ > 0;
  }
  if (anyAsleep)
    wake_.notify_all();
  std::exception_ptr failure = runChunks();
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
