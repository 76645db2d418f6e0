/* Support code linked into every x86 phase library (prefill.so, decode.so, ...):
 * describing tensors to the Halide kernels, and routing Halide's parallel loops to
 * the runtime's thread pool. Plain C, no LLVM: built once with gpt2c and linked
 * by `gpt2c compile` beside the generated glue and the kernels. */
#include "HalideRuntime.h"
#include "gpt2c/abi/PhaseAbi.h"

#include <string.h>

/* Describes a dense-or-strided tensor of `rank` (<= 4) dimensions to Halide.
 * extents/strides are in elements, innermost dimension first. */
void gpt2c_describe_buffer(halide_buffer_t *buffer, halide_dimension_t *dims, void *host,
                           int32_t type_code, int32_t bits, int32_t rank, const int64_t *extents,
                           const int64_t *strides) {
  memset(buffer, 0, sizeof *buffer);
  buffer->host = (uint8_t *)host;
  buffer->type.code = (uint8_t)type_code;
  buffer->type.bits = (uint8_t)bits;
  buffer->type.lanes = 1;
  buffer->dimensions = rank;
  buffer->dim = dims;
  for (int32_t i = 0; i < rank; ++i) {
    dims[i].min = 0;
    dims[i].extent = (int32_t)extents[i];
    dims[i].stride = (int32_t)strides[i];
    dims[i].flags = 0;
  }
}

static gpt2c_parallel installed_parallel;
static int has_parallel = 0;

struct halide_task_chunk {
  halide_task_t task;
  void *user_context;
  int min;
  uint8_t *closure;
};

static int32_t run_halide_tasks(void *closure, int64_t begin, int64_t end) {
  const struct halide_task_chunk *chunk = (const struct halide_task_chunk *)closure;
  for (int64_t i = begin; i < end; ++i) {
    int status = chunk->task(chunk->user_context, chunk->min + (int)i, chunk->closure);
    if (status != 0)
      return status;
  }
  return 0;
}

/* Halide's do_par_for, served by the runtime's pool. */
static int gpt2c_do_par_for(void *user_context, halide_task_t task, int min, int size,
                            uint8_t *closure) {
  struct halide_task_chunk chunk = {task, user_context, min, closure};
  if (!has_parallel || size <= 1)
    return run_halide_tasks(&chunk, 0, size);
  return installed_parallel.parallel_for(installed_parallel.pool, size, run_halide_tasks, &chunk);
}

__attribute__((visibility("default"))) int32_t gpt2c_abi_version(void) { return GPT2C_ABI_VERSION; }

__attribute__((visibility("default"))) void gpt2c_set_parallel(const gpt2c_parallel *parallel) {
  if (parallel && parallel->parallel_for) {
    installed_parallel = *parallel;
    has_parallel = 1;
  } else {
    has_parallel = 0;
  }
  halide_set_custom_do_par_for(gpt2c_do_par_for);
}
