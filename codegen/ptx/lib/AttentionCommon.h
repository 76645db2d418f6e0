#pragma once
// What the attention kernels share: which (sequence, head) a block serves and
// where a row of the KV caches [B][H][C][D] is.
#include "KernelCommon.h"
#include "gpt2c/codegen/ptx/Kernels.h"

#include "gpt2c/support/Error.h"

#include <string>

namespace gpt2c::ptx {

inline void checkHeadDim(const std::string &name, const AttentionSpec &spec) {
  if (spec.headDim % 4 != 0 || spec.headDim > 1024)
    fail("attention {}: head dimension {} must be a multiple of 4 up to 1024", name, spec.headDim);
}

// The (sequence, head) pair of a block: grid.x runs over B x H.
struct BlockHead {
  Value sequenceHead, sequence, head;
};
inline BlockHead blockHead(KernelWriter &w, const AttentionSpec &spec) {
  Value sequenceHead = w.blockId('x');
  return {sequenceHead, w.divu(sequenceHead, w.index(spec.heads)),
          w.remu(sequenceHead, w.index(spec.heads))};
}

// Offset of row `position` of head `head` of sequence `sequence` in a cache.
inline Value cacheRow(KernelWriter &w, const AttentionSpec &spec, const Value &sequence,
                      const Value &head, const Value &position) {
  Value slot = w.add(w.mul(sequence, w.index(spec.heads)), head);
  return w.mul(w.add(w.mul(slot, w.index(spec.capacity)), position), w.index(spec.headDim));
}

} // namespace gpt2c::ptx
