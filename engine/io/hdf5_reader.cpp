#include "engine/io/hdf5_reader.h"

#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "engine/io/isolated_call.h"
#include "engine/io/npy.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
constexpr std::size_t kMaxObjects = 100000;
constexpr std::size_t kMaxAttrBytes = 64u << 20;

// RAII for hid_t handles.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : m_id(id), m_close(close) {}
  ~Handle() {
    if (m_id >= 0) m_close(m_id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return m_id; }
  bool valid() const { return m_id >= 0; }

 private:
  hid_t m_id;
  herr_t (*m_close)(hid_t);
};

Result<hid_t> openFile(const Hdf5Source& src) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (src.image) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(fapl, 1 << 20, 0);
    H5Pset_file_image(fapl, const_cast<std::byte*>(src.image->data()), src.image->size());
    const hid_t f = H5Fopen("embedscope-image.h5", H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) return Status::dataError(src.path + ": libhdf5 cannot open it as HDF5");
    return f;
  }
  const hid_t f = H5Fopen(src.path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return Status::dataError(src.path + ": libhdf5 cannot open it as HDF5");
  return f;
}

std::string dtypeNameOf(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    if (size == 2) return "float16";
    if (size == 4) return "float32";
    if (size == 8) return "float64";
  } else if (cls == H5T_INTEGER) {
    const bool sign = H5Tget_sign(type) == H5T_SGN_2;
    if (size == 1 || size == 2 || size == 4 || size == 8) return (sign ? "int" : "uint") + std::to_string(size * 8);
  } else if (cls == H5T_STRING) {
    return "string";
  } else if (cls == H5T_OPAQUE) {
    return "opaque" + std::to_string(size * 8);
  } else if (cls == H5T_ENUM) {
    return "enum";
  }
  return "other";
}

// A string attribute (scalar or 1-D; fixed or variable length) as a JSON string or array; numeric
// empty arrays (Keras's empty weight_names) become an empty array.
Json readAttribute(hid_t attr) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  if (!type.valid() || !space.valid()) return Json::string("<unreadable>");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  hsize_t dims[H5S_MAX_RANK] = {};
  if (rank < 0 || rank > 1) return Json::string("<rank " + std::to_string(rank) + ">");
  if (rank == 1) H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  const hsize_t n = rank == 0 ? 1 : dims[0];
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_STRING) {
    if (rank == 1 && n == 0) return Json::array();
    return Json::string("<" + dtypeNameOf(type.get()) + ">");
  }
  if (n > kMaxObjects) return Json::string("<too many strings>");
  std::vector<std::string> values;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    if (H5Aread(attr, mem.get(), ptrs.data()) < 0) return Json::string("<unreadable>");
    std::size_t total = 0;
    for (char* p : ptrs) {
      std::string s = p ? std::string(p, strnlen(p, kMaxAttrBytes)) : std::string();
      total += s.size();
      values.push_back(total <= kMaxAttrBytes ? std::move(s) : std::string());
    }
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0 || size * n > kMaxAttrBytes) return Json::string("<too large>");
    std::vector<char> buf(size * static_cast<std::size_t>(n));
    Handle mem(H5Tcopy(type.get()), H5Tclose);
    if (H5Aread(attr, mem.get(), buf.data()) < 0) return Json::string("<unreadable>");
    for (hsize_t i = 0; i < n; ++i) {
      const char* p = buf.data() + i * size;
      values.emplace_back(p, strnlen(p, size));
    }
  }
  for (auto& v : values)
    if (findInvalidUtf8(v)) v = "<invalid UTF-8>";
  if (rank == 0) return Json::string(values[0]);
  Json arr = Json::array();
  for (auto& v : values) arr.push(Json::string(std::move(v)));
  return arr;
}

struct AttrCollector {
  Json attrs = Json::object();
  std::size_t count = 0;
};

herr_t attrCallback(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* c = static_cast<AttrCollector*>(data);
  if (++c->count > 1000) return 1;
  Handle a(H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  if (!a.valid()) return 0;
  std::string key(name);
  if (findInvalidUtf8(key)) return 0;
  c->attrs.set(key, readAttribute(a.get()));
  return 0;
}

Json attributesOf(hid_t obj) {
  AttrCollector c;
  hsize_t idx = 0;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, attrCallback, &c);
  return std::move(c.attrs);
}

struct Walker {
  Json groups = Json::object();
  Json datasets = Json::object();
  Json refused = Json::array();
  std::set<haddr_t> visited;
  std::size_t objects = 0;
  bool tooMany = false;
};

void walkGroup(hid_t group, const std::string& path, Walker& w, int depth);

