#pragma once
// CUDA graphs of phase steps: the launches of one phase for one (batch, tokens)
// captured once from a stream and replayed with one cuGraphLaunch, which saves
// the per-kernel launch cost of decode's many small kernels. Kernels read B, T
// and P from device memory, so one graph serves every step of its grid. At most
// `capacity` graphs are kept; the oldest goes first.
#include "CudaDriver.h"

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

namespace gpt2c::gpu {

class GraphCache {
public:
  GraphCache(const CudaDriver &driver, std::size_t capacity);
  ~GraphCache();
  GraphCache(const GraphCache &) = delete;
  GraphCache &operator=(const GraphCache &) = delete;

  // Launches the graph of (phase, batch, tokens) on `stream`, capturing it from
  // what `enqueue` puts on the stream the first time.
  void launch(const std::string &phase, std::int64_t batch, std::int64_t tokens,
              cuda::Stream stream, const std::function<void()> &enqueue);
  std::size_t size() const { return graphs_.size(); }

private:
  struct Entry {
    std::string phase;
    std::int64_t batch = 0, tokens = 0;
    cuda::GraphExec exec = nullptr;
  };
  cuda::GraphExec capture(cuda::Stream stream, const std::function<void()> &enqueue);

  const CudaDriver &driver_;
  std::size_t capacity_;
  std::deque<Entry> graphs_; // oldest first
};

} // namespace gpt2c::gpu
