#pragma once
// A Backend for the generation tests: its logits are a function of the whole
// sequence it was fed, and it records every forward() call. It refuses the calls a
// real backend refuses (empty input, overflowing the context), so loop mistakes
// surface as errors.
#include "gpt2c/runtime/Backend.h"
#include "gpt2c/support/Error.h"

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace gpt2c::test {

struct ForwardCall {
  std::int64_t pastLength;
  std::vector<std::int32_t> tokens;
  bool operator==(const ForwardCall &) const = default;
};

class FakeBackend : public Backend {
public:
  using LogitsFunction = std::function<std::vector<float>(const std::vector<std::int32_t> &)>;

  FakeBackend(std::int64_t vocabSize, std::int64_t contextSize, LogitsFunction logitsFor)
      : logitsFor_(std::move(logitsFor)) {
    config_.vocabSize = vocabSize;
    config_.nPositions = contextSize;
  }

  const ModelConfig &config() const override { return config_; }
  std::string describe() const override { return "fake backend"; }
  void reset() override { sequence_.clear(); }
  std::int64_t pastLength() const override { return static_cast<std::int64_t>(sequence_.size()); }

  std::vector<float> forward(std::span<const std::int32_t> tokens, bool allPositions) override {
    if (tokens.empty())
      fail("fake backend: forward() without tokens");
    if (allPositions)
      fail("fake backend: allPositions is not expected from the generation loop");
    if (pastLength() + static_cast<std::int64_t>(tokens.size()) > config_.nPositions)
      fail("fake backend: {} + {} tokens overflow the context of {}", pastLength(), tokens.size(),
           config_.nPositions);
    calls_.push_back({pastLength(), {tokens.begin(), tokens.end()}});
    sequence_.insert(sequence_.end(), tokens.begin(), tokens.end());
    if (auto delay = calls_.size() == 1 ? prefillDelay : decodeDelay; delay.count() > 0)
      std::this_thread::sleep_for(delay);
    return logitsFor_(sequence_);
  }

  const std::vector<ForwardCall> &calls() const { return calls_; }

  std::chrono::milliseconds prefillDelay{0};
  std::chrono::milliseconds decodeDelay{0};

private:
  ModelConfig config_;
  LogitsFunction logitsFor_;
  std::vector<std::int32_t> sequence_;
  std::vector<ForwardCall> calls_;
};

// Logits of 0 everywhere but 10 at `favoured`: greedy decoding picks it.
inline std::vector<float> favouring(std::int64_t vocabSize, std::int32_t favoured) {
  std::vector<float> logits(static_cast<std::size_t>(vocabSize), 0.0f);
  logits[static_cast<std::size_t>(favoured)] = 10.0f;
  return logits;
}

} // namespace gpt2c::test
