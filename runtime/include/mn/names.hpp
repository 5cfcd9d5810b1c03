#pragma once
// Dict names: 1 to 200 characters of letters, digits and `_ - . :`; not "." or
// ".."; names starting with "__" are reserved for the runtime's own dicts.
#include <string>

namespace mn {

/// Longest dict name.
inline constexpr std::size_t max_name_length = 200;

/// Empty when `name` is a valid user dict name; else a message saying what is
/// wrong and what to do. With `allow_reserved`, "__" names are allowed.
std::string check_dict_name(const std::string& name, bool allow_reserved = false);

} // namespace mn
