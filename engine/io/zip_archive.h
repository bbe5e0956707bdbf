#pragma once
// Zip archives (.npz, .keras) through libzip. Reading checks every member's declared size against
// the archive before anything is allocated (a zip bomb is refused, as Keras refuses one), and
// writing goes through libzip's own temporary-and-rename, so a failed save leaves no half archive.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::io {

struct ZipMember {
  std::string name;
  std::uint64_t size = 0;            // uncompressed
  std::uint64_t compressedSize = 0;
  std::uint64_t index = 0;
};

class ZipReader {
 public:
  ZipReader();
  ~ZipReader();
  ZipReader(ZipReader&&) noexcept;
  ZipReader& operator=(ZipReader&&) noexcept;

  static Result<ZipReader> open(const std::string& path);
  const std::vector<ZipMember>& members() const { return m_members; }
  const ZipMember* find(const std::string& name) const;
  // The member's bytes; DataError when it is larger than `maxBytes`, claims more than a sane
  // compression ratio allows, or reads back a different length than declared.
  Result<std::vector<std::byte>> read(const ZipMember& member, std::uint64_t maxBytes = (16ull << 30)) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  std::vector<ZipMember> m_members;
  std::string m_path;
};

class ZipWriter {
 public:
  // Adds members in order; `compress` deflates (numpy's savez_compressed), otherwise stored.
  void add(std::string name, std::vector<std::byte> bytes, bool compress = false);
  // Writes the archive to `path` atomically.
  Status write(const std::string& path) const;

 private:
  struct Entry {
    std::string name;
    std::vector<std::byte> bytes;
    bool compress;
  };
  std::vector<Entry> m_entries;
};

}  // namespace embedscope::io
