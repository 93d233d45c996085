#include "instance_claim.hpp"

#include "text_channels.hpp"

#include <hanabi/error.hpp>
#ifdef HANABI_WITH_REDIS
#  include <hanabi/storage/redis_connection.hpp>
#endif

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

namespace bot {

namespace {

// An flock on "<file>.<name>.lock", held while the descriptor is open.
class file_claim final : public instance_claim {
 public:
  static hanabi::result<std::unique_ptr<instance_claim>> wait(const std::filesystem::path& store_file, const std::string& name) {
    const auto path = store_file.string() + "." + name + ".lock";
    auto failed = [&](const char* what) {
      return hanabi::failure{hanabi::error::storage_failure,
                             hanabi::diagnostics{fmt::format("{} cannot be {}: {}", path, what, std::strerror(errno))}};
    };
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return failed("opened");
    while (::flock(fd, LOCK_EX) != 0)
      if (errno != EINTR) {
        auto f = failed("locked");
        ::close(fd);
        return f;
      }
    return std::unique_ptr<instance_claim>(new file_claim(fd));
  }
  ~file_claim() override { ::close(fd_); }

 private:
  explicit file_claim(int fd) : fd_(fd) {}
  int fd_;
};

#ifdef HANABI_WITH_REDIS
using hanabi::storage::redis_reply;

// Renews the lease if this holder still has it: 1, or 0 when it expired or another holds it.
constexpr const char* renew_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
// Deletes the lease if this holder still has it.
constexpr const char* release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

std::string holder_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  return fmt::format("{}@{}#{:08x}{:08x}", ::getpid(), host, rd(), rd());
}

// The lease <key_prefix>bot:claim:<name> (see the header).
class redis_lease final : public instance_claim {
 public:
  static hanabi::result<std::unique_ptr<instance_claim>> wait(hanabi::storage::redis_store_config config, const std::string& name,
                                                              std::chrono::seconds lease, const hanabi::logger& log,
                                                              std::function<void()> on_lost) {
    auto key = config.key_prefix + "bot:claim:" + name;
    std::unique_ptr<redis_lease> claim(new redis_lease(std::move(config), std::move(key), lease, log, std::move(on_lost)));
    if (auto taken = claim->take(name); !taken) return taken.error();
    claim->renewer_ = std::thread([raw = claim.get()] { raw->keep(); });
    return std::unique_ptr<instance_claim>(std::move(claim));
  }

  ~redis_lease() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    renewer_.join();
    if (!lost_) (void)connection_.command({"EVAL", release_script, "1", key_, id_});
  }

 private:
  redis_lease(hanabi::storage::redis_store_config config, std::string key, std::chrono::seconds lease, hanabi::logger log,
              std::function<void()> on_lost)
      : connection_(std::move(config)), key_(std::move(key)), id_(holder_id()), lease_(lease), log_(std::move(log)),
        on_lost_(std::move(on_lost)) {}

  std::chrono::milliseconds renew_every() const { return std::chrono::duration_cast<std::chrono::milliseconds>(lease_) / 3; }

  // SET NX until it succeeds; a failed command (the server is unreachable) ends the wait.
  hanabi::result<void> take(const std::string& name) {
    const auto retry = std::min<std::chrono::milliseconds>(std::chrono::seconds{1}, renew_every());
    bool told = false;
    for (;;) {
      auto set = connection_.command({"SET", key_, id_, "NX", "PX", std::to_string(std::chrono::milliseconds(lease_).count())});
      if (!set) return set.error();
      if (set->type == redis_reply::kind::status) return {};
      if (!std::exchange(told, true)) {
        auto holder = connection_.command({"GET", key_});
        log_.warn("{} is held by another process ({}): waiting for it to end or its lease of {} s to run out", name,
                  holder ? holder->str : "unknown", lease_.count());
      }
      std::this_thread::sleep_for(retry);
    }
  }

  // The renewal thread: renews until stopped, or until the lease turns out lost.
  void keep() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, renew_every(), [this] { return stopping_; })) {
      lock.unlock();
      auto renewed = connection_.command({"EVAL", renew_script, "1", key_, id_, std::to_string(std::chrono::milliseconds(lease_).count())});
      lock.lock();
      if (!renewed) {
        log_.warn("the claim's lease was not renewed ({}): trying again", renewed.error().what());
        continue;
      }
      if (renewed->integer == 0) {
        lost_ = true;
        log_.error("the claim's lease ran out while this process held it: another process may hold the name now");
        if (on_lost_) on_lost_();
        return;
      }
    }
  }

  hanabi::storage::redis_connection connection_;  // the renewal thread's once wait() returned
  const std::string key_;
  const std::string id_;
  const std::chrono::seconds lease_;
  const hanabi::logger log_;
  std::function<void()> on_lost_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool lost_ = false;  // written by the renewal thread, read after it joined
  std::thread renewer_;
};
#endif

}  // namespace

hanabi::result<std::unique_ptr<instance_claim>> instance_claim::wait(const bot_config& c, const secrets& s, const std::string& name,
                                                                     const hanabi::logger& log, std::function<void()> on_lost) {
#ifdef HANABI_WITH_REDIS
  if (c.redis)
    return redis_lease::wait(std::get<hanabi::storage::redis_store_config>(store_config_of(c, s, log)), name, c.redis->claim_lease,
                             log, std::move(on_lost));
#else
  (void)s;  // a config naming Redis is refused at load in this build
  (void)log;
#endif
  (void)on_lost;  // an flock is never lost
  return file_claim::wait(c.storage_path, name);
}

}  // namespace bot
