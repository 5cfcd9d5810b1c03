#pragma once
// mn::value: the JSON-like data a dict holds. It is nlohmann::json, so users get
// a well-known API: `mn::value v = {{"a", 1}, {"b", {1, 2.5, "x"}}};`, `v.dump()`,
// `mn::value::parse(text)`, `v.get<int64_t>()`.
//
// Kinds: null, bool, integer (64-bit; non-negative integers may come back as
// number_unsigned, which compares equal to the same signed number), float,
// string, list (array), map (object), binary (bytes). Equality is deep, and
// numbers compare by value: 1 == 1.0.
#include <nlohmann/json.hpp>

namespace mn {

using value = nlohmann::json;

} // namespace mn
