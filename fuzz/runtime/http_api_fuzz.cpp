// Fuzzes the HTTP router and the built-in dict API (runtime/http_router.cpp,
// runtime/http_api.cpp) against a real embedded mn::node (no network; its
// data directory in $TMPDIR, relaxed durability so that runs are fast), plus
// a few application routes. No server: the bytes become what http_server.cpp
// hands over.
//
// Input: METHOD '\n' TARGET '\n' { NAME ': ' VALUE '\n' } '\n' BODY.
// Every answer must be well formed: a status of the documented set, a JSON
// body (the /metrics text aside), and for errors {"error": code, "message":
// text}. A 500 would mean an exception escaped a handler: a bug.
#include "runtime/http_api.hpp"
#include "runtime/http_router.hpp"

#include <mn/error.hpp>
#include <mn/names.hpp>
#include <mn/node.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using namespace mn;

namespace {

// Every dict is an LMDB file and an actor: the first few valid names get
// their own, later ones share one (a bad name still gets its error).
constexpr std::size_t max_dicts = 16;

mn::node* the_node = nullptr;               // lives until exit (never destroyed)
mn::runtime::http_router* router = nullptr; // idem
std::set<std::string> dict_names;

[[noreturn]] void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_http_api: %s: %s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

dict get_dict(const std::string& name) {
  if (dict_names.count(name) || dict_names.size() < max_dicts) {
    auto d = the_node->get_dict(name); // throws for a bad name
    dict_names.insert(name);
    return d;
  }
  if (auto why = check_dict_name(name); !why.empty())
    return the_node->get_dict(name); // the node's own error
  return the_node->get_dict("fuzz_shared");
}

// The answer must be well formed (see the top of this file).
void check(const std::string& method, const std::string& target, const http_response& res) {
  auto where = method + " " + target.substr(0, 200) + " -> " + std::to_string(res.status) + " "
               + res.body.substr(0, 300);
  static const std::set<int> known = {200, 400, 404, 405, 409};
  if (!known.count(res.status))
    fail("status outside 200 400 404 405 409", where);
  if (res.content_type != "application/json") {
    if (res.status == 200 && res.content_type.rfind("text/plain", 0) == 0)
      return; // /metrics
    fail("unexpected content type", res.content_type + ": " + where);
  }
  auto body = value::parse(res.body, nullptr, false);
  if (body.is_discarded())
    fail("the body is not JSON", where);
  if (res.status == 200)
    return;
  if (!body.is_object() || !body.contains("error") || !body["error"].is_string()
      || !body.contains("message") || !body["message"].is_string())
    fail("an error without {\"error\": code, \"message\": text}", where);
  if (res.status == 405 && (res.headers.empty() || res.headers[0].first != "Allow"))
    fail("405 without an Allow header", where);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string{tmp && *tmp ? tmp : "/tmp"} + "/mn-fuzz-http-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("fuzz_http_api: mkdtemp");
    std::exit(1);
  }
  node_options o;
  o.name = "fuzz";
  o.data_dir = pattern + "/data";
  o.durability = durability::relaxed;
  o.initial_map_size = std::size_t{1} << 20;
  o.scheduler_threads = 2;
  o.function_threads = 1;
  the_node = new mn::node(o);
  router = new mn::runtime::http_router;
  runtime::http_api_hooks hooks;
  hooks.node_name = o.name;
  hooks.get_dict = get_dict;
  hooks.members = [] { return the_node->member_statuses(); };
  hooks.stopping = [] { return false; };
  hooks.metrics_text = [] { return std::string{"# fuzz: no metrics\n"}; };
  runtime::add_builtin_routes(*router, std::move(hooks));
  // Application routes, as in <mn/http.hpp>.
  router->add("GET", "/users/{id}/score", [](const http_request& req) {
    return http_response::json(get_dict("scores").at(req.param("id")));
  });
  router->add("POST", "/echo/{what}", [](const http_request& req) {
    return http_response::json({{"what", req.param("what")},
                                {"body", req.json()},
                                {"query", req.query},
                                {"agent", req.header("user-agent").value_or("")}});
  });
  router->add("PATCH", "/users/{id}", [](const http_request& req) {
    auto v = req.json();
    get_dict("users").set(req.param("id"), v);
    return http_response::text("ok");
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto next_line = [&input]() {
    auto nl = input.find('\n');
    auto line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    return std::string{line};
  };
  auto method = next_line();
  auto target = next_line();
  std::vector<std::pair<std::string, std::string>> headers;
  while (!input.empty()) {
    auto line = next_line();
    if (line.empty())
      break;
    auto colon = line.find(':');
    auto value = colon == std::string::npos ? std::string{} : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    headers.emplace_back(line.substr(0, colon), value);
  }
  std::string body{input};
  auto res = router->dispatch(method, target, body, headers);
  check(method, target, res);
  return 0;
}
