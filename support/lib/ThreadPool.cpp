#include "gpt2c/support/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace gpt2c {
namespace {

thread_local bool insideParallelRegion = false;
std::atomic<unsigned> defaultThreads{0};

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
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

void ThreadPool::workerLoop(unsigned index) {
  std::uint64_t seen = 0;
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_)
      return;
    seen = generation_;
    auto [begin, end] = chunk(count_, size(), index);
    const auto *body = body_;
    lock.unlock();
    std::exception_ptr failure;
    if (begin < end) {
      insideParallelRegion = true;
      try {
        (*body)(begin, end);
      } catch (...) {
        failure = std::current_exception();
      }
      insideParallelRegion = false;
    }
    lock.lock();
    if (failure && !error_)
      error_ = failure;
    if (--pending_ == 0)
      done_.notify_one();
  }
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
  {
    std::lock_guard lock(mutex_);
    body_ = &body;
    count_ = count;
    pending_ = unsigned(workers_.size());
    error_ = nullptr;
    ++generation_;
  }
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
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  if (!failure)
    failure = error_;
  lock.unlock();
  if (failure)
    std::rethrow_exception(failure);
}

ThreadPool &ThreadPool::global() {
  static ThreadPool pool(defaultThreads.load());
  return pool;
}

void ThreadPool::setDefaultThreads(unsigned threads) { defaultThreads = threads; }

} // namespace gpt2c
