// Small POSIX helpers for the cache store: private directories, checks that
// refuse foreign or shared files, atomic writes, and tree walks that never
// follow symlinks. All return bool + err (or a value) and never throw.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/stat.h>

#include "util/file.hpp"
#include "util/hash.hpp"

namespace cxximport::cache::fs {

std::string join(std::string_view a, std::string_view b);

// mkdir -p; every directory it creates gets mode 0700.
bool mkdirs_private(const std::string& path, std::string* err);

// Refusal reason for a stat result ("" when fine): must be of the wanted
// type (directory or regular file; a symlink is always refused), owned by
// geteuid() or root and not writable by group or others.
// any_owner: for a read-only file system, whose files nobody can change (see
// read_only_fs), any owner is accepted.
std::string refusal(const struct stat& st, bool want_dir, bool any_owner = false);

// Whether path is on a file system mounted read-only (statvfs ST_RDONLY).
bool read_only_fs(const std::string& path);

// The check OpenSSH's StrictModes makes, for an existing directory dir (the
// nearest existing ancestor of a cache root) and every directory above it:
// resolves dir's symlinks once (*resolved), then requires each directory from
// there up to / to be owned by the current user or root and not writable by
// group or others unless sticky (/tmp), or on a read-only file system
// (which nobody can change). Otherwise someone else could swap
// the cache, or a parent of it, for a directory they control. false with the
// offending directory in *err.
bool secure_ancestors(const std::string& dir, std::string* resolved, std::string* err);

// lstat(path) + refusal(); false with a message naming path.
bool check_private(const std::string& path, bool want_dir, std::string* err, bool any_owner = false);

// Reads all of fd (from its current offset).
bool read_fd(int fd, std::string* out, std::string* err);
// Streams fd into XXH3-128 (hex): cxximport::hash_fd in util/hash.hpp.
using cxximport::hash_fd;

// The atomic writer: cxximport::write_file_atomic in util/file.hpp.
using cxximport::write_file_atomic;

// rm -rf without following symlinks (a symlink is unlinked, never entered).
bool remove_tree(const std::string& path, std::string* err);

// Sets directories to 0700 and files to 0600 (0700 when executable); never
// follows symlinks.
bool make_tree_private(const std::string& path, std::string* err);

// Bytes of the regular files under path (no symlinks followed).
std::uint64_t tree_size(const std::string& path);

// Seconds since the epoch, real time.
std::int64_t now_seconds();

}  // namespace cxximport::cache::fs
