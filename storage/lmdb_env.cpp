#include "storage/lmdb_env.hpp"

#include <cerrno>
#include <cstring>

namespace mn::storage {

status lmdb_status(int rc, const std::string& context) {
  switch (rc) {
    case 0:
      return status::ok();
    case MDB_INVALID:
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_VERSION_MISMATCH:
      return {errc::corrupted,
              context + ": " + mdb_strerror(rc)
                + "; the data file is damaged or not an LMDB file: restore this dict's "
                  "directory from a backup (other dicts are not affected)"};
    case ENOSPC:
      return {errc::storage_failure,
              context + ": the disk is full; free space or move the data directory, then retry"};
    case EACCES:
    case EPERM:
    case EROFS:
      return {errc::bad_config,
              context + ": " + std::strerror(rc)
                + "; make the data directory readable and writable by this process"};
    default:
      return {errc::storage_failure, context + ": " + mdb_strerror(rc)};
  }
}

status lmdb_env::open(const std::string& dir, const env_options& opts,
                      std::unique_ptr<lmdb_env>& out) {
  std::unique_ptr<lmdb_env> self{new lmdb_env};
  self->dir_ = dir;
  if (int rc = mdb_env_create(&self->env_))
    return lmdb_status(rc, "creating an LMDB environment for " + dir);
  mdb_env_set_maxreaders(self->env_, opts.max_readers);
  mdb_env_set_mapsize(self->env_, opts.initial_map_size);
  unsigned flags = MDB_NOTLS;
  if (!opts.sync)
    flags |= MDB_NOSYNC;
  if (int rc = mdb_env_open(self->env_, dir.c_str(), flags, 0600)) {
    mdb_env_close(self->env_);
    self->env_ = nullptr;
    return lmdb_status(rc, "opening " + dir);
  }
  // Clear reader slots left behind by a crashed process.
  int dead = 0;
  mdb_reader_check(self->env_, &dead);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(self->env_, nullptr, 0, &txn);
  if (rc == 0) {
    rc = mdb_dbi_open(txn, nullptr, 0, &self->dbi_);
    if (rc == 0)
      rc = mdb_txn_commit(txn);
    else
      mdb_txn_abort(txn);
  }
  if (rc != 0)
    return lmdb_status(rc, "opening the database in " + dir);
  MDB_envinfo info;
  mdb_env_info(self->env_, &info);
  self->map_size_ = info.me_mapsize;
  out = std::move(self);
  return status::ok();
}

lmdb_env::~lmdb_env() {
  if (env_ != nullptr)
    mdb_env_close(env_);
}

status lmdb_env::grow() {
  std::unique_lock<std::shared_mutex> guard{resize_mu_};
  constexpr std::size_t gib = std::size_t{1} << 30;
  std::size_t next = map_size_ < gib ? map_size_ * 2 : map_size_ + gib;
  if (int rc = mdb_env_set_mapsize(env_, next))
    return lmdb_status(rc, "growing the map of " + dir_);
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_size_ = info.me_mapsize;
  return status::ok();
}

} // namespace mn::storage
