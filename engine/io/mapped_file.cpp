#include "engine/io/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace embedscope::io {

MappedFile::~MappedFile() { release(); }

MappedFile::MappedFile(MappedFile&& other) noexcept
    : m_data(other.m_data), m_size(other.m_size), m_path(std::move(other.m_path)) {
  other.m_data = nullptr;
  other.m_size = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    m_data = other.m_data;
    m_size = other.m_size;
    m_path = std::move(other.m_path);
    other.m_data = nullptr;
    other.m_size = 0;
  }
  return *this;
}

void MappedFile::release() {
  if (m_data != nullptr && m_size > 0) ::munmap(m_data, m_size);
  m_data = nullptr;
  m_size = 0;
}

Result<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ioError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return Status::ioError("cannot open " + path + ": " + why);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::ioError("cannot open " + path + ": not a regular file");
  }
  MappedFile f;
  f.m_path = path;
  f.m_size = static_cast<std::uint64_t>(st.st_size);
  if (f.m_size > 0) {
    void* p = ::mmap(nullptr, f.m_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      f.m_size = 0;
      return Status::ioError("cannot map " + path + ": " + why);
    }
    f.m_data = static_cast<std::byte*>(p);
    ::madvise(p, f.m_size, MADV_SEQUENTIAL);
  }
  ::close(fd);
  return f;
}

void MappedFile::dropPages(std::uint64_t begin, std::uint64_t end) const {
  if (m_data == nullptr || end <= begin) return;
  const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t first = (begin + page - 1) / page * page;  // only whole pages
  const std::uint64_t last = end / page * page;
  if (last <= first) return;
  ::madvise(m_data + first, last - first, MADV_DONTNEED);
}

}  // namespace embedscope::io
