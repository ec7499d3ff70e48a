// What the orchestrator needs of the cache, as a small interface: the real
// cache::Store stands behind it (CacheStores), and the orchestrator's unit
// tests (tests/cpp/test_orchestrator.cpp) put a fake store behind it to
// drive hits, misses, lock waits and publish races without a cache on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cache/store.hpp"

namespace cxximport::core {

class ModuleStore {
 public:
  virtual ~ModuleStore() = default;
  virtual const std::string& root() const = 0;
  virtual bool read_only() const = 0;
  // A miss says why (cache/miss.hpp); a refused entry (cache::refused: wrong
  // owner, bad permissions) is rebuilt with a warning.
  virtual bool lookup(const std::string& key, cache::Hit* hit, cache::Miss* miss) = 0;
  // The key fields of a source's last build, and a miss explained by them
  // (cache::Store::remember_key_fields, explain_miss). Best effort: a store
  // without the memo leaves the miss as it is.
  virtual void remember_key_fields(const std::string& /*source*/, const cache::KeyFields& /*fields*/) {}
  virtual void explain_miss(const std::string& /*source*/, const cache::KeyFields& /*now*/, cache::Miss* /*miss*/) {}
  // nullptr on failure; *timed_out tells a timeout (the holder kept it) from
  // an unusable lock.
  virtual std::unique_ptr<cache::KeyLock> lock(const std::string& key, double timeout_seconds,
                                               const cache::WaitCallback& on_wait, bool* timed_out,
                                               std::string* err) = 0;
  virtual bool make_build_dir(const std::string& key, std::string* dir, std::string* err) = 0;
  // Publishes build_dir as key's entry; *hit is the published entry, the
  // first publisher's when another process published the same one meanwhile
  // (build_dir is then discarded). False when nothing could be published.
  virtual bool publish(const std::string& build_dir, const cache::Manifest& m, cache::Hit* hit, std::string* err) = 0;
  virtual void discard(const std::string& build_dir, const std::string& key, bool keep_log) = 0;
  virtual std::string failed_log_path(const std::string& key) const = 0;
  virtual void count(std::string_view stat) = 0;
  // Prunes least recently used entries until the cache fits cap bytes, never
  // removing keep_entry.
  virtual bool keep_under(std::uint64_t cap, const std::string& keep_entry, std::string* err) = 0;
};

// Where stores come from: the root a request names, and the private
// fallback when that root is unusable or read-only.
class StoreOpener {
 public:
  virtual ~StoreOpener() = default;
  virtual std::unique_ptr<ModuleStore> open(const std::string& root, std::string* err) = 0;
  // *warning: one line for the user (shown once per root).
  virtual std::unique_ptr<ModuleStore> open_private_fallback(const std::string& why, std::string* warning,
                                                             std::string* err) = 0;
};

// The real cache (cache::Store).
class CacheStores : public StoreOpener {
 public:
  std::unique_ptr<ModuleStore> open(const std::string& root, std::string* err) override;
  std::unique_ptr<ModuleStore> open_private_fallback(const std::string& why, std::string* warning,
                                                     std::string* err) override;
};

}  // namespace cxximport::core
