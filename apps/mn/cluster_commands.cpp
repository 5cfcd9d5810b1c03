// mn dicts, mn nodes, mn schedules: what the cluster holds and does.
#include "cli.hpp"

#include <mn/cluster_info.hpp>
#include <mn/schedule.hpp>

#include <iostream>

namespace mn::cli {

namespace {

mn::value iso_or_null(int64_t ms) {
  return ms == 0 ? mn::value(nullptr) : mn::value(iso_utc(ms));
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

bool system_dict(const std::string& name) {
  return name.compare(0, 2, "__") == 0;
}

} // namespace

int run_dicts(context& c) {
  c.expect_args(0, 0, "");
  auto infos = c.client().dict_infos();
  if (c.json) {
    for (auto& i : infos)
      std::cout << show({{"name", i.name}, {"owner", i.owner}, {"size", i.size}}) << '\n';
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "OWNER", "SIZE"}};
  for (auto& i : infos)
    rows.push_back({i.name, i.owner, std::to_string(i.size)});
  print_table(rows);
  return exit_ok;
}

int run_nodes(context& c) {
  c.expect_args(0, 0, "");
  auto members = c.client().member_statuses();
  if (c.json) {
    for (auto& m : members) {
      mn::value dicts = mn::value::array();
      for (auto& d : m.dicts)
        if (!system_dict(d))
          dicts.push_back(d);
      mn::value row = {{"name", m.member.name},
                       {"address", m.member.host + ":" + std::to_string(m.member.port)},
                       {"up", m.up},
                       {"error", m.up ? mn::value(nullptr) : mn::value(m.error)},
                       {"dicts", dicts}};
      std::cout << show(row) << '\n';
    }
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "ADDRESS", "STATUS", "DICTS"}};
  for (auto& m : members) {
    std::string dicts;
    for (auto& d : m.dicts)
      if (!system_dict(d))
        dicts += (dicts.empty() ? "" : ", ") + d;
    rows.push_back({m.member.name, m.member.host + ":" + std::to_string(m.member.port),
                    m.up ? "up" : "down",
                    m.up ? or_dash(dicts) : "(" + or_dash(m.error) + ")"});
  }
  print_table(rows);
  return exit_ok;
}

int run_schedules(context& c) {
  c.expect_args(0, 0, "");
  auto all = c.client().schedules();
  if (c.json) {
    for (auto& s : all) {
      mn::value row = {{"name", s.name},
                       {"spec", s.spec},
                       {"next_due", iso_or_null(s.next_due_ms)},
                       {"last_run", iso_or_null(s.last_run_ms)},
                       {"last_started", iso_or_null(s.last_started_ms)},
                       {"last_finished", iso_or_null(s.last_finished_ms)},
                       {"last_outcome", s.last_outcome},
                       {"last_node", s.last_node},
                       {"last_attempts", s.last_attempts},
                       {"running", s.running},
                       {"running_node", s.running_node},
                       {"runs", s.runs},
                       {"missed", s.missed},
                       {"skipped", s.skipped}};
      std::cout << show(row) << '\n';
    }
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows{
    {"NAME", "NEXT DUE", "LAST RUN", "NODE", "RUNS", "MISSED", "SKIPPED", "SPEC", "OUTCOME"}};
  for (auto& s : all) {
    std::string outcome = s.running ? "running on " + s.running_node : or_dash(s.last_outcome);
    rows.push_back({s.name, or_dash(iso_utc(s.next_due_ms)), or_dash(iso_utc(s.last_run_ms)),
                    or_dash(s.last_node), std::to_string(s.runs), std::to_string(s.missed),
                    std::to_string(s.skipped), s.spec, outcome});
  }
  print_table(rows);
  return exit_ok;
}

} // namespace mn::cli
