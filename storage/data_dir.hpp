#pragma once
// data_dir: a node's data directory and the exclusive claim on it.
//
//   <data_dir>/LOCK            flock()ed by the one node that uses the directory;
//                              holds that node's pid, for the error message
//   <data_dir>/dicts/<name>/   one LMDB environment per dict (data.mdb, lock.mdb)
//   <data_dir>/MEMBERSHIP      the node name and members the directory is used
//                              with (runtime/membership_record.hpp)
//
// The claim is an flock, so it is released by the kernel when the process dies
// (kill -9 included) and a restarted node takes it again at once.
#include "storage/status.hpp"

#include <string>
#include <vector>

namespace mn::storage {

class data_dir {
public:
  /// Creates `path` (owner-only permissions) if needed and claims it.
  /// Errors: bad_config when `path` is a file, cannot be created or written,
  /// or is claimed by another node (in this process or another).
  static status open(const std::string& path, data_dir& out);

  data_dir() = default;
  data_dir(data_dir&& other) noexcept;
  data_dir& operator=(data_dir&& other) noexcept;
  ~data_dir();

  /// The directory of dict `name`, created if `create`. REQUIRES: a valid name.
  status dict_path(const std::string& name, bool create, std::string& out) const;
  /// true when dict `name` has data on disk.
  bool has_dict(const std::string& name) const;
  /// The names of all dicts on disk, sorted.
  status list_dicts(std::vector<std::string>& out) const;

  const std::string& path() const noexcept { return path_; }

private:
  std::string path_;
  int lock_fd_ = -1;
};

} // namespace mn::storage
