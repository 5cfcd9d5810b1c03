#pragma once
// lmdb_env: one LMDB environment (one directory, one unnamed database) with the
// two rules LMDB leaves to its user enforced in one place:
//  - the map grows by itself: a write that hits MDB_MAP_FULL is aborted, the
//    map is enlarged, and the write runs again, so users never see MAP_FULL;
//  - enlarging the map needs no transaction open in this process, so every
//    transaction holds a shared lock that growth takes exclusively.
// Each read runs in its own short snapshot (MDB_NOTLS: any thread may read).
// Write transactions begin and commit inside one write() call, on one thread.
#include "storage/status.hpp"

#include <lmdb.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace mn::storage {

struct env_options {
  /// Map size when the environment is created; it doubles when full (steps of
  /// at most 1 GiB once past 1 GiB). An existing larger file keeps its size.
  std::size_t initial_map_size = 64u << 20;
  /// true: every commit is synced (fsync) before write() returns. false: no
  /// sync (MDB_NOSYNC): a machine crash may lose recent commits, a process
  /// crash does not.
  bool sync = true;
  unsigned max_readers = 1024;
};

/// LMDB return code to status, with `context` naming what was being done.
status lmdb_status(int rc, const std::string& context);

class lmdb_env {
public:
  /// Opens (creating if needed) the environment in existing directory `dir`.
  /// Errors: corrupted (not an LMDB file, or wrong version), bad_config
  /// (permissions), storage_failure (anything else).
  static status open(const std::string& dir, const env_options& opts,
                     std::unique_ptr<lmdb_env>& out);

  ~lmdb_env();
  lmdb_env(const lmdb_env&) = delete;
  lmdb_env& operator=(const lmdb_env&) = delete;

  /// Runs `fn(MDB_txn*, MDB_dbi) -> int` in a read-only snapshot; a non-zero
  /// LMDB code from fn becomes the returned status. Thread-safe.
  template <class F>
  status read(F&& fn) {
    std::shared_lock<std::shared_mutex> guard{resize_mu_};
    if (unmapped_)
      return unmapped();
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn))
      return lmdb_status(rc, "beginning a read of " + dir_);
    int rc = fn(txn, dbi_);
    mdb_txn_abort(txn);
    return rc == 0 ? status::ok() : lmdb_status(rc, "reading " + dir_);
  }

  /// Runs `fn(MDB_txn*, MDB_dbi) -> int` in a write transaction and commits it
  /// (synced unless env_options::sync is false). A non-zero code from fn
  /// aborts the transaction: nothing of it is written. On MDB_MAP_FULL the map
  /// grows and fn runs again from the same state, so fn must depend on nothing
  /// but the database and its inputs. Call from one thread at a time.
  template <class F>
  status write(F&& fn) {
    for (int attempt = 0; attempt < 64; ++attempt) {
      int rc = 0;
      {
        std::shared_lock<std::shared_mutex> guard{resize_mu_};
        if (unmapped_)
          return unmapped();
        MDB_txn* txn = nullptr;
        if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0)
          return lmdb_status(rc, "beginning a write to " + dir_);
        rc = fn(txn, dbi_);
        if (rc != 0)
          mdb_txn_abort(txn);
        else
          rc = mdb_txn_commit(txn); // frees txn whatever the outcome
      }
      if (rc == 0)
        return status::ok();
      if (rc != MDB_MAP_FULL)
        return write_failure(rc);
      if (auto st = grow(); !st)
        return st;
    }
    return {errc::storage_failure, "the map of " + dir_ + " could not grow enough for one write"};
  }

  /// Current map size in bytes.
  std::size_t map_size() const noexcept { return map_size_; }
  const std::string& dir() const noexcept { return dir_; }

private:
  lmdb_env() = default;
  status grow();
  /// lmdb_status() of a failed write, telling a full disk from other I/O
  /// errors (LMDB reports a short write, which a full disk causes, as EIO).
  status write_failure(int rc) const;
  /// The error of every call once the map could not be mapped again.
  status unmapped() const;

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  std::string dir_;
  std::size_t map_size_ = 0;
  std::shared_mutex resize_mu_;
  bool unmapped_ = false; // growth failed and the old map could not be restored
};

} // namespace mn::storage
