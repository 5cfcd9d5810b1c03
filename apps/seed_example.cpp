// seed_example: the seed page's dict walk-through, run against a real embedded
// node whose data lives in LMDB files under --data-dir (default ./mn-data).
//
// How to run:   scripts/run.sh            (builds, then runs this program)
//               build/apps/seed_example --data-dir /tmp/demo
//
// Run it twice: the dict is durable, so the second run starts from what the
// first one left (the walk-through resets the keys it uses, then counts runs).
#include <mn/mn.hpp>
#include <mn/option_errors.hpp>

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  mn::node_options opts;
  po::options_description desc{"seed_example: the seed's dict example on an embedded node"};
  desc.add_options()("help,h", "show this help")(
    "data-dir", po::value<std::string>(&opts.data_dir)->default_value(opts.data_dir),
    "where the node keeps its dicts");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "seed_example: " << mn::option_error_message(e, mn::any_percent(argc, argv))
              << " (see --help)\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  try {
    mn::node node{opts};
    auto my_dict = node.get_dict("name");
    for (auto k : {"a", "b", "c", "x", "y"})
      my_dict.erase(k); // start the walk-through from the seed's empty dict

    my_dict["a"] = 1;
    my_dict["b"] = 2;
    my_dict["b"] = 3;
    my_dict["c"] = 4;
    std::cout << "my_dict[\"c\"]                -> " << my_dict.at("c") << "\n";
    my_dict.erase("a");
    std::cout << "\"a\" in my_dict               -> " << std::boolalpha << my_dict.contains("a")
              << "\n";
    std::cout << "\"b\" in my_dict               -> " << my_dict.contains("b") << "\n";
    std::cout << "my_dict.keys()               ->";
    for (const auto& key : my_dict.keys())
      std::cout << " " << key;
    std::cout << "\n";
    auto a = my_dict.get("a");
    std::cout << "my_dict.get(\"a\")             -> " << (a ? a->dump() : "None") << "\n";
    try {
      std::cout << my_dict.at("a") << "\n";
    } catch (const mn::key_error& e) {
      std::cout << "my_dict[\"a\"]                -> raises key_error: " << e.what() << "\n";
    }
    my_dict["x"] = 4;
    std::cout << "my_dict[\"x\"] += 2            -> " << (my_dict["x"] += 2) << "\n";
    std::cout << "update(\"x\", 9, expected 6)   -> " << my_dict.update("x", 9, 6)
              << " (x is now " << my_dict.at("x") << ")\n";
    std::cout << "set_if_absent(\"y\", 10)       -> " << my_dict.set_if_absent("y", 10) << "\n";
    std::cout << "set_if_absent(\"y\", 11)       -> " << my_dict.set_if_absent("y", 11)
              << " (y stays " << my_dict.at("y") << ")\n";
    auto runs = node.get_dict("seed_example_runs").increment("runs", 1, 0);
    std::cout << "this data directory has now run the example " << runs << " time(s); dicts: ";
    for (const auto& name : node.dicts())
      std::cout << name << " ";
    std::cout << "\n";
  } catch (const mn::error& e) {
    std::cerr << "seed_example: " << e.name() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
