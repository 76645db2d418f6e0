#include "PoolBridge.h"

#include "gpt2c/support/ThreadPool.h"

#include <atomic>

namespace gpt2c::cpu {
namespace {

int32_t poolParallelFor(void *pool, int64_t count, gpt2c_task_fn task, void *closure) {
  std::atomic<int32_t> status{0};
  static_cast<ThreadPool *>(pool)->parallelFor(count, [&](std::int64_t begin, std::int64_t end) {
    if (status.load(std::memory_order_relaxed) != 0)
      return; // a chunk failed: the loop's result is already decided
    if (int32_t result = task(closure, begin, end); result != 0) {
      int32_t none = 0;
      status.compare_exchange_strong(none, result);
    }
  });
  return status.load();
}

} // namespace

const gpt2c_parallel &processParallel() {
  static const gpt2c_parallel parallel{&poolParallelFor, &ThreadPool::global(),
                                       int32_t(ThreadPool::global().size())};
  return parallel;
}

} // namespace gpt2c::cpu
