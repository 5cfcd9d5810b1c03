#include "runtime/cron.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <cctype>
#include <exception>
#include <vector>

namespace mn::detail {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using days = date::days;

const char* const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const day_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct field_def {
  const char* name;
  int lo, hi;
  const char* const* names = nullptr; // names[i] stands for lo + i
  int name_count = 0;
  const char* allowed; // what the error messages say is allowed
};

const field_def field_defs[5] = {
  {"minute", 0, 59, nullptr, 0, "0-59"},
  {"hour", 0, 23, nullptr, 0, "0-23"},
  {"day-of-month", 1, 31, nullptr, 0, "1-31"},
  {"month", 1, 12, month_names, 12, "1-12 or JAN-DEC"},
  {"day-of-week", 0, 7, day_names, 7, "0-7 (0 and 7 are Sunday) or SUN-SAT"},
};

struct macro {
  const char* name;
  const char* fields;
};

const macro macros[] = {
  {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
  {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
  {"@hourly", "0 * * * *"},
};

const char* const macro_list =
  "@hourly, @daily (or @midnight), @weekly, @monthly, @yearly (or @annually)";

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool all_digits(const std::string& s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

// A decimal number; values past a million are capped there (any of them is
// out of every field's range and larger than every useful step).
int number_of(const std::string& s) {
  long v = 0;
  for (char c : s) {
    v = v * 10 + (c - '0');
    if (v > 1000000)
      return 1000000;
  }
  return static_cast<int>(v);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos)
      return out;
    start = at + 1;
  }
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty())
        out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty())
    out.push_back(std::move(cur));
  return out;
}

std::string squote(const std::string& s) { return "'" + s + "'"; }

// Parses one value of field `f` (a number or, for month and day-of-week, a
// name) into `v`; else returns false with `err` set.
bool parse_value(const field_def& f, const std::string& tok, const std::string& item, int& v,
                 bool& named, std::string& err) {
  named = false;
  if (tok.empty()) {
    err = std::string(f.name) + " " + squote(item) + " lacks a value; allowed: " + f.allowed;
    return false;
  }
  if (all_digits(tok)) {
    v = number_of(tok);
    if (v < f.lo || v > f.hi) {
      err = std::string(f.name) + " " + squote(tok) + " is out of range " + std::to_string(f.lo)
            + "-" + std::to_string(f.hi);
      if (f.names)
        err += std::string(" (allowed: ") + f.allowed + ")";
      return false;
    }
    return true;
  }
  if (f.names) {
    auto up = upper(tok);
    for (int i = 0; i < f.name_count; ++i)
      if (up == f.names[i]) {
        v = f.lo + i;
        named = true;
        return true;
      }
    err = std::string(f.name) + " " + squote(tok) + " is neither a number nor a "
          + (f.names == month_names ? "month" : "day") + " name; allowed: " + f.allowed;
    return false;
  }
  err = std::string(f.name) + " " + squote(tok) + " is not a number; allowed: " + f.allowed;
  return false;
}

// Parses field `f` from `text` into `bits` (bit i: value i; for day-of-week
// 7 is folded into 0); else returns false with `err` set.
bool parse_field(const field_def& f, const std::string& text, std::bitset<64>& bits,
                 std::string& err) {
  bool is_dow = f.names == day_names;
  for (const auto& item : split(text, ',')) {
    if (item.empty()) {
      err = std::string(f.name) + " " + squote(text)
            + " has an empty list item; give items such as 1,5 or 1-5";
      return false;
    }
    auto parts = split(item, '/');
    if (parts.size() > 2) {
      err = std::string(f.name) + " " + squote(item) + " has more than one '/'";
      return false;
    }
    int step = 1;
    bool stepped = parts.size() == 2;
    if (stepped) {
      const auto& s = parts[1];
      if (!all_digits(s)) {
        err = std::string(f.name) + " " + squote(item) + ": step " + squote(s)
              + " is not a number; give a step of at least 1, as in */15";
        return false;
      }
      step = number_of(s);
      if (step == 0) {
        err = std::string(f.name) + " " + squote(item)
              + " has a step of 0; a step must be at least 1";
        return false;
      }
    }
    const auto& base = parts[0];
    int first = 0, last = 0;
    if (base == "*") {
      first = f.lo;
      last = f.hi;
    } else if (auto dash = base.find('-'); dash != std::string::npos) {
      bool named_first = false, named_last = false;
      if (!parse_value(f, base.substr(0, dash), item, first, named_first, err)
          || !parse_value(f, base.substr(dash + 1), item, last, named_last, err))
        return false;
      if (is_dow && named_last && last == 0 && first > 0)
        last = 7; // MON-SUN: Sunday as the end of a week
      if (first > last) {
        err = std::string(f.name) + " " + squote(item)
              + " is a range that ends before it starts; give START-END with START <= END";
        return false;
      }
    } else {
      bool named = false;
      if (!parse_value(f, base, item, first, named, err))
        return false;
      last = stepped ? f.hi : first; // N/STEP: from N to the end of the range
    }
    for (int v = first; v <= last; v += step)
      bits.set(is_dow && v == 7 ? 0 : static_cast<std::size_t>(v));
  }
  return true;
}

