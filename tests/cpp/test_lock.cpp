#include "cache/lock.hpp"

#include <chrono>
#include <csignal>
#include <poll.h>
#include <sys/wait.h>

#include "cache/process_id.hpp"
#include "cache_test_util.hpp"
#include "check.hpp"

using namespace cxximport::cache;
using namespace cachetest;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Forks a child that takes the lock at path with mode, signals through a
// pipe, then sleeps until killed. Returns its pid once it holds the lock.
pid_t fork_holder(const std::string& path, LockMode mode) {
  int p[2];
  if (::pipe(p) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string err;
    auto lock = acquire_lock(path, "test", mode, 5, nullptr, &err);
    char c = lock ? 1 : 0;
    if (::write(p[1], &c, 1) != 1) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(p[1]);
  char c = 0;
  if (::read(p[0], &c, 1) != 1 || c != 1) {
    ::close(p[0]);
    return -1;
  }
  ::close(p[0]);
  return pid;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

void check_blocks_then_acquires_when_holder_dies(LockMode mode) {
  TempDir tmp;
  std::string path = tmp / "k.lock";
  pid_t child = fork_holder(path, mode);
  CHECK(child > 0);

  // While the child holds it, we wait, hear its pid about once a second,
  // and time out with a message naming the key and the pid.
  std::vector<int> reported;
  std::string err;
  auto t0 = Clock::now();
  auto lock = acquire_lock(path, "key abc", mode, 2.3, [&](int pid, double) { reported.push_back(pid); }, &err);
  double waited = seconds_since(t0);
  CHECK(!lock);
  CHECK(waited >= 2.3 && waited < 3.5);
  CHECK_EQ(reported.size(), 2u);
  for (int pid : reported) CHECK_EQ(pid, child);
  CHECK(err.find("key abc") != std::string::npos);
  CHECK(err.find("pid " + std::to_string(child)) != std::string::npos);
  CHECK(err.find("timed out") != std::string::npos);
  CHECK_EQ(lock_holder_pid(path), child);

  // SIGKILL the holder: the lock is ours at once.
  kill_and_reap(child);
  t0 = Clock::now();
  lock = acquire_lock(path, "key abc", mode, 5, nullptr, &err);
  CHECK(lock != nullptr);
  CHECK(seconds_since(t0) < 0.5);
  CHECK_EQ(lock_holder_pid(path), static_cast<int>(::getpid()));
  lock.reset();
  CHECK_EQ(lock_holder_pid(path), 0);
}

}  // namespace

TEST(lock_waits_reports_holder_and_is_freed_by_holder_death) {
  check_blocks_then_acquires_when_holder_dies(LockMode::kFlock);
}

TEST(exclusive_file_lock_fallback_breaks_lock_of_dead_holder) {
  check_blocks_then_acquires_when_holder_dies(LockMode::kExclusiveFile);
}

TEST(lock_zero_timeout_tries_once) {
  TempDir tmp;
  std::string path = tmp / "k.lock", err;
  pid_t child = fork_holder(path, LockMode::kFlock);
  auto t0 = Clock::now();
  CHECK(!acquire_lock(path, "key z", LockMode::kFlock, 0, nullptr, &err));
  CHECK(seconds_since(t0) < 0.2);
  kill_and_reap(child);
}

TEST(lock_is_reacquirable_after_release) {
  TempDir tmp;
  std::string path = tmp / "k.lock", err;
  for (LockMode mode : {LockMode::kFlock, LockMode::kExclusiveFile}) {
    auto a = acquire_lock(path, "k", mode, 1, nullptr, &err);
    CHECK(a != nullptr);
    a.reset();
    auto b = acquire_lock(path, "k", mode, 0, nullptr, &err);
    CHECK(b != nullptr);
  }
}

TEST(lock_waiter_on_deleted_lock_file_does_not_share_the_lock) {
  // A waiter blocked on a lock file that is then deleted and recreated must
  // not take the old file's lock while a newcomer holds the new file's.
  TempDir tmp;
  std::string path = tmp / "k.lock", err;
  int p[2];
  CHECK(::pipe(p) == 0);
  // Fork before locking: a forked child shares its parent's open file
  // descriptions, and with them its flocks.
  pid_t waiter = ::fork();
  if (waiter == 0) {
    ::close(p[0]);
    ::usleep(100 * 1000);
    std::string e;
    auto l = acquire_lock(path, "k", LockMode::kFlock, 10, nullptr, &e);
    if (!l) std::cerr << "waiter: " << e << "\n";
    char c = l ? 1 : 0;
    if (::write(p[1], &c, 1) != 1) ::_exit(1);
    ::_exit(0);
  }
  ::close(p[1]);
  auto a = acquire_lock(path, "k", LockMode::kFlock, 1, nullptr, &err);
  CHECK(a != nullptr);
  ::usleep(300 * 1000);  // the waiter has opened the old file by now
  ::unlink(path.c_str());
  auto b = acquire_lock(path, "k", LockMode::kFlock, 1, nullptr, &err);  // new file
  CHECK(b != nullptr);
  a.reset();  // frees the old file's lock: the waiter must not take it
  struct pollfd pfd = {p[0], POLLIN, 0};
  CHECK_EQ(::poll(&pfd, 1, 400), 0);
  b.reset();
  char c = 0;
  CHECK(::read(p[0], &c, 1) == 1);
  CHECK_EQ(c, 1);
  ::close(p[0]);
  ::waitpid(waiter, nullptr, 0);
}

TEST(exclusive_lock_of_live_process_on_other_host_is_not_broken) {
  TempDir tmp;
  std::string path = tmp / "k.lock", err;
  ProcessIdentity other = self_identity();
  other.host = "elsewhere.example";
  other.pid = 1;
  write_file(path + ".excl", format_identity(other));
  auto lock = acquire_lock(path, "key q", LockMode::kExclusiveFile, 0.1, nullptr, &err);
  CHECK(!lock);
  CHECK(err.find("on host elsewhere.example") != std::string::npos);
}

TEST(process_identity_round_trips_and_detects_reuse) {
  ProcessIdentity me = self_identity(), back;
  CHECK(parse_identity(format_identity(me), &back));
  CHECK_EQ(back.pid, me.pid);
  CHECK_EQ(back.start_time, me.start_time);
  CHECK(liveness(back) == Liveness::kAlive);
  back.start_time += 1;  // same pid, other process
  CHECK(liveness(back) == Liveness::kDead);
  back = me;
  back.boot_id = "another-boot";
  CHECK(liveness(back) == Liveness::kDead);
  CHECK(!parse_identity("pid=12 start=3", &back));  // partial write
}
