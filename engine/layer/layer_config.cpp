#include "engine/layer/layer_config.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace embedscope {
namespace {

std::string shapeText(std::int64_t a, std::int64_t b) {
  return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

Status dimError(std::string_view argName, std::string_view value, std::string_view type) {
  return Status::invalidArgument("`" + std::string(argName) + "` must be a positive integer. Received: " +
                                 std::string(argName) + "=" + std::string(value) + " (of type " + std::string(type) +
                                 ").");
}

bool isDefaultUniform(const InitializerSpec& s) { return s == initializerSpec("uniform"); }

}  // namespace

double LayerConfig::loraScale() const {
  if (!loraRank) return 1.0;
  const double alpha = loraAlpha.value_or(static_cast<double>(*loraRank));
  return alpha / static_cast<double>(*loraRank);
}

std::string LayerConfig::toKerasRepr(std::string_view weightsExpr) const {
  std::string out = "keras.layers.Embedding(input_dim=" + std::to_string(inputDim) +
                    ", output_dim=" + std::to_string(outputDim);
  if (!isDefaultUniform(embeddingsInitializer) || embeddingsInitializer.text("seed", "None") != "None")
    out += ", embeddings_initializer=" + embeddingsInitializer.toKerasRepr();
  if (embeddingsRegularizer) out += ", embeddings_regularizer=" + embeddingsRegularizer->toKerasRepr();
  if (activityRegularizer) out += ", activity_regularizer=" + activityRegularizer->toKerasRepr();
  if (embeddingsConstraint) out += ", embeddings_constraint=" + embeddingsConstraint->toKerasRepr();
  if (maskZero) out += ", mask_zero=True";
  if (weights) out += ", weights=" + std::string(weightsExpr);
  if (loraRank) {
    out += ", lora_rank=" + std::to_string(*loraRank);
    if (loraAlpha) out += ", lora_alpha=" + pythonFloat(*loraAlpha);
  }
  if (name != "embedding") out += ", name='" + name + "'";
  return out + ")";
}

Status validateLayerConfig(const LayerConfig& c, std::vector<std::string>* warnings) {
  if (c.inputDim <= 0) return dimError("input_dim", std::to_string(c.inputDim), "int");
  if (c.outputDim <= 0) return dimError("output_dim", std::to_string(c.outputDim), "int");
  EMBEDSCOPE_TRY(validateInitializerSpec(c.embeddingsInitializer));
  if (c.embeddingsRegularizer) EMBEDSCOPE_TRY(validateRegularizerSpec(*c.embeddingsRegularizer));
  if (c.activityRegularizer) EMBEDSCOPE_TRY(validateRegularizerSpec(*c.activityRegularizer));
  if (c.embeddingsConstraint) EMBEDSCOPE_TRY(validateConstraintSpec(*c.embeddingsConstraint));
  if (c.weights) {
    if (c.weights->rows() != c.inputDim || c.weights->cols() != c.outputDim)
      return Status::invalidArgument("Layer " + c.name + " weight shape " + shapeText(c.inputDim, c.outputDim) +
                                     " is not compatible with provided weight shape " +
                                     shapeText(c.weights->rows(), c.weights->cols()) + ".");
    for (Eigen::Index i = 0; i < c.weights->size(); ++i)
      if (!std::isfinite(c.weights->data()[i]))
        return Status::dataError("the initial weights of layer " + c.name + " hold a non-finite value at row " +
                                 std::to_string(i / c.outputDim) + ", column " + std::to_string(i % c.outputDim));
  }
  if (c.loraRank) {
    if (c.embeddingsConstraint)
      return Status::invalidArgument(
          "Lora is incompatible with embedding constraints. In order to enable lora on this layer, remove the "
          "`embeddings_constraint` argument.");
    // Keras would fail later with a negative dimension; say so at once.
    if (*c.loraRank <= 0)
      return Status::invalidArgument("`lora_rank` must be a positive integer. Received: lora_rank=" +
                                     std::to_string(*c.loraRank));
    if (c.loraAlpha && !(std::isfinite(*c.loraAlpha)))
      return Status::invalidArgument("`lora_alpha` must be a finite number. Received: lora_alpha=" +
                                     pythonFloat(*c.loraAlpha));
  } else if (c.loraAlpha) {
    if (warnings) warnings->push_back("`lora_alpha` is ignored without `lora_rank`.");
  }
  if (c.inputLength && warnings) warnings->emplace_back(kInputLengthWarning);
  // Keras computes the rows-mode orthogonal penalty as a dense (V, V) product every step.
  if (warnings && c.embeddingsRegularizer && c.embeddingsRegularizer->name == "orthogonal_regularizer" &&
      c.embeddingsRegularizer->text("mode") == "rows" && c.inputDim > 20000)
    warnings->push_back("orthogonal_regularizer in rows mode costs O(input_dim^2 * output_dim) per step (input_dim=" +
                        std::to_string(c.inputDim) + "); Keras builds the same (input_dim, input_dim) product");
  return Status::ok();
}

Result<std::int64_t> parseDimension(std::string_view argName, std::string_view raw) {
  std::string t(raw);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
  if (t.empty() || t == "None" || t == "none") return dimError(argName, "None", "NoneType");
  if (t == "True" || t == "true") return dimError(argName, "True", "bool");
  if (t == "False" || t == "false") return dimError(argName, "False", "bool");
  bool integer = true;
  for (std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0; i < t.size(); ++i)
    integer &= std::isdigit(static_cast<unsigned char>(t[i])) != 0;
  if (integer && t.size() > ((t[0] == '-' || t[0] == '+') ? 1u : 0u)) {
    errno = 0;
    const long long v = std::strtoll(t.c_str(), nullptr, 10);
    if (errno == ERANGE) return dimError(argName, t, "int");
    if (v <= 0) return dimError(argName, std::to_string(v), "int");
    return static_cast<std::int64_t>(v);
  }
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end == t.c_str() + t.size()) return dimError(argName, pythonFloat(d), "float");
  return dimError(argName, t, "str");
}

}  // namespace embedscope