unsigned last_day(int y, unsigned m) {
  return static_cast<unsigned>(
    date::year_month_day_last{date::year{y}, date::month_day_last{date::month{m}}}.day());
}

// Days since 1970-01-01 of the date y-m-d (in whatever zone).
days civil(int y, unsigned m, unsigned d) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}}.time_since_epoch();
}

const seconds max_seconds = std::chrono::floor<seconds>(sys_time::max().time_since_epoch());
const seconds min_seconds = std::chrono::ceil<seconds>(sys_time::min().time_since_epoch());

// Within 400 years the Gregorian calendar goes through every combination of
// date and weekday that it ever has.
const days calendar_cycle{146097 + 366};

} // namespace

storage::status cron_expression::parse(const cron& c, cron_expression& out) {
  auto fail = [&](const std::string& what) {
    return storage::status{errc::invalid_argument, "cron " + squote(c.expression) + ": " + what};
  };
  auto words = split_ws(c.expression);
  if (!words.empty() && words[0][0] == '@') {
    auto name = words[0];
    auto lower = name;
    for (auto& ch : lower)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == "@reboot")
      return fail("@reboot is not supported: a schedule runs at times, not when a node starts; use "
                  + std::string(macro_list) + " or 5 fields");
    const macro* found = nullptr;
    for (const auto& m : macros)
      if (lower == m.name)
        found = &m;
    if (!found)
      return fail("unknown macro " + squote(name) + "; use " + macro_list + " or 5 fields");
    if (words.size() > 1)
      return fail(name + " takes no fields, but " + squote(words[1]) + " follows it");
    words = split_ws(found->fields);
  }
  if (words.size() != 5)
    return fail("expected 5 fields (minute hour day-of-month month day-of-week), got "
                + std::to_string(words.size()));

  std::bitset<64> bits[5];
  for (int i = 0; i < 5; ++i) {
    std::string err;
    if (!parse_field(field_defs[i], words[i], bits[i], err))
      return fail(err);
  }
  cron_expression x;
  for (std::size_t i = 0; i < 60; ++i)
    x.minutes_[i] = bits[0][i];
  for (std::size_t i = 0; i < 24; ++i)
    x.hours_[i] = bits[1][i];
  for (std::size_t i = 1; i <= 31; ++i)
    x.days_[i] = bits[2][i];
  for (std::size_t i = 1; i <= 12; ++i)
    x.months_[i] = bits[3][i];
  for (std::size_t i = 0; i < 7; ++i)
    x.weekdays_[i] = bits[4][i];
  x.days_restricted_ = words[2][0] != '*';
  x.weekdays_restricted_ = words[4][0] != '*';

  try {
    x.zone_ = date::locate_zone(c.time_zone);
  } catch (const std::exception&) {
    return fail("unknown time zone " + squote(c.time_zone)
                + "; give an IANA name such as \"Europe/Berlin\" or \"UTC\"");
  }

  // Never matching: when both day fields are restricted, any day of the
  // matching weekdays does. Otherwise a day must match both; every date
  // falls on every weekday in some year (Feb 29 too, within 400 years), so
  // the expression matches iff some month has one of the days.
  if (!(x.days_restricted_ && x.weekdays_restricted_)) {
    bool any = false;
    for (unsigned m = 1; m <= 12 && !any; ++m)
      if (x.months_[m])
        for (unsigned d = 1; d <= (m == 2 ? 29u : last_day(2001, m)) && !any; ++d)
          any = x.days_[d];
    if (!any)
      return fail("it never matches: day-of-month " + squote(words[2])
                  + " is never a day of month " + squote(words[3]));
  }
  x.text_ = c.expression + " (" + c.time_zone + ")";
  out = std::move(x);
  return storage::status::ok();
}

bool cron_expression::day_matches(int y, unsigned m, unsigned d) const {
  bool dom = days_[d];
  auto wd = date::weekday{date::sys_days{civil(y, m, d)}}.c_encoding();
  bool dow = weekdays_[wd];
  return days_restricted_ && weekdays_restricted_ ? dom || dow : dom && dow;
}

std::optional<cron_expression::local_minutes>
cron_expression::next_local(local_minutes from, local_minutes limit) const {
  auto day0 = std::chrono::floor<days>(from);
  date::year_month_day ymd{date::sys_days{day0}};
  int y = static_cast<int>(ymd.year());
  unsigned mo = static_cast<unsigned>(ymd.month());
  unsigned d = static_cast<unsigned>(ymd.day());
  int h = static_cast<int>((from - day0) / hours(1));
  int mi = static_cast<int>((from - day0 - hours(h)) / minutes(1));
  auto next_day = [&] {
    ++d;
    h = 0;
    mi = 0;
  };
  for (;;) {
    if (civil(y, mo, 1) > limit)
      return std::nullopt;
    if (!months_[mo] || d > last_day(y, mo)) {
      if (++mo > 12) {
        mo = 1;
        ++y;
      }
      d = 1;
      h = 0;
      mi = 0;
      continue;
    }
    if (!day_matches(y, mo, d)) {
      next_day();
      continue;
    }
    int hh = h;
    while (hh < 24 && !hours_[static_cast<std::size_t>(hh)])
      ++hh;
    if (hh == 24) {
      next_day();
      continue;
    }
    if (hh != h) {
      h = hh;
      mi = 0;
    }
    int mm = mi;
    while (mm < 60 && !minutes_[static_cast<std::size_t>(mm)])
      ++mm;
    if (mm == 60) {
      mi = 0;
      if (++h == 24)
        next_day();
      continue;
    }
    local_minutes r = civil(y, mo, d) + hours(h) + minutes(mm);
    if (r >= limit)
      return std::nullopt;
    return r;
  }
}

