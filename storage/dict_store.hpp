#pragma once
// dict_store: the data of one named dict in its own LMDB environment (its own
// directory), so that dicts commit in parallel and damage to one file never
// reaches another dict.
//
// Reads may run on any thread at any time and see every committed write.
// Writes come in batches (apply): one batch is one transaction and one synced
// commit, and the ops in it run in order, each seeing the ones before it.
#include "storage/lmdb_env.hpp"
#include "storage/op.hpp"

#include <mn/value.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mn::storage {

class dict_store {
public:
  /// Opens or creates the dict stored in directory `dir` (which must exist).
  /// Errors: as lmdb_env::open.
  static status open(const std::string& dir, const env_options& opts,
                     std::shared_ptr<dict_store>& out);

  // -- reads: thread-safe, lock-free snapshots --

  /// found=false when absent; else `bytes` is the encoded value.
  /// Errors: key_too_long / invalid_argument for a bad key; storage errors.
  status get(std::string_view key, std::string& bytes, bool& found);
  /// Same, decoded straight from the snapshot (no copy of the bytes).
  /// Errors: as above; corrupted when the stored bytes do not decode.
  status get(std::string_view key, value& out, bool& found);
  status contains(std::string_view key, bool& found);
  /// Number of keys.
  status size(uint64_t& n);
  /// Up to `limit` keys greater than `after` ("" = from the first), ascending
  /// by bytes (memcmp order).
  status keys_after(std::string_view after, std::size_t limit, std::vector<std::string>& out);

  /// Applies a read op (get, contains, size, keys) in a snapshot.
  /// REQUIRES: !is_write(x.kind).
  status read(op& x);

  // -- writes: one thread at a time (the dict actor) --

  /// Applies `batch` in order in one transaction and commits it once. Each
  /// op gets its own result (a type error in one op changes nothing for it and
  /// does not stop the others). Returns non-ok only when the transaction
  /// itself failed: then nothing of the batch was written and every op's
  /// result says so.
  status apply(std::vector<op>& batch);
  /// Same for one op.
  status apply(op& x);

  const std::string& dir() const noexcept { return env_->dir(); }
  std::size_t map_size() const noexcept { return env_->map_size(); }

private:
  std::unique_ptr<lmdb_env> env_;
};

} // namespace mn::storage
