# lit configuration for gpt2c: FileCheck tests of gpt2c-opt and gpt2c.
import os

import lit.formats
import lit.util

site_config = lit_config.params.get("gpt2c_site_config")
if not site_config:
    lit_config.fatal("run lit through ctest (it passes --param gpt2c_site_config=...)")
lit_config.load_config(config, site_config)

config.name = "gpt2c"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gpt2c_obj_root, "lit")
config.excludes = ["unit", "fuzz", "codegen", "utils", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]

# Our tools first, then FileCheck/not/count of LLVM 22; never an LLVM from PATH.
config.environment["PATH"] = os.pathsep.join(
    [config.gpt2c_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%shared", config.gpt2c_shared_dir))
config.substitutions.append(("%gpt2c_tools", config.gpt2c_tools_dir))
if os.path.isdir(os.path.join(config.gpt2c_shared_dir, "models")):
    config.available_features.add("shared-data")
# A CUDA driver (libcuda.so.1) that loads: GPU artifacts get past the driver.
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
if config.gpt2c_have_cuda:
    config.available_features.add("cuda")
    config.substitutions.append(("%ptxas", config.gpt2c_ptxas))
