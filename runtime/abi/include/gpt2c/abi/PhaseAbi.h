/* The C ABI between a compiled phase library (prefill.so, decode.so, score.so of
 * an x86 artifact) and the runtime that loads it. Plain C: the phase libraries
 * are generated code plus Halide objects, the runtime is C++ without MLIR/LLVM.
 *
 * A phase library exports:
 *   int32_t gpt2c_abi_version(void);                         returns GPT2C_ABI_VERSION
 *   void    gpt2c_set_parallel(const gpt2c_parallel *p);     installs the runtime's pool
 *   int32_t gpt2c_run_<phase>(const gpt2c_step_args *args); 0 on success, else a
 *           gpt2c_status code; <phase> is prefill, decode or score.
 */
#ifndef GPT2C_ABI_PHASEABI_H
#define GPT2C_ABI_PHASEABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GPT2C_ABI_VERSION 1

/* One chunk of a parallel loop: runs iterations [begin, end). Returns 0 on success. */
typedef int32_t (*gpt2c_task_fn)(void *closure, int64_t begin, int64_t end);

/* The runtime's thread pool, used by every parallel loop of the kernels (Halide's
 * included), so that one pool serves the whole process. */
typedef struct gpt2c_parallel {
  /* Runs task over [0, count) in chunks on the pool and returns when all are
   * done: 0, or the first non-zero status a chunk returned. */
  int32_t (*parallel_for)(void *pool, int64_t count, gpt2c_task_fn task, void *closure);
  void *pool;
  int32_t threads;
} gpt2c_parallel;

/* One step of one phase for `batch` sequences of equal length. */
typedef struct gpt2c_step_args {
  int64_t batch;              /* B, 1 <= B <= manifest max_batch */
  int64_t tokens;             /* T new tokens per sequence (1 for decode) */
  int64_t past;               /* P tokens already cached (0 for prefill and score) */
  const int32_t *ids;         /* [B][T] token ids */
  const void *const *weights; /* one pointer per weight slot, in manifest order */
  float *const *keys;         /* per layer: the key cache [B][H][C][D] */
  float *const *values;       /* per layer: the value cache [B][H][C][D] */
  float *logits;              /* [B][V] (prefill, decode) or [B][T][V] (score) */
  void *scratch;              /* manifest scratch_bytes, 64-byte aligned */
} gpt2c_step_args;

enum gpt2c_status {
  GPT2C_OK = 0,
  GPT2C_BAD_ARGUMENTS = 1, /* batch, tokens or past out of the compiled range */
  GPT2C_KERNEL_FAILED = 2, /* a kernel reported an error */
};

#ifdef __cplusplus
}
#endif

#endif /* GPT2C_ABI_PHASEABI_H */
