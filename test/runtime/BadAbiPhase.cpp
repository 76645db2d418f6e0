// A phase library of a future ABI: the runtime must refuse it at load time.
#include "gpt2c/abi/PhaseAbi.h"

extern "C" {
int32_t gpt2c_abi_version(void) { return 99; }
void gpt2c_set_parallel(const gpt2c_parallel *) {}
int32_t gpt2c_run_prefill(const gpt2c_step_args *) { return GPT2C_OK; }
int32_t gpt2c_run_decode(const gpt2c_step_args *) { return GPT2C_OK; }
}
