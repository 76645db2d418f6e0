# Selects LLVM/MLIR 22 unambiguously and checks that we compile with clang 22 and
# link with lld 22. Older LLVM installations (e.g. 14 for Halide) may sit on PATH;
# nothing here consults PATH for an LLVM tool.

set(GPT2C_LLVM_PREFIX "/usr/lib/llvm-22" CACHE PATH "Prefix of the LLVM/MLIR 22 installation")
set(MLIR_DIR "${GPT2C_LLVM_PREFIX}/lib/cmake/mlir" CACHE PATH "MLIR 22 CMake package" FORCE)

find_package(MLIR REQUIRED CONFIG PATHS "${MLIR_DIR}" NO_DEFAULT_PATH)
if(NOT LLVM_VERSION_MAJOR EQUAL 22)
  message(FATAL_ERROR "gpt2c needs LLVM/MLIR 22, found ${LLVM_PACKAGE_VERSION} in ${MLIR_DIR}")
endif()
message(STATUS "gpt2c: MLIR ${LLVM_PACKAGE_VERSION} from ${MLIR_DIR}")

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 22
   OR CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 23)
  message(FATAL_ERROR "gpt2c builds with clang 22 (use a CMake preset); got "
                      "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} at ${CMAKE_CXX_COMPILER}")
endif()

set(GPT2C_LLD "${LLVM_TOOLS_BINARY_DIR}/ld.lld")
if(NOT EXISTS "${GPT2C_LLD}")
  message(FATAL_ERROR "lld 22 not found at ${GPT2C_LLD} (apt-get install lld-22)")
endif()
add_link_options("--ld-path=${GPT2C_LLD}")

list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
include(TableGen)
include(AddLLVM)
include(AddMLIR)

# Test tools come from the LLVM 22 installation, never from PATH.
foreach(tool FileCheck not lit count)
  string(TOUPPER "${tool}" var)
  set(GPT2C_${var} "${LLVM_TOOLS_BINARY_DIR}/${tool}")
  if(NOT EXISTS "${GPT2C_${var}}")
    message(FATAL_ERROR "${tool} not found at ${GPT2C_${var}} (apt-get install llvm-22-tools)")
  endif()
endforeach()

# Warnings for our own code; LLVM/MLIR headers are system headers.
add_compile_options(-Wall -Wextra -Wno-unused-parameter)
include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})

if(GPT2C_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Links a target against MLIR/LLVM through the shared libraries only (libMLIR.so,
# libLLVM.so), never mixing them with the static component archives.
function(gpt2c_link_mlir target)
  target_link_libraries(${target} PUBLIC MLIR LLVM)
endfunction()
