#pragma once
// Writes an Embedding-only model's weights in Keras 3's `.weights.h5` layout, so that
//   model = keras.Sequential([keras.Input((L,), dtype="int32"), keras.layers.Embedding(V, D, name=LAYER)])
//   model.load_weights(path)
// accepts it:  /vars (name=MODEL), /layers/embedding/vars (name=LAYER), /layers/embedding/vars/0.
#include <string>

#include "engine/core/status.h"
#include "engine/io/vectors.h"

namespace embedscope::io {

Status writeKerasEmbeddingWeights(const std::string& path, const Vectors& v, const std::string& layerName,
                                  const std::string& modelName);

}  // namespace embedscope::io
