#include "engine/session/run_manifest.h"

#include <Eigen/Core>

#include "engine/io/json.h"
#include "engine/session/json_writer.h"

namespace embedscope::session {

std::string manifestToJson(const RunManifest& m) {
  JsonWriter j;
  j.beginObject();
  j.key("task").value(m.task);
  j.key("data").value(m.data);
  j.key("layer").beginObject();
  j.key("input_dim").value(m.layer.inputDim);
  j.key("output_dim").value(m.layer.outputDim);
  j.key("embeddings_initializer").value(m.layer.embeddingsInitializer.toText());
  if (m.layer.embeddingsRegularizer) j.key("embeddings_regularizer").value(m.layer.embeddingsRegularizer->toText());
  if (m.layer.activityRegularizer) j.key("activity_regularizer").value(m.layer.activityRegularizer->toText());
  if (m.layer.embeddingsConstraint) j.key("embeddings_constraint").value(m.layer.embeddingsConstraint->toText());
  j.key("mask_zero").value(m.layer.maskZero);
  j.key("weights").value(m.layer.weights.has_value());
  if (m.layer.loraRank) {
    j.key("lora_rank").value(*m.layer.loraRank);
    j.key("lora_alpha").value(m.layer.loraAlpha ? *m.layer.loraAlpha : static_cast<double>(*m.layer.loraRank));
  }
  j.key("keras").value(m.layer.toKerasRepr());
  j.endObject();
  j.key("optimizer").beginObject();
  j.key("name").value(m.optimizer.name);
  j.key("learning_rate").value(m.optimizer.learningRate);
  j.key("updates").value(std::string(updateModeName(m.optimizer.updates)));
  j.key("keras").value(m.optimizer.toKerasRepr());
  j.endObject();
  j.key("batch_size").value(m.batchSize);
  j.key("epochs").value(m.epochs);
  j.key("shuffle").value(m.shuffle);
  j.key("validation_split").value(m.validationSplit);
  j.key("seed").value(static_cast<std::int64_t>(m.seed));
  j.key("engine").value(m.engine.engine);
  j.key("device").value(m.engine.device);
  j.key("threads").value(m.engine.threads);
  j.key("engine_reason").value(m.engineReason);
  j.key("versions").beginObject();
  j.key("embedscope").value(m.version);
  j.key("eigen").value(std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                       std::to_string(EIGEN_MINOR_VERSION));
  j.endObject();
  j.key("written_by").value(m.writtenBy);
  j.key("command_line").beginArray();
  for (const auto& a : m.commandLine) j.value(a);
  j.endArray();
  j.endObject();
  return j.str();
}

Result<std::vector<std::string>> manifestCommandLine(const std::string& manifestJson) {
  auto j = io::Json::parse(manifestJson, "manifest");
  if (!j) return j.status();
  std::vector<std::string> args;
  const io::Json* line = j->find("command_line");
  if (!line || !line->isArray()) return args;
  for (const auto& item : line->items()) {
    if (!item.isString()) return Status::dataError("manifest: command_line holds a value that is not a string");
    args.push_back(item.asString());
  }
  // Sessions the explorer window wrote before it kept a command line hold one description,
  // "embedscope (explorer window)": not arguments.
  if (!args.empty() && args.front().rfind("--", 0) != 0) args.clear();
  return args;
}

}  // namespace embedscope::session
