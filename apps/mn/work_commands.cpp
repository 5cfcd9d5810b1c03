// mn call, mn job start|get|list|cancel: functions and jobs of the cluster.
#include "cli.hpp"

#include <mn/function.hpp>
#include <mn/job.hpp>

#include <cctype>
#include <iostream>

namespace mn::cli {

namespace {

// The job name inside `id` ("NAME-<13 digit Unix ms>-<6 hex>"). Errors:
// usage_error when `id` does not have that shape.
std::string job_name_of(const std::string& id) {
  constexpr std::size_t tail = 21; // "-" 13 digits "-" 6 hex
  bool ok = id.size() > tail && id[id.size() - tail] == '-' && id[id.size() - 7] == '-';
  for (std::size_t i = id.size() - tail + 1; ok && i < id.size() - 7; ++i)
    ok = std::isdigit(static_cast<unsigned char>(id[i])) != 0;
  for (std::size_t i = id.size() - 6; ok && i < id.size(); ++i)
    ok = std::isxdigit(static_cast<unsigned char>(id[i])) != 0;
  if (!ok)
    throw usage_error("'" + id + "' is not a job id: ids look like NAME-1700000000000-a1b2c3 "
                      "(mn job start prints one; mn job list NAME lists them)");
  return id.substr(0, id.size() - tail);
}

std::string time_or_dash(int64_t ms) {
  return ms == 0 ? "-" : iso_utc(ms);
}

mn::value iso_or_null(int64_t ms) {
  return ms == 0 ? mn::value(nullptr) : mn::value(iso_utc(ms));
}

} // namespace

int run_call(context& c) {
  c.expect_args(1, 2, "FUNCTION [JSON]");
  mn::value arg = c.args.size() == 2 ? parse_value(c.args[1], "JSON argument") : mn::value();
  std::cout << show(c.client().function(c.args[0]).call(arg)) << '\n';
  return exit_ok;
}

int run_job(context& c, const std::string& sub) {
  if (sub == "start") {
    c.expect_args(1, 2, "NAME [JSON]");
    mn::value input = c.args.size() == 2 ? parse_value(c.args[1], "JSON input") : mn::value();
    auto id = c.client().job(c.args[0]).start(input);
    if (c.json)
      std::cout << show({{"id", id}}) << '\n';
    else
      std::cout << id << '\n';
    return exit_ok;
  }
  if (sub == "get") {
    c.expect_args(1, 1, "ID");
    auto name = job_name_of(c.args[0]); // before connecting: a usage error needs no node
    auto r = c.client().job(name).get(c.args[0]);
    if (c.json) {
      mn::value row = {{"id", r.id},
                       {"name", r.name},
                       {"status", mn::to_string(r.status)},
                       {"node", r.node},
                       {"attempts", r.attempts},
                       {"created", iso_or_null(r.created_ms)},
                       {"started", iso_or_null(r.started_ms)},
                       {"finished", iso_or_null(r.finished_ms)},
                       {"input", r.input},
                       {"result", r.result},
                       {"error", r.error}};
      std::cout << show(row) << '\n';
      return exit_ok;
    }
    print_table({{"id:", r.id},
                 {"name:", r.name},
                 {"status:", mn::to_string(r.status)},
                 {"node:", r.node.empty() ? "-" : r.node},
                 {"attempts:", std::to_string(r.attempts)},
                 {"created:", time_or_dash(r.created_ms)},
                 {"started:", time_or_dash(r.started_ms)},
                 {"finished:", time_or_dash(r.finished_ms)},
                 {"input:", show(r.input)},
                 {"result:", show(r.result)},
                 {"error:", r.error.empty() ? "-" : r.error}});
    return exit_ok;
  }
  if (sub == "list") {
    c.expect_args(1, 1, "NAME");
    auto jobs = c.client().job(c.args[0]);
    std::vector<std::vector<std::string>> rows;
    if (!c.json)
      rows.push_back({"ID", "STATUS"});
    for (auto& id : jobs.list()) {
      std::string status;
      try {
        status = mn::to_string(jobs.get(id).status);
      } catch (const mn::job_not_found&) {
        continue; // removed since it was listed
      }
      if (c.json)
        std::cout << show({{"id", id}, {"status", status}}) << '\n';
      else
        rows.push_back({id, status});
    }
    if (!c.json)
      print_table(rows);
    return exit_ok;
  }
  if (sub == "cancel") {
    c.expect_args(1, 1, "ID");
    auto name = job_name_of(c.args[0]);
    auto jobs = c.client().job(name);
    bool asked = jobs.cancel(c.args[0]);
    if (c.json) {
      std::cout << show({{"cancelled", asked}}) << '\n';
    } else if (asked) {
      std::cout << "true\n";
    } else {
      std::cout << "false (already " << mn::to_string(jobs.get(c.args[0]).status) << ")\n";
    }
    return exit_ok;
  }
  throw usage_error("unknown job command '" + sub + "'; one of start get list cancel (see "
                    "mn job --help)");
}

} // namespace mn::cli
