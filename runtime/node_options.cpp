#include <mn/node_options.hpp>

#include <mn/error.hpp>
#include <mn/option_errors.hpp>

#include "runtime/http_auth.hpp"
#include "runtime/tls.hpp"

#include <boost/program_options.hpp>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace po = boost::program_options;

namespace mn {

namespace {

[[noreturn]] void bad(const std::string& message) {
  throw invalid_argument(errc::bad_config, message);
}

bool valid_node_name(const std::string& name) {
  if (name.empty() || name.size() > 64)
    return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

} // namespace

std::string peer::to_string() const {
  return name + "=" + host + ":" + std::to_string(port);
}

void parse_address(const std::string& text, const std::string& what, std::string& host,
                   uint16_t& port, bool allow_any_port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    bad("malformed " + what + " '" + text + "': expected HOST:PORT, e.g. 127.0.0.1:4242");
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto digits = text.substr(colon + 1);
  auto range = allow_any_port ? " from 0 (any free port) to 65535" : " from 1 to 65535";
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 5)
    bad("malformed " + what + " '" + text + "': the port must be a number" + range);
  auto n = std::stoul(digits);
  if ((n == 0 && !allow_any_port) || n > 65535)
    bad("malformed " + what + " '" + text + "': the port must be a number" + range);
  port = static_cast<uint16_t>(n);
}

peer parse_peer(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos)
    bad("malformed --peer '" + text + "': expected NAME=HOST:PORT, e.g. b=127.0.0.1:4243");
  peer p;
  p.name = text.substr(0, eq);
  if (!valid_node_name(p.name))
    bad("malformed --peer '" + text + "': the node name must be 1-64 letters, digits, _ - .");
  parse_address(text.substr(eq + 1), "--peer " + p.name, p.host, p.port);
  return p;
}

void node_options::validate() const {
  if (!valid_node_name(name))
    bad("invalid node name '" + name + "': use 1-64 letters, digits, _ - .");
  std::string lhost;
  uint16_t lport = 0;
  if (!listen.empty())
    parse_address(listen, "--listen", lhost, lport);
  if (!peers.empty() && listen.empty())
    bad("node '" + name + "' has peers but no --listen address; give it one so that the "
        "others can reach it");
  std::set<std::string> names;
  std::set<std::string> addresses;
  if (!listen.empty())
    addresses.insert(lhost + ":" + std::to_string(lport));
  for (auto& p : peers) {
    auto addr = p.host + ":" + std::to_string(p.port);
    if (p.name == name) {
      if (addr != lhost + ":" + std::to_string(lport))
        bad("the peer list names this node '" + name + "' at " + addr + " but it listens on "
            + listen + "; make --listen and the peer entry agree");
      continue;
    }
    if (!names.insert(p.name).second)
      bad("duplicate node name '" + p.name + "' in the peer list; every node needs its own name");
    if (!addresses.insert(addr).second) {
      if (addr == lhost + ":" + std::to_string(lport))
        bad("the peer list names this node's address " + addr + " '" + p.name
            + "', but this node is '" + name + "'; use the same name everywhere (--name " + p.name
            + " or --peer " + name + "=" + addr + ")");
      bad("two peers share the address " + addr + "; every node needs its own HOST:PORT");
    }
  }
  if (request_timeout.count() <= 0 || connect_timeout.count() <= 0)
    bad("timeouts must be positive (got request " + std::to_string(request_timeout.count())
        + " ms, connect " + std::to_string(connect_timeout.count()) + " ms)");
  if (heartbeat_interval.count() < 0)
    bad("the heartbeat interval cannot be negative");
  // A negative number on the command line reads as a huge size_t ("-1" is
  // SIZE_MAX): bound them so such a mistake is an error, not a crash later.
  if (function_threads == 0 || function_threads > 4096)
    bad("--function-threads must be between 1 and 4096 (got " + std::to_string(function_threads)
        + ")");
  if (scheduler_threads > 1024)
    bad("--threads must be between 0 (one per core) and 1024 (got "
        + std::to_string(scheduler_threads) + ")");
  if (initial_map_size == 0 || initial_map_size > (std::size_t{1} << 40))
    bad("--initial-map-mb must be between 1 and 1048576 (1 TiB)");
  if (!http.empty()) {
    std::string hhost;
    uint16_t hport = 0;
    parse_address(http, "--http", hhost, hport, true);
    if (hport != 0 && !listen.empty() && (hport == lport || hport == fast_port))
      bad("--http " + http + " uses the port of " + (hport == lport ? "--listen" : "--fast-port")
          + "; give HTTP a port of its own (0 = any free one)");
  }
  if (scheduler_policy != "stealing" && scheduler_policy != "sharing")
    bad("unknown scheduler policy '" + scheduler_policy + "': use 'stealing' or 'sharing'");
  std::string token;
  if (auto st = runtime::http_token(*this, token); !st)
    bad(st.message());
  if (!token.empty() && http.empty())
    bad("an HTTP token is given but no --http address; add --http HOST:PORT or drop the token");
  check_security();
}

