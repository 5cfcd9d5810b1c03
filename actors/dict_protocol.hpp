#pragma once
// The messages a dict actor understands, and what it answers. Keys are strings
// of 1..511 bytes; values travel encoded (storage::encode, MessagePack), so the
// actor stores a set's bytes without decoding them twice and the same messages
// work between nodes. Errors come back as caf::error in category "mn" (see
// caf_errors.hpp).
//
//   request                                        reply
//   (dget_atom, key)                               (bool found, string bytes)
//   (dhas_atom, key)                               bool
//   (dsize_atom)                                   uint64_t
//   (dkeys_atom, after, uint64_t limit)            vector<string> (ascending)
//   (dset_atom, key, bytes)                        bool (true)
//   (ddel_atom, key)                               bool (the key existed)
//   (dincr_atom, key, delta, initial or "")        string (the new value's bytes)
//   (dcas_atom, key, new, expected)                bool (applied)
//   (dsetnx_atom, key, bytes)                      bool (applied)
//   (dsetmany_atom, vector<string> keys, vector<string> values)  uint64_t
//   (dstats_atom)                                  (uint64_t batches, uint64_t ops)
#include <caf/atom.hpp>

namespace mn::actors {

using dget_atom = caf::atom_constant<caf::atom("mn_get")>;
using dhas_atom = caf::atom_constant<caf::atom("mn_has")>;
using dsize_atom = caf::atom_constant<caf::atom("mn_size")>;
using dkeys_atom = caf::atom_constant<caf::atom("mn_keys")>;
using dset_atom = caf::atom_constant<caf::atom("mn_set")>;
using ddel_atom = caf::atom_constant<caf::atom("mn_del")>;
using dincr_atom = caf::atom_constant<caf::atom("mn_incr")>;
using dcas_atom = caf::atom_constant<caf::atom("mn_cas")>;
using dsetnx_atom = caf::atom_constant<caf::atom("mn_setnx")>;
using dsetmany_atom = caf::atom_constant<caf::atom("mn_setmany")>;
using dstats_atom = caf::atom_constant<caf::atom("mn_stats")>;
using dflush_atom = caf::atom_constant<caf::atom("mn_flush")>;

} // namespace mn::actors
