#include <mn/names.hpp>

namespace mn {

std::string check_dict_name(const std::string& name, bool allow_reserved) {
  auto quoted = "'" + name.substr(0, 64) + (name.size() > 64 ? "...'" : "'");
  if (name.empty())
    return "invalid dict name '': a name is 1 to 200 characters of letters, digits, _ - . :";
  if (name.size() > max_name_length)
    return "invalid dict name " + quoted + ": " + std::to_string(name.size())
           + " characters, the limit is 200; use a shorter name";
  for (unsigned char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok)
      return "invalid dict name " + quoted + ": character '"
             + (c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
                                      : "\\x" + std::to_string(c))
             + "' is not allowed; use letters, digits, _ - . :";
  }
  if (name == "." || name == "..")
    return "invalid dict name " + quoted + ": '.' and '..' are not names; use letters or digits";
  if (!allow_reserved && name.size() >= 2 && name[0] == '_' && name[1] == '_')
    return "invalid dict name " + quoted
           + ": names starting with '__' are reserved for the runtime; drop the leading '__'";
  return {};
}

} // namespace mn
