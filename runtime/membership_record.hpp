#pragma once
// membership_record: the node name and cluster members a data directory was
// used with, so that a node restarted on it with another membership refuses
// to start instead of silently moving dicts to other owners.
//
//   <data_dir>/MEMBERSHIP   text, owner-only, replaced atomically (write a
//                           temporary file, fsync, rename, fsync the directory):
//     # comment lines
//     version 1
//     self NAME
//     member NAME HOST:PORT        (one per member, "-" for no address)
//
// Placement depends on member names only (rendezvous hashing), so only the
// name of this node and the set of member names must match; a changed address
// is accepted and recorded. A directory without a record (new, or from before
// records existed) adopts the current membership.
#include "runtime/membership.hpp"
#include "storage/status.hpp"

#include <string>

namespace mn::runtime {

/// The record's path in data directory `dir`.
std::string membership_record_path(const std::string& dir);

/// Checks `members` (and its self name) against the record in `dir`, writing
/// the record when there is none or only addresses differ. Call before any
/// dict of `dir` is opened; it changes nothing else in `dir`.
/// Errors: bad_config when the name or the member names differ (saying old vs
/// new and what to do) or the record is unreadable or malformed;
/// storage_failure when a missing record cannot be written (e.g. disk full).
storage::status check_membership_record(const std::string& dir, const membership& members);

} // namespace mn::runtime
