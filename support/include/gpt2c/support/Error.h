#pragma once
// Errors of the plain C++ layers (checkpoint reading, runtime): a one-line message
// naming what went wrong and where. Tools catch it at the top, print it and exit 1.
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace gpt2c {

class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args &&...args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

} // namespace gpt2c
