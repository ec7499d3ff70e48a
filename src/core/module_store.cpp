#include "core/module_store.hpp"

#include "cache/admin.hpp"

namespace cxximport::core {

namespace {

class CacheStore : public ModuleStore {
 public:
  explicit CacheStore(cache::Store store) : store_(std::move(store)) {}
  const std::string& root() const override { return store_.root(); }
  bool read_only() const override { return store_.read_only(); }
  bool lookup(const std::string& key, cache::Hit* hit, cache::Miss* miss) override {
    return store_.lookup(key, hit, miss);
  }
  void remember_key_fields(const std::string& source, const cache::KeyFields& fields) override {
    store_.remember_key_fields(source, fields);
  }
  void explain_miss(const std::string& source, const cache::KeyFields& now, cache::Miss* miss) override {
    store_.explain_miss(source, now, miss);
  }
  std::unique_ptr<cache::KeyLock> lock(const std::string& key, double timeout_seconds,
                                       const cache::WaitCallback& on_wait, bool* timed_out, std::string* err) override {
    return store_.lock(key, timeout_seconds, on_wait, err, timed_out);
  }
  bool make_build_dir(const std::string& key, std::string* dir, std::string* err) override {
    return store_.make_build_dir(key, dir, err);
  }
  bool publish(const std::string& build_dir, const cache::Manifest& m, cache::Hit* hit, std::string* err) override {
    return store_.publish(build_dir, m, hit, err);
  }
  void discard(const std::string& build_dir, const std::string& key, bool keep_log) override {
    store_.discard(build_dir, key, keep_log);
  }
  std::string failed_log_path(const std::string& key) const override { return store_.failed_log_path(key); }
  void count(std::string_view stat) override { store_.count(stat); }
  bool keep_under(std::uint64_t cap, const std::string& keep_entry, std::string* err) override {
    cache::PruneResult pruned;
    return cache::prune_to_fit(store_.root(), cap, keep_entry, &pruned, err);
  }

 private:
  cache::Store store_;
};

}  // namespace

std::unique_ptr<ModuleStore> CacheStores::open(const std::string& root, std::string* err) {
  cache::Store store(root);
  if (!store.open(err)) return nullptr;
  return std::make_unique<CacheStore>(std::move(store));
}

std::unique_ptr<ModuleStore> CacheStores::open_private_fallback(const std::string& why, std::string* warning,
                                                                std::string* err) {
  cache::Store store("");
  if (!cache::Store::open_private_fallback(why, &store, warning, err)) return nullptr;
  return std::make_unique<CacheStore>(std::move(store));
}

}  // namespace cxximport::core