struct LinkVisit {
  Walker* w;
  std::string path;
  int depth;
  std::vector<std::string> names;
};

herr_t linkCallback(hid_t, const char* name, const H5L_info_t* info, void* data) {
  auto* v = static_cast<LinkVisit*>(data);
  const std::string child = (v->path == "/" ? "/" : v->path + "/") + name;
  if (info->type != H5L_TYPE_HARD) {
    v->w->refused.push(Json::string(child + " (" + (info->type == H5L_TYPE_SOFT ? "soft" : "external") + " link)"));
    return 0;
  }
  v->names.emplace_back(name);
  return 0;
}

void walkGroup(hid_t group, const std::string& path, Walker& w, int depth) {
  if (depth > 64 || w.tooMany) return;
  w.groups.set(path, attributesOf(group));
  LinkVisit visit{&w, path, depth, {}};
  hsize_t idx = 0;
  H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, linkCallback, &visit);
  for (const auto& name : visit.names) {
    if (++w.objects > kMaxObjects) {
      w.tooMany = true;
      return;
    }
    const std::string child = (path == "/" ? "/" : path + "/") + name;
    if (findInvalidUtf8(child)) continue;
    H5O_info_t oinfo;
    if (H5Oget_info_by_name(group, name.c_str(), &oinfo, H5P_DEFAULT) < 0) continue;
    if (!w.visited.insert(oinfo.addr).second) continue;  // a second hard link to the same object
    if (oinfo.type == H5O_TYPE_GROUP) {
      Handle g(H5Gopen2(group, name.c_str(), H5P_DEFAULT), H5Gclose);
      if (g.valid()) walkGroup(g.get(), child, w, depth + 1);
    } else if (oinfo.type == H5O_TYPE_DATASET) {
      Handle d(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose);
      if (!d.valid()) continue;
      Handle type(H5Dget_type(d.get()), H5Tclose);
      Handle space(H5Dget_space(d.get()), H5Sclose);
      Json info = Json::object();
      const int rank = H5Sget_simple_extent_ndims(space.get());
      Json shape = Json::array();
      if (rank >= 0 && rank <= H5S_MAX_RANK) {
        hsize_t dims[H5S_MAX_RANK] = {};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        for (int k = 0; k < rank; ++k) shape.push(Json::number(static_cast<double>(dims[k])));
      }
      info.set("shape", std::move(shape));
      info.set("dtype", Json::string(dtypeNameOf(type.get())));
      info.set("attrs", attributesOf(d.get()));
      w.datasets.set(child, std::move(info));
    }
  }
}

}  // namespace

Status checkHdf5Signature(const std::byte* data, std::size_t size, const std::string& where) {
  for (std::size_t off = 0; off + 8 <= size && off <= (1u << 20); off = off ? off * 2 : 512)
    if (std::memcmp(data + off, kSignature, 8) == 0) return Status::ok();
  return Status::dataError(where + ": offset 0: wrong magic: not an HDF5 file");
}

Result<Json> listHdf5(const Hdf5Source& source) {
  auto bytes = runIsolated("reading " + source.path, [&](std::vector<std::byte>& out) -> Status {
    auto f = openFile(source);
    if (!f) return f.status();
    Handle file(*f, H5Fclose);
    Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
    if (!root.valid()) return Status::dataError(source.path + ": no root group");
    Walker w;
    walkGroup(root.get(), "/", w, 0);
    if (w.tooMany) return Status::dataError(source.path + ": more than " + std::to_string(kMaxObjects) + " objects");
    Json doc = Json::object();
    doc.set("groups", std::move(w.groups));
    doc.set("datasets", std::move(w.datasets));
    doc.set("refused", std::move(w.refused));
    const std::string text = doc.dump();
    out.resize(text.size());
    std::memcpy(out.data(), text.data(), text.size());
    return Status::ok();
  });
  if (!bytes) return bytes.status();
  return Json::parse(std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size()), source.path + " (listing)");
}

