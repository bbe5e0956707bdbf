#include "engine/io/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace embedscope::io {

struct ZipReader::Impl {
  zip_t* archive = nullptr;
  ~Impl() {
    if (archive) zip_discard(archive);
  }
};

ZipReader::ZipReader() = default;
ZipReader::~ZipReader() = default;
ZipReader::ZipReader(ZipReader&&) noexcept = default;
ZipReader& ZipReader::operator=(ZipReader&&) noexcept = default;

Result<ZipReader> ZipReader::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Status::ioError("cannot open " + path + ": no such file");
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string why = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    return Status::dataError(path + ": offset 0: not a readable zip archive (" + why + ")");
  }
  ZipReader r;
  r.m_impl = std::make_unique<Impl>();
  r.m_impl->archive = z;
  r.m_path = path;
  const zip_int64_t n = zip_get_num_entries(z, 0);
  std::set<std::string> seen;
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0)
      return Status::dataError(path + ": zip member " + std::to_string(i) + ": " + zip_strerror(z));
    ZipMember m;
    m.name = st.name ? st.name : "";
    m.size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
    m.compressedSize = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    m.index = static_cast<std::uint64_t>(i);
    if (!seen.insert(m.name).second) return Status::dataError(path + ": duplicate zip member '" + m.name + "'");
    r.m_members.push_back(std::move(m));
  }
  return r;
}

const ZipMember* ZipReader::find(const std::string& name) const {
  for (const auto& m : m_members)
    if (m.name == name) return &m;
  return nullptr;
}

Result<std::vector<std::byte>> ZipReader::read(const ZipMember& member, std::uint64_t maxBytes) const {
  const std::string where = m_path + ": member '" + member.name + "'";
  if (member.size > maxBytes)
    return Status::dataError(where + ": declares " + std::to_string(member.size) + " bytes, more than the limit of " +
                             std::to_string(maxBytes));
  // Deflate cannot exceed ~1032:1; a member claiming more is a bomb or a lie (Keras refuses >100x
  // on large members too).
  if (member.size > (1ull << 20) && member.size / 1100 > member.compressedSize)
    return Status::dataError(where + ": declares " + std::to_string(member.size) + " bytes from " +
                             std::to_string(member.compressedSize) + " compressed (a zip bomb?)");
  std::error_code ec;
  const auto fileSize = std::filesystem::file_size(m_path, ec);
  if (!ec && member.compressedSize > fileSize)
    return Status::dataError(where + ": compressed size exceeds the archive");
  zip_file_t* f = zip_fopen_index(m_impl->archive, member.index, 0);
  if (!f) return Status::dataError(where + ": " + zip_strerror(m_impl->archive));
  // Grow with the data actually decompressed, never straight to the declared size: a member
  // that lies about its size costs what it really holds.
  std::vector<std::byte> out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(member.size, 64u << 20)));
  std::uint64_t got = 0;
  while (got < member.size) {
    const std::uint64_t want = std::min<std::uint64_t>(member.size - got, 16u << 20);
    out.resize(static_cast<std::size_t>(got + want));
    const zip_int64_t k = zip_fread(f, out.data() + got, want);
    if (k < 0) {
      std::string why = zip_error_strerror(zip_file_get_error(f));
      zip_fclose(f);
      return Status::dataError(where + ": offset " + std::to_string(got) + ": " + why);
    }
    if (k == 0) break;
    got += static_cast<std::uint64_t>(k);
  }
  out.resize(static_cast<std::size_t>(got));
  char extra = 0;
  const zip_int64_t more = got == member.size ? zip_fread(f, &extra, 1) : 0;
  const int closeErr = zip_fclose(f);
  if (got != member.size || more > 0)
    return Status::dataError(where + ": decompressed length differs from the declared " + std::to_string(member.size));
  if (closeErr != 0) return Status::dataError(where + ": CRC or decompression error");
  return out;
}

void ZipWriter::add(std::string name, std::vector<std::byte> bytes, bool compress) {
  m_entries.push_back({std::move(name), std::move(bytes), compress});
}

Status ZipWriter::write(const std::string& path) const {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return Status::ioError("cannot write " + path + ": no such directory " + dir.string());
  // Build beside the target and rename, like writeFileAtomically: libzip's own temporary would do
  // the same, but a stale target would be opened and parsed first.
  const std::string tmp = (dir / ("." + target.filename().string() + ".ziptmp")).string();
  fs::remove(tmp, ec);
  int err = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z) return Status::ioError("cannot write " + path + ": libzip error " + std::to_string(err));
  for (const auto& e : m_entries) {
    zip_source_t* src = zip_source_buffer(z, e.bytes.data(), e.bytes.size(), 0);
    if (!src) {
      zip_discard(z);
      return Status::ioError("cannot write " + path + ": " + zip_strerror(z));
    }
    const zip_int64_t idx = zip_file_add(z, e.name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      std::string why = zip_strerror(z);
      zip_discard(z);
      return Status::ioError("cannot write " + path + ": " + why);
    }
    zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), e.compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(z) != 0) {
    std::string why = zip_strerror(z);
    zip_discard(z);
    fs::remove(tmp, ec);
    return Status::ioError("cannot write " + path + ": " + why);
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::ioError("cannot write " + path + ": " + ec.message());
  }
  return Status::ok();
}

}  // namespace embedscope::io
