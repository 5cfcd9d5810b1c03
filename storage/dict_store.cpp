#include "storage/dict_store.hpp"

#include "storage/arith.hpp"
#include "storage/codec.hpp"
#include "storage/limits.hpp"

namespace mn::storage {

namespace {

MDB_val as_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Reads `key` inside `txn`; rc is 0 (found), MDB_NOTFOUND, or a failure.
int lookup(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view& out) {
  MDB_val k = as_val(key);
  MDB_val v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == 0)
    out = as_view(v);
  return rc;
}

int put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view bytes,
        unsigned flags = 0) {
  MDB_val k = as_val(key);
  MDB_val v = as_val(bytes);
  return mdb_put(txn, dbi, &k, &v, flags);
}

int keys_page(MDB_txn* txn, MDB_dbi dbi, std::string_view after, std::size_t limit,
              std::vector<std::string>& out) {
  out.clear();
  if (limit == 0)
    return 0;
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, dbi, &cur))
    return rc;
  MDB_val k;
  MDB_val v;
  int rc;
  if (after.empty()) {
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  } else {
    k = as_val(after);
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && as_view(k) == after)
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  while (rc == 0 && out.size() < limit) {
    out.emplace_back(as_view(k));
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

// Applies one op inside a write transaction. Logical failures (bad key, type
// mismatch, ...) go into x.result and return 0; only LMDB failures that doom
// the whole transaction are returned.
int apply_one(MDB_txn* txn, MDB_dbi dbi, op& x) {
  x.result = status::ok();
  x.found = false;
  x.out.clear();
  if (x.kind != op_kind::size && x.kind != op_kind::keys && x.kind != op_kind::set_many) {
    if (auto st = check_key(x.key); !st) {
      x.result = st;
      return 0;
    }
  }
  std::string_view cur;
  switch (x.kind) {
    case op_kind::get:
    case op_kind::contains: {
      int rc = lookup(txn, dbi, x.key, cur);
      if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
      x.found = rc == 0;
      if (x.found && x.kind == op_kind::get)
        x.out.assign(cur);
      return 0;
    }
    case op_kind::size: {
      MDB_stat st;
      if (int rc = mdb_stat(txn, dbi, &st))
        return rc;
      x.count = st.ms_entries;
      return 0;
    }
    case op_kind::keys:
      return keys_page(txn, dbi, x.key, x.count, x.keys);
    case op_kind::set:
      if (auto st = validate(x.a); !st) {
        x.result = st;
        return 0;
      }
      return put(txn, dbi, x.key, x.a);
    case op_kind::erase: {
      MDB_val k = as_val(x.key);
      int rc = mdb_del(txn, dbi, &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND)
        return rc;
      x.found = rc == 0;
      return 0;
    }
    case op_kind::increment: {
      value current;
      value delta;
      if (auto st = decode(x.a, delta); !st) {
        x.result = st;
        return 0;
      }
      int rc = lookup(txn, dbi, x.key, cur);
      if (rc == MDB_NOTFOUND) {
        if (x.b.empty()) {
          x.result = {errc::key_missing,
                      "cannot increment missing key '" + x.key
                        + "': set it first, or pass an initial value"};
          return 0;
        }
        if (auto st = decode(x.b, current); !st) {
          x.result = st;
          return 0;
        }
      } else if (rc != 0) {
        return rc;
      } else if (auto st = decode(cur, current); !st) {
        x.result = {errc::corrupted, "stored value of key '" + x.key + "' cannot be decoded: "
                                       + st.message()};
        return 0;
      }
      value sum;
      if (auto st = add(current, delta, sum); !st) {
        x.result = st;
        return 0;
      }
      if (auto st = encode(sum, x.out); !st) {
        x.result = st;
        return 0;
      }
      return put(txn, dbi, x.key, x.out);
    }
    case op_kind::cas: {
      if (auto st = validate(x.a); !st) {
        x.result = st;
        return 0;
      }
      value expected;
      if (auto st = decode(x.b, expected); !st) {
        x.result = st;
        return 0;
      }
      int rc = lookup(txn, dbi, x.key, cur);
      if (rc == MDB_NOTFOUND)
        return 0; // missing: not applied
      if (rc != 0)
        return rc;
      value current;
      if (auto st = decode(cur, current); !st) {
        x.result = {errc::corrupted, "stored value of key '" + x.key + "' cannot be decoded: "
                                       + st.message()};
        return 0;
      }
      if (current != expected)
        return 0;
      x.found = true;
      return put(txn, dbi, x.key, x.a);
    }
    case op_kind::set_if_absent: {
      if (auto st = validate(x.a); !st) {
        x.result = st;
        return 0;
      }
      int rc = put(txn, dbi, x.key, x.a, MDB_NOOVERWRITE);
      if (rc == MDB_KEYEXIST)
        return 0;
      x.found = rc == 0;
      return rc;
    }
    case op_kind::set_many: {
      // All or nothing: validate every item before writing any.
      for (auto& [k, v] : x.items) {
        auto st = check_key(k);
        if (st)
          st = validate(v);
        if (!st) {
          x.result = {st.code(), "item '" + k.substr(0, 64) + "': " + st.message()
                                   + " (no item of this call was written)"};
          return 0;
        }
      }
      for (auto& [k, v] : x.items)
        if (int rc = put(txn, dbi, k, v))
          return rc;
      x.count = x.items.size();
      return 0;
    }
  }
  return 0;
}

} // namespace

