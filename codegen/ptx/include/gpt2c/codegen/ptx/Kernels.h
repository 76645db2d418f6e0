#pragma once
// The sm_90 kernels of the gpt2 ops, each written as a gpu.func for one
// specialisation (shapes, storage types, schedule). Every kernel takes global
// pointers only, the first being the step parameters {batch, tokens, past, 0}
// (int32, runtime/artifact/LAUNCH_PLAN.md); the argument order of each is
// documented on its spec. Activations are float32 row-major [rows][width].
#include <cstdint>
#include <string>

namespace gpt2c::ptx {

struct KernelSource {
  std::string name;     // the .entry symbol
  std::string function; // gpu.func text
  std::string globals;  // shared-memory globals for the enclosing gpu.module
  int64_t blockSize = 0;
};

// Which rows a kernel covers: every token (B * T) or one per sequence (B).
enum class RowSet { Tokens, LastTokens };

// (params, ids, wte, wpe, out [B*T][E]); grid (B*T).
struct EmbedSpec {
  int64_t embd;
  std::string wteType, wpeType; // f32, bf16 or f16
};
KernelSource embedKernel(const std::string &name, const EmbedSpec &spec);

// (params, in, gamma, beta, out); grid (rows).
struct LayerNormSpec {
  int64_t width;
  double epsilon;
};
KernelSource layerNormKernel(const std::string &name, const LayerNormSpec &spec);

// (params, in [B*T][width], out [B][width]): the last token's row of each sequence; grid (B).
KernelSource gatherLastKernel(const std::string &name, int64_t width);

// (params, source [B*T][rowStride] at the head columns, cache [B][H][C][D]): writes
// the T new rows at positions [P, P+T); grid (B*T).
struct KvWriteSpec {
  int64_t heads, headDim, capacity, sourceRowStride;
};
KernelSource kvWriteKernel(const std::string &name, const KvWriteSpec &spec);

// Matrix-vector products for few rows (decode, the pruned last layer, f32 weights):
// out[r][n] = epilogue(sum_k x'[r][k] * W[n][k]) with W stored [N][K]; x' is x or
// its layer norm. (params, x, W, [bias], [gamma, beta], [residual], out);
// grid (ceil(N / (warps * columnsPerWarp)), rows). Each warp streams whole weight
// rows with 16-byte loads, each byte read once per row of x.
struct GemvSpec {
  int64_t k, n;
  std::string weightType;
  bool bias = true, norm = false, gelu = false, residual = false;
  double epsilon = 1e-5;
  int64_t outRowStride = 0; // 0: n
  int64_t warps = 4, columnsPerWarp = 2;
  // The QKV product of decode: columns [E, 3E) (keys, then values) are also
  // written into the caches at position P + t, which saves the cache-write
  // launches. Adds (keys, values) parameters after `out`.
  bool writeCache = false;
  int64_t heads = 0, headDim = 0, capacity = 0;
};
KernelSource gemvKernel(const std::string &name, const GemvSpec &spec);

// Matrix products on tensor cores (mma.sync m16n8k16, bf16 or f16 inputs, float32
// accumulation) for prefill and score: x (float32, rounded to the weight type
// as it is staged in shared memory) times W [N][K]; epilogue as gemv.
// (params, x, W, [bias], [residual], out); grid (ceil(N / tileN), ceil(rows / tileM)).
struct GemmSpec {
  int64_t k, n;
  std::string weightType; // bf16 or f16
  RowSet rows = RowSet::Tokens;
  bool bias = true, gelu = false, residual = false;
  int64_t outRowStride = 0;
  int64_t tileM = 64, tileN = 64, tileK = 32;
  int64_t warpM = 32, warpN = 32; // each warp's part: (tileM / warpM) x (tileN / warpN) warps
};
KernelSource gemmKernel(const std::string &name, const GemmSpec &spec);

// Attention of one query per sequence (decode; the last token of a pruned
// prefill): query at position P + T - 1 over the keys [0, P + T), split in
// chunks of `chunk` keys, one block each; the last block of a (sequence, head) to
// finish, counted in a zeroed counter it sets back to zero, merges the partials.
// (params, qkv, keyCache, valueCache, partial [B*H][splits][D + 2],
// counters uint32 [B*H], out [B][H * D]); grid (B * H, splits).
struct AttentionSpec {
  int64_t heads, headDim, capacity, qRowStride;
  double scale;
  int64_t chunk = 64;    // one-query kernels: keys per block
  int64_t blockQ = 64;   // prefill: queries per block
  int64_t keyTile = 32;  // prefill: keys staged in shared memory at a time
  int64_t keySplit = 4;  // prefill: threads per query, each taking every keySplit-th key
  // Prefill on tensor cores: bf16 or f16 (queries, keys, values and probabilities
  // rounded to it; the schedules choose f16); empty: float32 on the CUDA cores.
  std::string mmaType;
  int64_t splits() const { return (capacity + chunk - 1) / chunk; }
};
KernelSource attentionDecodeKernel(const std::string &name, const AttentionSpec &spec);
// Causal attention of every new token, flash style (online softmax, no T x T
// scores in memory): (params, qkv, keyCache, valueCache, out [B*T][H * D]);
// grid (B * H, ceil(T / blockQ)).
KernelSource attentionPrefillKernel(const std::string &name, const AttentionSpec &spec);
// The same on tensor cores (spec.mmaType): one warp per 16 queries, scores and
// outputs as mma.sync tiles, keys and values staged as 16-bit tiles in shared
// memory; same parameters, grid (B * H, ceil(T / blockQ)).
KernelSource attentionPrefillMmaKernel(const std::string &name, const AttentionSpec &spec);

} // namespace gpt2c::ptx
