#include "engine/io/keras_writer.h"

#include <hdf5.h>

#include <filesystem>
#include <unistd.h>

#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

// h5py stores a Python str attribute as a scalar variable-length UTF-8 string; Keras reads it so.
bool setNameAttribute(hid_t obj, const std::string& value) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(obj, "name", type, space, H5P_DEFAULT, H5P_DEFAULT);
  const char* p = value.c_str();
  const bool ok = attr >= 0 && H5Awrite(attr, type, &p) >= 0;
  if (attr >= 0) H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  return ok;
}

bool validKerasName(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && !findInvalidUtf8(s);
}

}  // namespace

Status writeKerasEmbeddingWeights(const std::string& path, const Vectors& v, const std::string& layerName,
                                  const std::string& modelName) {
  namespace fs = std::filesystem;
  if (!validKerasName(layerName) || !validKerasName(modelName))
    return Status::invalidArgument("writing " + path + ": layer and model names must be non-empty UTF-8 without '/'");
  if (v.rows() <= 0 || v.dim() <= 0)
    return Status::invalidArgument("writing " + path + ": an Embedding table needs input_dim > 0 and output_dim > 0");
  const fs::path target(path);
  std::error_code ec;
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return Status::ioError("cannot write " + path + ": no such directory " + dir.string());
  const std::string tmp = (dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) return Status::ioError("cannot write " + path + ": libhdf5 cannot create the file");
  bool ok = true;
  // Keras 3.6+ layout for keras.Sequential([Input, Embedding(name=layerName)]).
  const hid_t rootVars = H5Gcreate2(file, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ok = ok && rootVars >= 0 && setNameAttribute(rootVars, modelName);
  const hid_t layers = H5Gcreate2(file, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t emb = layers >= 0 ? H5Gcreate2(layers, "embedding", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  const hid_t vars = emb >= 0 ? H5Gcreate2(emb, "vars", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
  ok = ok && vars >= 0 && setNameAttribute(vars, layerName);
  if (ok) {
    const hsize_t dims[2] = {static_cast<hsize_t>(v.rows()), static_cast<hsize_t>(v.dim())};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t ds = H5Dcreate2(vars, "0", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ok = ds >= 0 && H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.matrix.data()) >= 0;
    if (ds >= 0) H5Dclose(ds);
    H5Sclose(space);
  }
  for (hid_t g : {vars, emb, layers, rootVars})
    if (g >= 0) H5Gclose(g);
  ok = H5Fclose(file) >= 0 && ok;
  if (!ok) {
    fs::remove(tmp, ec);
    return Status::ioError("cannot write " + path + ": libhdf5 failed (disk full?)");
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Status::ioError("cannot write " + path + ": " + ec.message());
  }
  return Status::ok();
}

}  // namespace embedscope::io