status dict_store::open(const std::string& dir, const env_options& opts,
                        std::shared_ptr<dict_store>& out) {
  auto self = std::make_shared<dict_store>();
  if (auto st = lmdb_env::open(dir, opts, self->env_); !st)
    return st;
  out = std::move(self);
  return status::ok();
}

status dict_store::get(std::string_view key, std::string& bytes, bool& found) {
  if (auto st = check_key(key); !st)
    return st;
  return env_->read([&](MDB_txn* txn, MDB_dbi dbi) {
    std::string_view cur;
    int rc = lookup(txn, dbi, key, cur);
    found = rc == 0;
    if (found)
      bytes.assign(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
  });
}

status dict_store::get(std::string_view key, value& out, bool& found) {
  if (auto st = check_key(key); !st)
    return st;
  status decoded;
  auto st = env_->read([&](MDB_txn* txn, MDB_dbi dbi) {
    std::string_view cur;
    int rc = lookup(txn, dbi, key, cur);
    found = rc == 0;
    if (found)
      decoded = decode(cur, out);
    return rc == MDB_NOTFOUND ? 0 : rc;
  });
  if (st && !decoded)
    return {errc::corrupted, "stored value of key '" + std::string{key.substr(0, 100)}
                               + "' cannot be decoded: " + decoded.message()};
  return st;
}

status dict_store::contains(std::string_view key, bool& found) {
  if (auto st = check_key(key); !st)
    return st;
  return env_->read([&](MDB_txn* txn, MDB_dbi dbi) {
    std::string_view cur;
    int rc = lookup(txn, dbi, key, cur);
    found = rc == 0;
    return rc == MDB_NOTFOUND ? 0 : rc;
  });
}

status dict_store::size(uint64_t& n) {
  return env_->read([&](MDB_txn* txn, MDB_dbi dbi) {
    MDB_stat st;
    int rc = mdb_stat(txn, dbi, &st);
    n = st.ms_entries;
    return rc;
  });
}

status dict_store::keys_after(std::string_view after, std::size_t limit,
                              std::vector<std::string>& out) {
  return env_->read([&](MDB_txn* txn, MDB_dbi dbi) {
    return keys_page(txn, dbi, after, limit, out);
  });
}

status dict_store::read(op& x) {
  auto st = env_->read([&](MDB_txn* txn, MDB_dbi dbi) { return apply_one(txn, dbi, x); });
  if (!st)
    x.result = st;
  return st;
}

status dict_store::apply(std::vector<op>& batch) {
  auto st = env_->write([&](MDB_txn* txn, MDB_dbi dbi) {
    for (auto& x : batch)
      if (int rc = apply_one(txn, dbi, x))
        return rc;
    return 0;
  });
  if (!st)
    for (auto& x : batch)
      x.result = st;
  return st;
}

status dict_store::apply(op& x) {
  auto st = env_->write([&](MDB_txn* txn, MDB_dbi dbi) { return apply_one(txn, dbi, x); });
  if (!st)
    x.result = st;
  return st;
}

} // namespace mn::storage
