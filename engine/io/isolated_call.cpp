#include "engine/io/isolated_call.h"

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace embedscope::io {

namespace {

bool writeAll(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

}  // namespace

Result<std::vector<std::byte>> runIsolated(const std::string& what, const std::function<Status(std::vector<std::byte>& out)>& job,
                                           int timeoutSeconds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::internal(what + ": cannot create a pipe: " + std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::internal(what + ": cannot fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    // Inherited crash handlers (Qt Test's, a GUI's crash reporter) must not run in the child: a
    // fault there is expected to end it, and the parent turns the signal into the error message.
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGPIPE}) ::signal(sig, SIG_DFL);
    ::signal(SIGINT, SIG_IGN);  // Ctrl-C is the parent's to handle; the child's work is bounded
    std::vector<std::byte> out;
    Status s = Status::internal("the parser threw an exception");
    try {
      s = job(out);
    } catch (...) {
    }
    // Frame: 1 byte status code, 8 bytes length, payload (result bytes, or the error message).
    const unsigned char code = static_cast<unsigned char>(s.code());
    const std::string& msg = s.message();
    const std::uint64_t len = s.isOk() ? out.size() : msg.size();
    bool ok = writeAll(fds[1], &code, 1) && writeAll(fds[1], &len, sizeof len);
    if (ok) ok = s.isOk() ? writeAll(fds[1], out.data(), out.size()) : writeAll(fds[1], msg.data(), msg.size());
    ::close(fds[1]);
    ::_exit(ok ? 0 : 3);  // _exit: no atexit handlers, no flushing of the parent's stdio buffers
  }
  ::close(fds[1]);
  std::vector<std::byte> buf;
  // EMBEDSCOPE_ISOLATION_TIMEOUT (seconds) overrides the limit: the fuzz harness meets libhdf5
  // inputs that loop forever and must not wait two minutes for each.
  if (const char* env = std::getenv("EMBEDSCOPE_ISOLATION_TIMEOUT")) {
    const int v = std::atoi(env);
    if (v > 0) timeoutSeconds = v;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  bool timedOut = false;
  std::byte chunk[1 << 16];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timedOut = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int pr = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    const ssize_t k = ::read(fds[0], chunk, sizeof chunk);
    if (k < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (k == 0) break;
    buf.insert(buf.end(), chunk, chunk + k);
  }
  ::close(fds[0]);
  if (timedOut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timedOut) return Status::dataError(what + ": the parser did not finish within " + std::to_string(timeoutSeconds) + " s");
  if (WIFSIGNALED(status))
    return Status::dataError(what + ": the HDF5 parser crashed on this file (signal " + std::to_string(WTERMSIG(status)) +
                             ", " + strsignal(WTERMSIG(status)) + "); the file is damaged or hostile");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf.size() < 9)
    return Status::dataError(what + ": the parser process failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
  const auto code = static_cast<StatusCode>(static_cast<unsigned char>(buf[0]));
  std::uint64_t len = 0;
  std::memcpy(&len, buf.data() + 1, sizeof len);
  if (len != buf.size() - 9) return Status::internal(what + ": the parser's reply is garbled");
  if (code != StatusCode::Ok) return Status(code, std::string(reinterpret_cast<const char*>(buf.data() + 9), len));
  return std::vector<std::byte>(buf.begin() + 9, buf.end());
}

}  // namespace embedscope::io
