// The process thread pool: every index is run exactly once, free threads take the
// chunks a busy one has not started, failures reach the caller, and workers that
// went to sleep after spinning wake for the next loop.
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

TEST(ThreadPool, SlowChunkIsAwaited) {
  ThreadPool pool(2);
  std::atomic<int> finished{0};
  pool.parallelFor(2, [&](std::int64_t begin, std::int64_t) {
    if (begin == 1) // outlasts the spin of whichever thread waits
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    finished.fetch_add(1);
  });
  EXPECT_EQ(finished.load(), 2);
}

TEST(ThreadPool, FreeThreadsTakeTheChunksOfABusyOne) {
  // The thread that takes index 0 waits until every other index is done: with one
  // fixed chunk per thread it would wait on its own indices 1 to 3 and time out.
  ThreadPool pool(2);
  std::atomic<int> othersDone{0};
  bool othersFinishedFirst = false;
  pool.parallelFor(8, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      if (i != 0) {
        othersDone.fetch_add(1);
        continue;
      }
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (othersDone.load() < 7 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      othersFinishedFirst = othersDone.load() == 7;
    }
  });
  EXPECT_TRUE(othersFinishedFirst);
  EXPECT_EQ(othersDone.load(), 7);
}

TEST(ThreadPool, ChunkExceptionReachesTheCaller) {
  ThreadPool pool(2);
  for (std::int64_t failing : {0, 1, 5}) {
    auto failOne = [&](std::int64_t begin, std::int64_t end) {
      if (begin <= failing && failing < end)
        throw std::runtime_error("chunk failed");
    };
    EXPECT_THROW(pool.parallelFor(6, failOne), std::runtime_error) << "index " << failing;
  }
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
