#pragma once
// A read-only view of a whole file, memory-mapped so that a reader can parse multi-gigabyte files
// without copying them, and so that the pages it has finished with can be handed back (dropPages)
// to keep the resident set small while streaming.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/core/status.h"

namespace embedscope::io {

class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;

  // Opens and maps `path` (an empty file maps to size 0). IoError when it cannot be opened or is
  // not a regular file.
  static Result<MappedFile> open(const std::string& path);

  const std::byte* data() const { return m_data; }
  const char* chars() const { return reinterpret_cast<const char*>(m_data); }
  std::uint64_t size() const { return m_size; }
  const std::string& path() const { return m_path; }

  // Tells the kernel the bytes [begin, end) will not be read again soon, so their pages leave
  // the resident set (streaming readers call this behind their cursor).
  void dropPages(std::uint64_t begin, std::uint64_t end) const;

 private:
  void release();
  std::byte* m_data = nullptr;
  std::uint64_t m_size = 0;
  std::string m_path;
};

}  // namespace embedscope::io
