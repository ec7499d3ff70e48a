#include "build/process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <csignal>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cxximport::build {

bool RealProcessRunner::run(const std::vector<std::string>& argv, const std::string& cwd,
                            const std::function<bool()>& tick, ProcessResult* result,
                            std::string* err) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *err = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // posix_spawn_file_actions_addchdir_np exists in glibc >= 2.29.
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    *err = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return false;
  }

  result->output.clear();
  char buf[8192];
  bool killed = false;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, 100);
    if (n < 0 && errno != EINTR) break;
    if (n > 0) {
      ssize_t got = read(fds[0], buf, sizeof buf);
      if (got > 0) {
        result->output.append(buf, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0) break;
      if (errno != EINTR && errno != EAGAIN) break;
    }
    if (tick && !tick() && !killed) {
      kill(pid, SIGTERM);  // ninja passes it on to the compilers it started
      killed = true;
    }
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

std::string shell_quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=+:,@%") == std::string::npos)
    return arg;
  std::string out = "'";
  for (char ch : arg) {
    if (ch == '\'') out += "'\\''";
    else out += ch;
  }
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t k = 0; k < argv.size(); ++k) out += (k ? " " : "") + shell_quote(argv[k]);
  return out;
}

}  // namespace cxximport::build