void node_options::check_security() const {
  if (auto st = runtime::tls::check_files(tls_cert, tls_key, tls_ca); !st)
    bad(st.message());
}

node_options node_options::from_command_line(int argc, const char* const* argv,
                                             const node_options& defaults,
                                             std::vector<std::string>* rest) {
  node_options o = defaults;
  o.peers.clear();
  std::vector<std::string> peers;
  std::string durability_text = o.durability == durability::sync ? "sync" : "relaxed";
  long request_ms = o.request_timeout.count();
  long connect_ms = o.connect_timeout.count();
  long heartbeat_ms = o.heartbeat_interval.count();
  std::size_t map_mb = o.initial_map_size >> 20;
  std::string config;
  po::options_description desc;
  desc.add_options()
    ("config", po::value(&config), "")
    ("name", po::value(&o.name), "")
    ("listen", po::value(&o.listen), "")
    ("peer", po::value(&peers)->composing(), "")
    ("data-dir", po::value(&o.data_dir), "")
    ("durability", po::value(&durability_text), "")
    ("request-timeout-ms", po::value(&request_ms), "")
    ("connect-timeout-ms", po::value(&connect_ms), "")
    ("heartbeat-ms", po::value(&heartbeat_ms), "")
    ("threads", po::value(&o.scheduler_threads), "")
    ("scheduler-policy", po::value(&o.scheduler_policy), "")
    ("initial-map-mb", po::value(&map_mb), "")
    ("no-fast-path", po::bool_switch(), "")
    ("fast-port", po::value(&o.fast_port), "")
    ("function-threads", po::value(&o.function_threads), "")
    ("http", po::value(&o.http), "")
    ("http-token-file", po::value(&o.http_token_file), "")
    ("http-token", po::value(&o.http_token), "")
    ("tls-cert", po::value(&o.tls_cert), "")
    ("tls-key", po::value(&o.tls_key), "")
    ("tls-ca", po::value(&o.tls_ca), "");
  po::variables_map vm;
  bool has_percent = any_percent(argc, argv); // see <mn/option_errors.hpp>
  try {
    auto parser = po::command_line_parser(argc, argv).options(desc);
    if (rest != nullptr)
      parser.allow_unregistered();
    auto parsed = parser.run();
    if (rest != nullptr)
      *rest = po::collect_unrecognized(parsed.options, po::include_positional);
    po::store(parsed, vm);
    if (vm.count("config")) {
      auto file = vm["config"].as<std::string>();
      std::ifstream in{file};
      if (!in)
        bad("cannot read config file '" + file + "'; check the path given to --config");
      std::stringstream text;
      text << in.rdbuf();
      has_percent = has_percent || text.str().find('%') != std::string::npos;
      po::store(po::parse_config_file(text, desc, false), vm); // earlier (CLI) values win
    }
    po::notify(vm);
  } catch (const po::error& e) {
    bad(option_error_message(e, has_percent) + "; see --help");
  }
  for (auto& p : peers)
    o.peers.push_back(parse_peer(p));
  if (durability_text == "sync")
    o.durability = durability::sync;
  else if (durability_text == "relaxed")
    o.durability = durability::relaxed;
  else
    bad("unknown --durability '" + durability_text + "': use 'sync' or 'relaxed'");
  o.request_timeout = std::chrono::milliseconds(request_ms);
  o.connect_timeout = std::chrono::milliseconds(connect_ms);
  o.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  if (map_mb == 0 || map_mb > (std::size_t{1} << 20))
    bad("--initial-map-mb must be between 1 and 1048576 (1 TiB), got " + std::to_string(map_mb));
  o.initial_map_size = map_mb << 20;
  if (vm.count("no-fast-path") && vm["no-fast-path"].as<bool>())
    o.fast_path = false;
  o.validate();
  return o;
}

node_options node_options::from_command_line(int argc, const char* const* argv) {
  return from_command_line(argc, argv, node_options{}, nullptr);
}

} // namespace mn
