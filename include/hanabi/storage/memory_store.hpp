// A store that keeps everything in memory: the same operations, checks and
// errors as sqlite_store, nothing on disk. For tests of the layers above, and
// for bots that want nothing persisted.
#pragma once

#include <hanabi/detail/config.hpp>
#include <hanabi/storage/store.hpp>

#include <memory>
#include <mutex>

namespace hanabi::storage {

/// Construction parameters of a memory_store.
struct memory_store_config {
  /// When to fold a session's journal into its snapshot (off by default).
  compaction_config compaction;
};

/// The in-memory store. Each operation runs on the initiating thread under a mutex; its handler is
/// posted (never run inline). Thread-safe.
class memory_store final : public store {
 public:
  HANABI_DECL explicit memory_store(executor_type executor, memory_store_config config = {});
  HANABI_DECL ~memory_store() override;

 protected:
  HANABI_DECL void submit(detail::job_ptr job) override;

 private:
  std::mutex mutex_;
  std::unique_ptr<detail::storage_core> core_;
};

}  // namespace hanabi::storage

#ifdef HANABI_HEADER_ONLY
#  include <hanabi/impl/storage_memory.ipp>
#endif
