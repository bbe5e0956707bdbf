#include "engine/core/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <fcntl.h>

namespace embedscope {

Status writeFileAtomically(const std::string& path, const std::function<Status(std::ostream&)>& write) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::ioError("cannot write " + path + ": no such directory " + dir.string());
  // pid + a per-process counter: two saves of one path at once (autosave beside a manual save) never
  // share a temporary.
  static std::atomic<unsigned> counter{0};
  const std::string tmp = (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                                  std::to_string(counter.fetch_add(1))))
                              .string();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::ioError("cannot write " + path + ": " + std::strerror(errno));
    Status s = write(out);
    out.flush();
    if (s.isOk() && !out) s = Status::ioError("cannot write " + path + ": write failed (disk full?)");
    out.close();
    if (!s.isOk()) {
      fs::remove(tmp, ec);
      return s;
    }
  }
  // fsync so the rename never publishes a file whose data is still only in the page cache.
  const int fd = ::open(tmp.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(tmp, ec);
    return Status::ioError("cannot write " + path + ": " + why);
  }
  return Status::ok();
}

}  // namespace embedscope
