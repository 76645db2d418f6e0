// The out-of-line part of fmt: format-inl.h defines fmt's non-template functions
// (vformat, vprint, is_printable, ...) when FMT_HEADER_ONLY is not set, and the
// templates that format.h declares `extern` are instantiated here for the
// character types it names.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl<char>(locale_ref) -> char;
template FMT_API auto decimal_point_impl<wchar_t>(locale_ref) -> wchar_t;

} // namespace detail
FMT_END_NAMESPACE
