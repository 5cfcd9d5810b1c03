#pragma once
// The feed of the tweet-summaries example: where new text items come from.
// No internet: items are read from a folder of files (one item a file, moved
// aside once read), or made up by a generator shipped here, deterministic per
// period, so that every node would make the same items for the same period.
#include <cstdint>
#include <string>
#include <vector>

namespace tweets {

struct item {
  std::string subject;
  std::string text;
};

/// Items of the period that starts at `period_ms` (Unix ms), from the
/// generator: 3 to 8 items about a few subjects.
std::vector<item> generate(int64_t period_ms);

/// The items in the files of `dir` not read yet: each file holds one item,
/// its first line "subject: <subject>", the rest the text. Read files are
/// renamed to "<name>.done". Files that do not parse are renamed "<name>.bad"
/// and reported in `problems`. Errors: throws std::runtime_error when `dir`
/// cannot be read.
std::vector<item> read_folder(const std::string& dir, std::vector<std::string>& problems);

} // namespace tweets
