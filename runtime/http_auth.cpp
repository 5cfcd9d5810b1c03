#include "runtime/http_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace mn::runtime {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

} // namespace

storage::status http_token(const node_options& o, std::string& out) {
  out.clear();
  if (!o.http_token_file.empty() && !o.http_token.empty())
    return {errc::bad_config, "give --http-token-file or --http-token, not both"};
  std::string where = "--http-token";
  if (!o.http_token_file.empty()) {
    where = "--http-token-file '" + o.http_token_file + "'";
    std::ifstream in{o.http_token_file};
    if (!in)
      return {errc::bad_config, "cannot read " + where + ": " + std::strerror(errno)
                                  + "; check the path (the file holds the token on its "
                                    "first line)"};
    std::getline(in, out);
  } else {
    out = o.http_token;
  }
  out = trim(out);
  if (o.http_token_file.empty() && o.http_token.empty())
    return storage::status::ok();
  if (out.size() < http_token_min_size)
    return {errc::bad_config, where + ": the token must be at least "
                                + std::to_string(http_token_min_size)
                                + " characters; make one with e.g. 'openssl rand -hex 32'"};
  for (unsigned char c : out)
    if (std::iscntrl(c) || c == ' ')
      return {errc::bad_config, where + ": the token must not hold spaces or control "
                                        "characters; make one with e.g. 'openssl rand -hex 32'"};
  return storage::status::ok();
}

bool bearer_matches(const std::string& authorization, const std::string& token) {
  std::string given;
  if (authorization.size() > 7) {
    std::string scheme = authorization.substr(0, 7);
    for (auto& c : scheme)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (scheme == "bearer ") {
      auto b = authorization.find_first_not_of(' ', 7);
      if (b != std::string::npos)
        given = authorization.substr(b);
    }
  }
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), b);
  bool same = CRYPTO_memcmp(a, b, sizeof(a)) == 0;
  return same && !token.empty() && !given.empty();
}

} // namespace mn::runtime
