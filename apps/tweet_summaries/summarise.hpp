#pragma once
// A small extractive summariser for the tweet-summaries example: for one
// subject, the most frequent words (stop words aside) and the item that
// covers most of them.
#include "apps/tweet_summaries/feed.hpp"

#include <mn/value.hpp>

#include <map>
#include <string>
#include <vector>

namespace tweets {

/// Groups `items` by subject and summarises each:
/// {"subject", "summary" (the most representative text, at most 140
/// characters), "keywords" (up to 5), "items" (how many were read)}.
std::map<std::string, mn::value> summarise(const std::vector<item>& items);

} // namespace tweets
