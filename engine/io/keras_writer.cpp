#include "engine/io/keras_writer.h"

namespace embedscope::io {

Status writeKerasEmbeddingWeights(const std::string& path, const Vectors&, const std::string&, const std::string&) {
  return Status::unavailable(path + ": writing .weights.h5 is not available yet");
}

}  // namespace embedscope::io
