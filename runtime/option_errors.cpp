#include <mn/option_errors.hpp>

#include <cstring>

namespace mn {

namespace po = boost::program_options;

std::string option_error_message(const po::error& e, bool input_has_percent) {
  if (!input_has_percent)
    return e.what();
  auto* named = dynamic_cast<const po::error_with_option_name*>(&e);
  std::string option = named ? "'" + named->get_option_name() + "'" : "an option";
  if (dynamic_cast<const po::unknown_option*>(&e))
    return "unrecognised option " + option;
  if (dynamic_cast<const po::ambiguous_option*>(&e))
    return "option " + option + " is ambiguous";
  if (dynamic_cast<const po::multiple_occurrences*>(&e))
    return "option " + option + " cannot be specified more than once";
  if (dynamic_cast<const po::invalid_option_value*>(&e))
    return "the argument for option " + option + " is invalid";
  return "malformed option " + option;
}

bool any_percent(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strchr(argv[i], '%') != nullptr)
      return true;
  return false;
}

bool any_percent(const std::vector<std::string>& args) {
  for (auto& a : args)
    if (a.find('%') != std::string::npos)
      return true;
  return false;
}

} // namespace mn
