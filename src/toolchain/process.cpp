#include "toolchain/process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <csignal>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cxximport::build {

namespace {

// execvp's search, done before fork: argv0 itself when it has a '/', else the
// first executable PATH entry (else argv0, which execve then reports missing).
std::string resolve_program(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) return argv0;
  const char* path = getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  for (;;) {
    std::size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + argv0;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0)
      return candidate;
    if (end == std::string::npos) return argv0;
    start = end + 1;
  }
}

}  // namespace

bool RealProcessRunner::run(const std::vector<std::string>& argv, const std::string& cwd,
                            const std::function<bool()>& tick, ProcessResult* result, std::string* err) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *err = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Resolved here: after fork only async-signal-safe calls are allowed.
  std::string program = resolve_program(argv[0]);
  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0) {
    close(fds[0]);
    close(fds[1]);
    *err = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // If the importing process dies (even by SIGKILL) ninja gets SIGTERM and
    // stops the compilers it started: no orphaned build keeps running.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // died before prctl took effect
    int e = 0;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0) e = errno;
    if (!e && !cwd.empty() && chdir(cwd.c_str()) != 0) e = errno;
    if (!e) {
      execve(program.c_str(), args.data(), environ);
      e = errno;
    }
    ssize_t ignored = write(errpipe[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  close(fds[1]);
  close(errpipe[1]);
  int rc = pid < 0 ? errno : 0;
  if (pid > 0) {
    int child_errno = 0;
    ssize_t got;
    while ((got = read(errpipe[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    if (got == static_cast<ssize_t>(sizeof child_errno)) {
      rc = child_errno;
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  close(errpipe[0]);
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
    if (ch == '\'')
      out += "'\\''";
    else
      out += ch;
  }
  return out + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t k = 0; k < argv.size(); ++k) out += (k ? " " : "") + shell_quote(argv[k]);
  return out;
}

}  // namespace cxximport::build
