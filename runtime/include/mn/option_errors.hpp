#pragma once
// Messages of Boost.ProgramOptions errors that are safe to build. Boost fills
// the placeholders of its messages ("%canonical_option%", "%value%", ...) with
// what the user wrote, in a loop that never ends when that text holds a
// placeholder itself: e.what() for `--threads %value%` spins forever, its
// string growing (found by fuzz/runtime/node_options_fuzz.cpp). Programs that
// parse their own options print option_error_message() instead of e.what().
#include <boost/program_options/errors.hpp>

#include <string>
#include <vector>

namespace mn {

/// e.what() when `input_has_percent` is false; else a message made from the
/// error's kind and option name ("unrecognised option '--x'"). Never throws.
std::string option_error_message(const boost::program_options::error& e,
                                 bool input_has_percent);

/// Whether any of argv[1], ..., argv[argc - 1] holds a '%'.
bool any_percent(int argc, const char* const* argv);
bool any_percent(const std::vector<std::string>& args);

} // namespace mn
