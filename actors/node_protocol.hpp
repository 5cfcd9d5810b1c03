#pragma once
// The messages of a node actor: the one actor each node publishes on its
// --listen port. Other nodes and clients reach dicts through it.
//
//   request                                         reply
//   (nhello_atom, fingerprint, from_name)           (string name, uint16_t fast_port)
//        fast_port: the wire fast path's port, 0 when off
//        error bad_config when the memberships differ (naming the difference)
//   (nopen_atom, dict_name)                         caf::actor: the dict's actor
//        error bad_config when this node is not the dict's owner
//   (nmembers_atom)                                 string: the membership fingerprint
//   (ndicts_atom)                                   vector<string>: the dicts in this
//                                                   node's data directory, sorted
//   (fcall_atom, ...), (flist_atom)                 delegated to the function runner
//                                                   (function_protocol.hpp)
#include <caf/atom.hpp>

namespace mn::actors {

using nhello_atom = caf::atom_constant<caf::atom("mn_hello")>;
using nopen_atom = caf::atom_constant<caf::atom("mn_open")>;
using nmembers_atom = caf::atom_constant<caf::atom("mn_members")>;
using ndicts_atom = caf::atom_constant<caf::atom("mn_dicts")>;

} // namespace mn::actors
