#include "GraphCache.h"

#include "gpt2c/support/Error.h"

#include <algorithm>

namespace gpt2c::gpu {

GraphCache::GraphCache(const CudaDriver &driver, std::size_t capacity)
    : driver_(driver), capacity_(std::max<std::size_t>(capacity, 1)) {}

GraphCache::~GraphCache() {
  for (const Entry &entry : graphs_)
    driver_.api().cuGraphExecDestroy(entry.exec);
}

cuda::GraphExec GraphCache::capture(cuda::Stream stream, const std::function<void()> &enqueue) {
  const cuda::DriverApi &api = driver_.api();
  driver_.check(api.cuStreamBeginCapture_v2(stream, cuda::kStreamCaptureModeThreadLocal),
                "cannot begin a CUDA graph capture");
  cuda::Graph graph = nullptr;
  try {
    enqueue();
  } catch (...) {
    // End the capture whatever happened, or the stream stays unusable.
    if (api.cuStreamEndCapture(stream, &graph) == cuda::kSuccess && graph)
      api.cuGraphDestroy(graph);
    throw;
  }
  driver_.check(api.cuStreamEndCapture(stream, &graph), "cannot end the CUDA graph capture");
  cuda::GraphExec exec = nullptr;
  cuda::Result result = api.cuGraphInstantiateWithFlags(&exec, graph, 0);
  api.cuGraphDestroy(graph); // the executable graph keeps what it needs
  driver_.check(result, "cannot instantiate the captured CUDA graph");
  return exec;
}

void GraphCache::launch(const std::string &phase, std::int64_t batch, std::int64_t tokens,
                        cuda::Stream stream, const std::function<void()> &enqueue) {
  auto found = std::find_if(graphs_.begin(), graphs_.end(), [&](const Entry &entry) {
    return entry.phase == phase && entry.batch == batch && entry.tokens == tokens;
  });
  cuda::GraphExec exec = nullptr;
  if (found != graphs_.end()) {
    exec = found->exec;
  } else {
    exec = capture(stream, enqueue);
    if (graphs_.size() == capacity_) {
      driver_.api().cuGraphExecDestroy(graphs_.front().exec);
      graphs_.pop_front();
    }
    graphs_.push_back({phase, batch, tokens, exec});
  }
  driver_.check(driver_.api().cuGraphLaunch(exec, stream), "cuGraphLaunch");
}

} // namespace gpt2c::gpu
