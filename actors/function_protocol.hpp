#pragma once
// The messages of a node's function runner (reached through the node actor,
// which delegates them). Arguments and results travel MessagePack-encoded.
//
//   request                                  reply
//   (fcall_atom, name, arg bytes)            string: the result's bytes
//        errors: unknown_function; function_failed (the exception's text,
//        naming the node); timeout (the caller's own deadline)
//   (fcallmany_atom, name, vector<string> args)  vector<string>: results in order
//        one call per argument, run one after the other on one function
//        thread (how map batches); the first failure fails the whole request
//   (flocal_atom, completion_ptr c)         none: c->x.out gets the result's bytes
//        (c->x.key = name, c->x.a = arg bytes) or c->x.result the error, then
//        c->finish(); from plain threads of this process (completion.hpp)
//   (flist_atom)                             vector<string>: "name|timeout_ms|max_retries"
#include <caf/atom.hpp>

namespace mn::actors {

using fcall_atom = caf::atom_constant<caf::atom("mn_fcall")>;
using fcallmany_atom = caf::atom_constant<caf::atom("mn_fcallm")>;
using flist_atom = caf::atom_constant<caf::atom("mn_flist")>;
using flocal_atom = caf::atom_constant<caf::atom("mn_flocal")>;
using fdone_atom = caf::atom_constant<caf::atom("mn_fdone")>;

} // namespace mn::actors