std::optional<cron_expression::local_minutes>
cron_expression::prev_local(local_minutes from, local_minutes limit) const {
  auto day0 = std::chrono::floor<days>(from);
  date::year_month_day ymd{date::sys_days{day0}};
  int y = static_cast<int>(ymd.year());
  unsigned mo = static_cast<unsigned>(ymd.month());
  unsigned d = static_cast<unsigned>(ymd.day());
  int h = static_cast<int>((from - day0) / hours(1));
  int mi = static_cast<int>((from - day0 - hours(h)) / minutes(1));
  auto prev_month = [&] {
    if (--mo == 0) {
      mo = 12;
      --y;
    }
    d = last_day(y, mo);
    h = 23;
    mi = 59;
  };
  auto prev_day = [&] {
    if (--d == 0) {
      prev_month();
    } else {
      h = 23;
      mi = 59;
    }
  };
  auto limit_day = std::chrono::floor<days>(limit);
  for (;;) {
    if (civil(y, mo, d) < limit_day)
      return std::nullopt;
    if (!months_[mo]) {
      prev_month();
      continue;
    }
    if (!day_matches(y, mo, d)) {
      prev_day();
      continue;
    }
    int hh = h;
    while (hh >= 0 && !hours_[static_cast<std::size_t>(hh)])
      --hh;
    if (hh < 0) {
      prev_day();
      continue;
    }
    if (hh != h) {
      h = hh;
      mi = 59;
    }
    int mm = mi;
    while (mm >= 0 && !minutes_[static_cast<std::size_t>(mm)])
      --mm;
    if (mm < 0) {
      mi = 59;
      if (--h < 0)
        prev_day();
      continue;
    }
    local_minutes r = civil(y, mo, d) + hours(h) + minutes(mm);
    if (r < limit)
      return std::nullopt;
    return r;
  }
}

seconds cron_expression::instant_of(local_minutes l) const {
  date::local_seconds ls{std::chrono::duration_cast<seconds>(l)};
  auto info = zone_->get_info(ls);
  switch (info.result) {
  case date::local_info::nonexistent: // skipped by a spring-forward: the end of the gap
    return info.second.begin.time_since_epoch();
  case date::local_info::ambiguous: // repeated by a fall-back: its first occurrence
  case date::local_info::unique:
  default:
    return ls.time_since_epoch() - info.first.offset;
  }
}

// Local time L runs at f(L) = the first instant whose local time is L or
// later; f never decreases as L grows. Any L at or before the local time of
// t has f(L) <= t; so the search starts after it and goes on while f(L) <= t
// (only within a repeated hour, or the like).
sys_time cron_expression::next_after(sys_time t) const {
  auto ts = std::chrono::floor<seconds>(t);
  auto offset = zone_->get_info(ts).offset;
  auto from = std::chrono::floor<minutes>(ts.time_since_epoch() + offset) + minutes(1);
  auto limit = from + calendar_cycle;
  while (auto l = next_local(from, limit)) {
    auto s = instant_of(*l);
    if (s > max_seconds)
      return sys_time::max();
    if (sys_time{s} > t)
      return sys_time{s};
    from = *l + minutes(1);
  }
  return sys_time::max(); // never: parse() refuses expressions that never match
}

// f(L) <= t holds for every L up to the latest local time seen by t, which
// is t's own, or more just after a fall-back (the end of an earlier offset);
// the search goes back from the latest of these while f(L) > t.
std::optional<sys_time> cron_expression::latest_at_or_before(sys_time t) const {
  auto ts = std::chrono::floor<seconds>(t);
  auto info = zone_->get_info(ts);
  auto local = std::chrono::floor<minutes>(ts.time_since_epoch() + info.offset);
  auto from = local;
  for (auto begin = info.begin; begin > ts - days(2);) {
    auto before = zone_->get_info(begin - seconds(1));
    from = std::max(from, std::chrono::ceil<minutes>(begin.time_since_epoch() + before.offset));
    begin = before.begin;
  }
  auto limit = local - days(2922); // 8 years
  while (auto l = prev_local(from, limit)) {
    auto s = instant_of(*l);
    if (s <= ts.time_since_epoch())
      return s < min_seconds ? std::nullopt : std::optional<sys_time>{sys_time{s}};
    from = *l - minutes(1);
  }
  return std::nullopt;
}

} // namespace mn::detail
