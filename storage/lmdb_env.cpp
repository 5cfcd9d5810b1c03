#include "storage/lmdb_env.hpp"

#include <cerrno>
#include <cstring>

#include <sys/statvfs.h>

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
    case EDQUOT:
    case EFBIG:
      return {errc::storage_failure,
              context + ": the disk is full (" + std::strerror(rc)
                + "); nothing of this write was stored. Free space on the data directory's "
                  "file system (or move the data directory), then retry: reads keep working "
                  "meanwhile"};
    case MDB_PANIC:
      // Set for good once writing a meta page failed (e.g. ENOSPC or EIO from
      // fdatasync/pwrite in mdb_env_write_meta); only a reopen clears it.
      return {errc::storage_failure,
              context + ": LMDB stopped this dict after a failed write of its header page "
                        "(disk full or I/O error); free space or check the disk, then restart "
                        "the node (every acknowledged write is on disk)"};
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

status lmdb_env::write_failure(int rc) const {
  auto context = "writing to " + dir_;
  if (rc != EIO)
    return lmdb_status(rc, context);
  // LMDB turns a short pwrite() into EIO; a short write to a regular file
  // means the file system ran out of space (or quota) on the way.
  struct statvfs fs;
  if (::statvfs(dir_.c_str(), &fs) == 0) {
    auto free_bytes = static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize;
    auto total = static_cast<unsigned long long>(fs.f_blocks) * fs.f_frsize;
    if (free_bytes < (64ull << 20) || free_bytes < total / 100)
      return {errc::storage_failure,
              context + ": the disk is full (a write was cut short, "
                + std::to_string(free_bytes >> 10)
                + " KiB left); nothing of this write was stored. Free space on the data "
                  "directory's file system (or move the data directory), then retry: reads "
                  "keep working meanwhile"};
  }
  return {errc::storage_failure,
          context + ": input/output error; nothing of this write was stored. Check the disk "
                    "(kernel log, free space), then retry"};
}

status lmdb_env::unmapped() const {
  return {errc::storage_failure,
          "the map of " + dir_ + " could not be mapped again after a failed growth (out of "
            "address space or memory?); restart the node: the data on disk is intact"};
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
  // Growth only remaps (no file space is taken on Linux: LMDB extends the
  // file by writing pages, and a full disk fails that write, not this), so it
  // fails only when mmap() does (address space, ulimit -v). LMDB 0.9 has then
  // unmapped the old map and left none: any later call would touch freed
  // memory, so the environment refuses every call until the node restarts.
  if (int rc = mdb_env_set_mapsize(env_, next)) {
    unmapped_ = rc != EINVAL; // EINVAL: refused before unmapping (a write in progress)
    return lmdb_status(rc, "growing the map of " + dir_ + " to " + std::to_string(next >> 20)
                             + " MiB");
  }
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_size_ = info.me_mapsize;
  return status::ok();
}

} // namespace mn::storage
