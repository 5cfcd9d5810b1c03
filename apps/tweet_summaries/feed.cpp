#include "apps/tweet_summaries/feed.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace tweets {

namespace fs = std::filesystem;

namespace {

// splitmix64: a deterministic stream from a seed.
uint64_t next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct topic {
  const char* subject;
  std::vector<const char*> phrases;
};

const std::vector<topic>& topics() {
  static const std::vector<topic> all = {
    {"weather",
     {"heavy rain expected in the north tonight", "sunny skies and warm winds this afternoon",
      "storm warning issued for the coast", "rain clears by morning, cold wind stays",
      "record heat in the south, rain in the north"}},
    {"football",
     {"late goal wins the derby", "keeper saves a penalty in extra time",
      "coach praises the young striker after the goal", "derby ends in a draw after a late penalty",
      "striker scores twice, keeper injured"}},
    {"databases",
     {"new release speeds up writes with group commit", "durable writes need fsync on every commit",
      "benchmark compares group commit against an append log",
      "key value stores trade durability for speed", "fsync latency decides durable write speed"}},
    {"space",
     {"rocket launch delayed by wind", "probe sends first images of the moon's far side",
      "launch window opens at dawn, wind permitting", "new telescope images a distant galaxy",
      "moon landing rehearsal goes well"}},
  };
  return all;
}

} // namespace

std::vector<item> generate(int64_t period_ms) {
  uint64_t state = static_cast<uint64_t>(period_ms) * 2654435761ull + 17;
  std::vector<item> out;
  auto n = 3 + next(state) % 6;
  for (uint64_t i = 0; i < n; ++i) {
    auto& t = topics()[next(state) % topics().size()];
    out.push_back({t.subject, t.phrases[next(state) % t.phrases.size()]});
  }
  return out;
}

std::vector<item> read_folder(const std::string& dir, std::vector<std::string>& problems) {
  std::error_code ec;
  fs::directory_iterator it{dir, ec};
  if (ec)
    throw std::runtime_error("cannot read the feed folder '" + dir + "': " + ec.message()
                             + "; create it or pass another --feed");
  std::vector<fs::path> files;
  for (auto& e : it)
    if (e.is_regular_file() && e.path().extension() != ".done" && e.path().extension() != ".bad")
      files.push_back(e.path());
  std::sort(files.begin(), files.end()); // oldest names first
  std::vector<item> out;
  for (auto& f : files) {
    std::ifstream in{f};
    std::string first;
    std::getline(in, first);
    std::stringstream rest;
    rest << in.rdbuf();
    const std::string tag = "subject:";
    auto text = rest.str();
    bool ok = first.compare(0, tag.size(), tag) == 0 && !text.empty();
    if (ok) {
      auto subject = first.substr(tag.size());
      subject.erase(0, subject.find_first_not_of(' '));
      ok = !subject.empty();
      if (ok)
        out.push_back({subject, text});
    }
    if (!ok)
      problems.push_back(f.filename().string()
                         + ": the first line must be 'subject: <subject>', then the text");
    fs::rename(f, f.string() + (ok ? ".done" : ".bad"), ec);
  }
  return out;
}

} // namespace tweets