namespace {

Result<NdArray> readNumeric(const Hdf5Source& source, const std::string& datasetPath, int minRank) {
  std::uint64_t fileSize = source.image ? source.image->size() : 0;
  if (!source.image) {
    std::error_code ec;
    fileSize = std::filesystem::file_size(source.path, ec);
    if (ec) return Status::ioError("cannot open " + source.path + ": " + ec.message());
  }
  const std::string where = source.path + "::" + datasetPath;
  auto bytes = runIsolated("reading " + where, [&](std::vector<std::byte>& out) -> Status {
    auto f = openFile(source);
    if (!f) return f.status();
    Handle file(*f, H5Fclose);
    H5O_info_t oinfo;
    if (H5Oget_info_by_name(file.get(), datasetPath.c_str(), &oinfo, H5P_DEFAULT) < 0 || oinfo.type != H5O_TYPE_DATASET)
      return Status::dataError(where + ": no such dataset");
    Handle d(H5Dopen2(file.get(), datasetPath.c_str(), H5P_DEFAULT), H5Dclose);
    if (!d.valid()) return Status::dataError(where + ": cannot open the dataset");
    Handle dcpl(H5Dget_create_plist(d.get()), H5Pclose);
    if (H5Pget_layout(dcpl.get()) == H5D_VIRTUAL) return Status::dataError(where + ": virtual datasets are refused");
    if (H5Pget_external_count(dcpl.get()) > 0) return Status::dataError(where + ": external storage is refused");
    Handle space(H5Dget_space(d.get()), H5Sclose);
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < minRank || rank > 2)
      return Status::dataError(where + (minRank == 2 ? ": expected a 2-D table" : ": expected a 1-D or 2-D array") +
                               ", found rank " + std::to_string(rank));
    hsize_t dims[2] = {0, 1};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    Handle type(H5Dget_type(d.get()), H5Tclose);
    const H5T_class_t cls = H5Tget_class(type.get());
    const std::size_t item = H5Tget_size(type.get());
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER && !(cls == H5T_OPAQUE && item == 2)) || item == 0 || item > 8)
      return Status::dataError(where + ": dtype " + dtypeNameOf(type.get()) + " is not a numeric table");
    if (dims[0] > (1ull << 40) || dims[1] > (1ull << 24) || (dims[1] != 0 && dims[0] > (1ull << 42) / dims[1]))
      return Status::dataError(where + ": shape (" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ") is implausible");
    const std::uint64_t declared = dims[0] * dims[1] * item;
    const std::uint64_t stored = H5Dget_storage_size(d.get());
    // Like Keras's safe_get_h5_dataset: a declared size far beyond what is stored is a bomb (a
    // compressed chunk can legitimately be smaller, so allow a generous ratio).
    if (declared > (64ull << 20) && declared / 1000 > stored)
      return Status::dataError(where + ": declares " + std::to_string(declared) + " bytes but stores " + std::to_string(stored));
    if (H5Pget_layout(dcpl.get()) == H5D_CONTIGUOUS && stored < declared && declared > 0)
      return Status::dataError(where + ": truncated: needs " + std::to_string(declared) + " bytes, stores " + std::to_string(stored));
    if (stored > fileSize + (1u << 20))
      return Status::dataError(where + ": stores more bytes than the file holds");
    const std::size_t count = static_cast<std::size_t>(dims[0] * dims[1]);
    std::vector<float> data(count);
    bool bf16 = false;
    {
      Handle a(H5Aexists(d.get(), "dtype") > 0 ? H5Aopen(d.get(), "dtype", H5P_DEFAULT) : -1, H5Aclose);
      if (a.valid()) {
        const Json v = readAttribute(a.get());
        bf16 = v.isString() && v.asString() == "bfloat16";
      }
    }
    if (bf16 || cls == H5T_OPAQUE) {
      if (item != 2) return Status::dataError(where + ": a bfloat16 table must have 2-byte elements");
      std::vector<std::uint16_t> raw(count);
      Handle mem(H5Tcopy(type.get()), H5Tclose);
      if (H5Dread(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
        return Status::dataError(where + ": libhdf5 could not read the data");
      for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t bits = static_cast<std::uint32_t>(raw[i]) << 16;
        std::memcpy(&data[i], &bits, 4);
      }
    } else if (H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) {
      return Status::dataError(where + ": libhdf5 could not read or convert the data");
    }
    std::vector<std::int64_t> shape{static_cast<std::int64_t>(dims[0])};
    if (rank == 2) shape.push_back(static_cast<std::int64_t>(dims[1]));
    out = encodeNpy(NdArray::fromFloat32(shape, data.data()));
    return Status::ok();
  });
  if (!bytes) return bytes.status();
  auto a = decodeNpy(bytes->data(), bytes->size(), where);
  if (!a) return a.status();
  if (static_cast<int>(a->shape.size()) < minRank || a->shape.size() > 2)  // what the child sent is checked again
    return Status::dataError(where + ": the isolated reader returned shape " + a->shapeString());
  return a;
}

}  // namespace

Result<NdArray> readHdf5Matrix(const Hdf5Source& source, const std::string& datasetPath) {
  return readNumeric(source, datasetPath, 2);
}

Result<NdArray> readHdf5Array(const Hdf5Source& source, const std::string& datasetPath) {
  return readNumeric(source, datasetPath, 1);
}

}  // namespace embedscope::io
