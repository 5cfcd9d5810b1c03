#include "apps/tweet_summaries/summarise.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tweets {

namespace {

const std::set<std::string>& stop_words() {
  static const std::set<std::string> all = {
    "a", "an", "and", "the", "in", "on", "of", "for", "by", "to", "is", "after", "at",
    "with", "this", "its", "it", "new", "every", "goes", "well", "first", "stays", "twice"};
  return all;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      if (w.size() > 2 && !stop_words().count(w))
        out.push_back(w);
      w.clear();
    }
  }
  return out;
}

} // namespace

std::map<std::string, mn::value> summarise(const std::vector<item>& items) {
  std::map<std::string, std::vector<const item*>> by_subject;
  for (auto& i : items)
    by_subject[i.subject].push_back(&i);
  std::map<std::string, mn::value> out;
  for (auto& [subject, group] : by_subject) {
    std::map<std::string, int> freq;
    for (auto* i : group)
      for (auto& w : words(i->text))
        ++freq[w];
    std::vector<std::pair<std::string, int>> ranked(freq.begin(), freq.end());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](auto& a, auto& b) { return a.second > b.second; });
    std::vector<std::string> keywords;
    for (std::size_t k = 0; k < ranked.size() && k < 5; ++k)
      keywords.push_back(ranked[k].first);
    // The item whose words score highest stands for the group.
    const item* best = group.front();
    int best_score = -1;
    for (auto* i : group) {
      int score = 0;
      for (auto& w : words(i->text))
        score += freq[w];
      if (score > best_score) {
        best = i;
        best_score = score;
      }
    }
    auto summary = best->text.substr(0, 140);
    while (!summary.empty() && std::isspace(static_cast<unsigned char>(summary.back())))
      summary.pop_back();
    out[subject] = mn::value{{"subject", subject},
                             {"summary", summary},
                             {"keywords", keywords},
                             {"items", group.size()}};
  }
  return out;
}

} // namespace tweets
