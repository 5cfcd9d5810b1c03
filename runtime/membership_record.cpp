#include "runtime/membership_record.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mn::runtime {

namespace {

constexpr const char* file_name = "MEMBERSHIP";

struct record {
  std::string self;
  std::map<std::string, std::string> members; // name -> "host:port" or "-"
};

std::string address_of(const peer& p) {
  return p.host.empty() && p.port == 0 ? "-" : p.host + ":" + std::to_string(p.port);
}

record from(const membership& m) {
  record r;
  r.self = m.self();
  for (auto& p : m.members())
    r.members[p.name] = address_of(p);
  return r;
}

std::string names(const record& r) {
  std::string out;
  for (auto& [name, addr] : r.members)
    out += (out.empty() ? "" : ", ") + name;
  return "{" + out + "}";
}

// "--name a --peer a=H:P --peer b=H:P": the options that match record `r`.
std::string options_of(const record& r) {
  std::string out = "--name " + r.self;
  for (auto& [name, addr] : r.members)
    if (addr != "-")
      out += " --peer " + name + "=" + addr;
  auto self = r.members.find(r.self);
  if (self != r.members.end() && self->second != "-")
    out += " --listen " + self->second;
  return out;
}

std::string render(const record& r) {
  std::string out =
    "# multinode-cpp: the node name and cluster members this data directory is used with.\n"
    "# Written by the node; a node started here with another name or member list refuses to\n"
    "# start. Delete this file only if you have moved the dicts to their new owners yourself.\n"
    "version 1\n";
  out += "self " + r.self + "\n";
  for (auto& [name, addr] : r.members)
    out += "member " + name + " " + addr + "\n";
  return out;
}

storage::status malformed(const std::string& path, const std::string& what) {
  return {errc::bad_config,
          "the membership record " + path + " is malformed (" + what
            + "); the node writes it and never reads a changed one: if you know the name "
              "and members this data directory was used with, delete the file and start "
              "the node with exactly those, else restore the file from a backup"};
}

// Reads the record at `path`; `found` false when there is none.
storage::status read_record(const std::string& path, record& out, bool& found) {
  found = false;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return storage::status::ok();
    return {errc::bad_config, "cannot read the membership record " + path + ": "
                                + std::strerror(errno) + "; fix the data directory's permissions"};
  }
  if (!S_ISREG(st.st_mode))
    return malformed(path, "not a regular file");
  if (st.st_size > (1 << 20))
    return malformed(path, "larger than 1 MiB");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return {errc::bad_config, "cannot read the membership record " + path + ": "
                                + std::strerror(errno) + "; fix the data directory's permissions"};
  found = true;
  std::string line;
  int number = 0;
  bool version = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields{line};
    std::string word, a, b, extra;
    fields >> word >> a >> b >> extra;
    auto where = "line " + std::to_string(number);
    if (!version) {
      if (word != "version" || a != "1" || !b.empty())
        return malformed(path, where + ": expected 'version 1'");
      version = true;
    } else if (word == "self" && !a.empty() && b.empty() && out.self.empty()) {
      out.self = a;
    } else if (word == "member" && !a.empty() && !b.empty() && extra.empty()
               && out.members.emplace(a, b).second) {
    } else {
      return malformed(path, where + " is not 'self NAME' or 'member NAME ADDRESS'");
    }
  }
  if (!version || out.self.empty() || out.members.empty() || !out.members.count(out.self))
    return malformed(path, "incomplete: it needs a version, a self line and its member line");
  return storage::status::ok();
}

storage::status write_record(const std::string& dir, const record& r) {
  auto path = membership_record_path(dir);
  auto tmp = path + ".tmp";
  auto text = render(r);
  auto fail = [&](const std::string& doing, int err) -> storage::status {
    ::unlink(tmp.c_str());
    std::string why = err == ENOSPC || err == EDQUOT
                        ? "the disk is full; free space on it, then start the node again"
                        : std::string{std::strerror(err)}
                            + "; make the data directory writable by this process";
    return {err == ENOSPC || err == EDQUOT ? errc::storage_failure : errc::bad_config,
            "cannot " + doing + " the membership record " + path + ": " + why};
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail("create", errno);
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      return fail("write", err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return fail("sync", err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("rename", errno);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return storage::status::ok();
}

} // namespace

std::string membership_record_path(const std::string& dir) {
  return dir + "/" + file_name;
}

storage::status check_membership_record(const std::string& dir, const membership& members) {
  auto path = membership_record_path(dir);
  record now = from(members);
  record old;
  bool found = false;
  if (auto st = read_record(path, old, found); !st)
    return st;
  if (!found)
    return write_record(dir, now); // new directory, or one from before records
  std::string changed;
  auto add = [&](const std::string& s) { changed += (changed.empty() ? "" : "; ") + s; };
  if (old.self != now.self)
    add("the node's name was '" + old.self + "', now '" + now.self + "'");
  for (auto& [name, addr] : old.members)
    if (!now.members.count(name))
      add("member '" + name + "' (" + addr + ") is gone");
  for (auto& [name, addr] : now.members)
    if (!old.members.count(name))
      add("member '" + name + "' (" + addr + ") is new");
  if (!changed.empty())
    return {errc::bad_config,
            "data directory " + dir + " was used by node '" + old.self + "' of members "
              + names(old) + ", but this node is '" + now.self + "' of members " + names(now)
              + " (" + changed
              + "); another membership moves dicts to other owners and would hide their "
                "data. Start with the same name and members as before ("
              + options_of(old)
              + "), or use a new data directory; if you have moved the dicts to their new "
                "owners yourself, delete "
              + path};
  if (old.members != now.members)
    (void) write_record(dir, now); // only addresses moved: placement is the same
  return storage::status::ok();
}

} // namespace mn::runtime
