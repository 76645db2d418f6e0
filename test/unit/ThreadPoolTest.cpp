// The process thread pool: every index is run exactly once, failures reach the
// caller, and workers that went to sleep after spinning wake for the next loop.
#include "gpt2c/support/ThreadPool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gpt2c {
namespace {

// Runs one loop of `count` indices and checks that each ran exactly once.
void expectEveryIndexOnce(ThreadPool &pool, std::int64_t count) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
  pool.parallelFor(count, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      hits[static_cast<size_t>(i)].fetch_add(1);
  });
  for (std::int64_t i = 0; i < count; ++i)
    ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "index " << i << " of " << count;
}

TEST(ThreadPool, BackToBackLoopsCoverEveryIndexOnce) {
  ThreadPool pool(4);
  for (std::int64_t count : {1, 2, 3, 4, 5, 17, 1000})
    for (int repeat = 0; repeat < 200; ++repeat)
      expectEveryIndexOnce(pool, count);
}

TEST(ThreadPool, WorkersThatSleptWakeForTheNextLoop) {
  ThreadPool pool(3);
  for (int round = 0; round < 3; ++round) {
    // Longer than the spin: every worker is asleep on the condition variable.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    expectEveryIndexOnce(pool, 64);
  }
}

TEST(ThreadPool, SlowWorkerChunkIsAwaited) {
  ThreadPool pool(2);
  std::atomic<int> finished{0};
  pool.parallelFor(2, [&](std::int64_t begin, std::int64_t) {
    if (begin == 1) // the worker's chunk outlasts the caller's spin
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    finished.fetch_add(1);
  });
  EXPECT_EQ(finished.load(), 2);
}

TEST(ThreadPool, WorkerExceptionReachesTheCaller) {
  ThreadPool pool(2);
  auto failInWorker = [](std::int64_t begin, std::int64_t) {
    if (begin != 0)
      throw std::runtime_error("chunk failed");
  };
  EXPECT_THROW(pool.parallelFor(2, failInWorker), std::runtime_error);
  expectEveryIndexOnce(pool, 10); // the pool is still usable
}

TEST(ThreadPool, NestedLoopsRunSerially) {
  ThreadPool pool(2);
  std::atomic<std::int64_t> total{0};
  pool.parallelFor(4, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      pool.parallelFor(10, [&](std::int64_t b, std::int64_t e) { total.fetch_add(e - b); });
  });
  EXPECT_EQ(total.load(), 40);
}

TEST(ThreadPool, CallersFromSeveralThreadsTakeTurns) {
  ThreadPool pool(2);
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&] {
      for (int repeat = 0; repeat < 100; ++repeat)
        expectEveryIndexOnce(pool, 37);
    });
  for (std::thread &caller : callers)
    caller.join();
}

} // namespace
} // namespace gpt2c
