#include "engine/io/keras_reader.h"

namespace embedscope::io {

Result<KerasFileInfo> inspectKerasFile(const std::string& path, VectorFormat) {
  return Status::unavailable(path + ": Keras files are not readable yet");
}
Result<Vectors> readKerasEmbedding(const std::string& path, VectorFormat, const ReadOptions&) {
  return Status::unavailable(path + ": Keras files are not readable yet");
}

}  // namespace embedscope::io
