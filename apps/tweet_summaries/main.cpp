// tweet_summaries: the seed's example application, for real. A scheduled task
// reads new text items from a feed (a folder of files, or a generator shipped
// here: no internet), summarises them by subject and writes each summary
// into the dict "tweet_summaries"; an HTTP endpoint answers the summary of a
// subject from that dict. The same program runs on one node (the README's
// first command) or on several, unchanged: the task then runs once per
// period in the whole cluster, and every node answers from the same dict.
//
//   build/apps/tweet_summaries [--every-ms 10000] [--feed DIR] [--run-for S]
//                              [node options: --name, --listen, --peer, --data-dir, --http ...]
//   curl localhost:8080/summaries            # the subjects
//   curl localhost:8080/summaries/weather    # one summary
//
// Exits 0 on SIGINT/SIGTERM (or after --run-for seconds), 2 on bad options.
#include "apps/tweet_summaries/feed.hpp"
#include "apps/tweet_summaries/summarise.hpp"

#include <mn/http.hpp>
#include <mn/mn.hpp>
#include <mn/option_errors.hpp>

#include <boost/program_options.hpp>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

namespace po = boost::program_options;

namespace {

int64_t ms_of(mn::sys_time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The scheduled task: one period's items, summarised, into the dict.
void extract_summaries(mn::node& node, const std::string& feed, mn::schedule_context& ctx) {
  std::vector<tweets::item> items;
  if (feed.empty()) {
    items = tweets::generate(ms_of(ctx.scheduled_time()));
  } else {
    std::vector<std::string> problems;
    items = tweets::read_folder(feed, problems);
    for (auto& p : problems)
      std::cerr << "tweet_summaries: skipped feed file " << p << "\n";
  }
  auto summaries = node.get_dict("tweet_summaries");
  auto period = ms_of(ctx.scheduled_time());
  for (auto& [subject, summary] : tweets::summarise(items)) {
    summary["period"] = period;
    summaries[subject] = summary;
  }
  node.get_dict("tweet_summaries_stats").increment("periods", 1, 0);
}

} // namespace

int main(int argc, char** argv) {
  int64_t every_ms = 10000;
  std::string feed;
  int run_for = 0;
  po::options_description desc{"tweet_summaries: the seed's example application"};
  desc.add_options()("help,h", "this help (node options: see mnode --help)")(
    "every-ms", po::value(&every_ms)->default_value(every_ms),
    "period of the summarising task, in ms")(
    "feed", po::value(&feed), "read items from this folder (one item a file) instead of the "
                              "built-in generator")(
    "run-for", po::value(&run_for)->default_value(0), "stop after this many seconds (0: on "
                                                      "SIGINT/SIGTERM)");
  std::vector<std::string> rest;
  mn::node_options defaults;
  defaults.http = "127.0.0.1:8080";
  mn::node_options opts;
  try {
    opts = mn::node_options::from_command_line(argc, argv, defaults, &rest);
    po::variables_map vm;
    po::store(po::command_line_parser(rest).options(desc).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    if (every_ms < 1)
      throw po::error("--every-ms must be at least 1");
  } catch (const po::error& e) {
    std::cerr << "tweet_summaries: " << mn::option_error_message(e, mn::any_percent(argc, argv))
              << " (see --help)\n";
    return 2;
  } catch (const mn::error& e) {
    std::cerr << "tweet_summaries: " << e.what() << "\n";
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    mn::node node{opts};
    // The service: summaries straight from the dict, on the node's HTTP port.
    node.http_route("GET", "/summaries/{subject}", [&node](const mn::http_request& req) {
      auto subject = req.param("subject");
      auto s = node.get_dict("tweet_summaries").get(subject);
      if (!s)
        return mn::http_response::error(mn::errc::key_missing,
                                        "no summary of '" + subject
                                          + "' yet; GET /summaries lists the subjects");
      return mn::http_response::json(*s);
    });
    node.http_route("GET", "/summaries", [&node](const mn::http_request&) {
      return mn::http_response::json({{"subjects", node.get_dict("tweet_summaries").keys()}});
    });
    node.schedule("extract_summaries", mn::every(std::chrono::milliseconds(every_ms)),
                  [&node, feed](mn::schedule_context& ctx) { extract_summaries(node, feed, ctx); });
    std::cout << "tweet_summaries: node '" << opts.name << "' serving http://"
              << opts.http.substr(0, opts.http.rfind(':')) << ":" << node.http_port()
              << "/summaries, summarising every " << every_ms << " ms from "
              << (feed.empty() ? std::string{"the built-in generator"} : "folder " + feed)
              << ", data in " << opts.data_dir << std::endl;
    if (run_for > 0) {
      timespec limit{run_for, 0};
      sigtimedwait(&stop_signals, nullptr, &limit);
    } else {
      int sig = 0;
      sigwait(&stop_signals, &sig);
    }
    std::cout << "tweet_summaries: stopping" << std::endl;
  } catch (const mn::error& e) {
    std::cerr << "tweet_summaries: " << e.what() << "\n";
    return e.code() == mn::errc::bad_config ? 2 : 1;
  }
  return 0;
}
