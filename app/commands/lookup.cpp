// `embedscope lookup`: the Keras docs' example as a command. Builds Embedding(input_dim, output_dim)
// (or takes its table from --init), looks up a NumPy array of ids on the chosen engine and saves
// the (ids.shape + (output_dim,)) float32 output, and optionally the mask.
#include <cstdio>
#include <filesystem>
#include <utility>
#include <string>
#include <vector>

#include "app/cli/args.h"
#include "app/cli/command.h"
#include "app/cli/output.h"
#include "engine/compute/vulkan/device_info.h"
#include "engine/compute/vulkan/gather.h"
#include "engine/io/npy.h"
#include "engine/layer/embedding_ops.h"
#include "engine/layer/initializers.h"
#include "engine/layer/layer_config.h"
#include "engine/layer/object_spec.h"

namespace embedscope::cli {
namespace {

const char* kUsage =
    "usage: embedscope lookup --ids IDS.npy --save OUT.npy [--input-dim N --output-dim D | --init W.npy]\n"
    "                         [--embeddings-initializer SPEC] [--seed S] [--mask-zero --mask-save MASK.npy]\n"
    "                         [--engine cpu|vulkan|auto]\n\n"
    "Looks every id of IDS.npy (any integer or float dtype; floats truncate as Keras's cast) up in an\n"
    "Embedding table and saves the float32 output of shape ids.shape + (output_dim,).\n\n"
    "  --input-dim N        vocabulary size (ids must be in [-N, N); negatives count from the end, Keras >= 3.3)\n"
    "  --output-dim D       vector width\n"
    "  --init W.npy         the table from a file (alias --weights); its shape sets input_dim and output_dim\n"
    "  --embeddings-initializer SPEC   NAME[:key=value,...], default uniform (U[-0.05, 0.05))\n"
    "  --seed S             the initializer's seed (default 0); the table never depends on the engine\n"
    "  --mask-zero          compute Keras's mask (ids != 0); --mask-save writes it as a bool array\n"
    "  --engine E           cpu, vulkan (any Vulkan device, lavapipe included) or auto (a real GPU, else the CPU)";

// Where the gather runs, decided before any work: auto uses Vulkan only on a real GPU.
Result<bool> useVulkan(const std::string& engine) {
  if (engine == "cpu") return false;
  if (engine != "vulkan" && engine != "auto")
    return Status::invalidArgument("argument --engine: invalid choice: '" + engine +
                                   "' (choose from 'cpu', 'vulkan', 'auto')");
  auto devices = vk::enumerateDevices();
  if (engine == "vulkan") {
    if (!devices.isOk()) return Status::unavailable("no usable Vulkan device: " + devices.status().message());
    const auto choice = vk::chooseVulkanDevice(*devices);
    if (!choice.index) return Status::unavailable("no usable Vulkan device: " + choice.reason);
    return true;
  }
  if (!devices.isOk()) return false;
  return vk::chooseAutoDevice(*devices).index.has_value();
}

// Writes every (path, array) or, on any failure, none: a failed command leaves nothing behind.
Status writeAllOrNothing(const std::vector<std::pair<std::string, NdArray>>& outputs) {
  std::vector<std::string> temporaries;
  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& t : temporaries) std::filesystem::remove(t, ec);
  };
  for (const auto& [path, array] : outputs) {
    temporaries.push_back(path + ".partial");
    if (Status s = io::writeNpy(temporaries.back(), array); !s) {
      cleanup();
      return s;
    }
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::error_code ec;
    std::filesystem::rename(temporaries[i], outputs[i].first, ec);
    if (ec) {
      cleanup();
      return Status::ioError("cannot write " + outputs[i].first + ": " + ec.message());
    }
  }
  return Status::ok();
}

int runLookup(const std::vector<std::string>& argv) {
  auto parsed = Args::parse(argv,
                            {"--input-dim", "--output-dim", "--seed", "--ids", "--save", "--mask-save", "--init",
                             "--engine", "--embeddings-initializer"},
                            {"--mask-zero"}, {{"--weights", "--init"}});
  if (!parsed) return fail(parsed.status());
  const Args& args = *parsed;
  if (!args.positionals().empty()) return fail(Status::invalidArgument("unrecognized argument: " + args.positionals()[0]));
  const auto idsPath = args.value("--ids");
  const auto savePath = args.value("--save");
  if (!idsPath || !savePath) return fail(Status::invalidArgument("the following arguments are required: --ids, --save"));
  if (args.has("--mask-save") && !args.has("--mask-zero"))
    return fail(Status::invalidArgument("argument --mask-save: needs --mask-zero (without it the layer has no mask)"));

  LayerConfig config;
  config.maskZero = args.has("--mask-zero");
  auto seed = args.integer("--seed", 0);
  if (!seed) return fail(seed.status());
  if (*seed < 0) return fail(Status::invalidArgument("argument --seed: must be >= 0"));
  config.seed = static_cast<std::uint64_t>(*seed);
  if (auto spec = args.value("--embeddings-initializer")) {
    auto init = parseInitializerSpec(*spec);
    if (!init) return fail(init.status());
    config.embeddingsInitializer = *init;
  }
  const std::pair<const char*, std::int64_t*> dims[] = {{"input_dim", &config.inputDim}, {"output_dim", &config.outputDim}};
  for (const auto& [kerasName, field] : dims) {
    std::string flag = std::string("--") + kerasName;
    flag[flag.find('_')] = '-';
    if (auto text = args.value(flag)) {
      auto dim = parseDimension(kerasName, *text);
      if (!dim) return fail(dim.status());
      *field = *dim;
    }
  }
  if (auto initPath = args.value("--init")) {
    auto w = io::readNpy(*initPath);
    if (!w) return fail(w.status());
    if (w->shape.size() != 2)
      return fail(Status::invalidArgument("--init " + *initPath + ": expected a 2-D (input_dim, output_dim) array, got shape " +
                                          w->shapeString()));
    Matrix table(w->shape[0], w->shape[1]);
    const auto values = w->toFloat32();
    std::copy(values.begin(), values.end(), table.data());
    // Dims not given come from the file; dims given must match it (validateLayerConfig says so in Keras's words).
    if (!args.has("--input-dim")) config.inputDim = table.rows();
    if (!args.has("--output-dim")) config.outputDim = table.cols();
    config.weights = std::move(table);
  } else if (!args.has("--input-dim") || !args.has("--output-dim")) {
    return fail(Status::invalidArgument("the following arguments are required: --input-dim, --output-dim (or --init W.npy)"));
  }
  std::vector<std::string> warnings;
  if (Status s = validateLayerConfig(config, &warnings); !s) return fail(s);
  for (const auto& w : warnings) printWarning(w);

  const auto vulkan = useVulkan(args.valueOr("--engine", "auto"));
  if (!vulkan) return fail(vulkan.status());

  auto rawIds = io::readNpy(*idsPath);
  if (!rawIds) return fail(rawIds.status());
  if (rawIds->dtype == DType::Bool)
    return fail(Status::dataError(*idsPath + ": ids must be integers or floats, got a bool array"));
  auto ids = idsFromNdArray(*rawIds);
  if (!ids) return fail(ids.status().withContext(*idsPath));
  const std::vector<std::uint8_t> mask = config.maskZero ? computeMask(*rawIds) : std::vector<std::uint8_t>{};
  if (Status s = validateIds(*ids, config.inputDim); !s) return fail(s);

  auto table = initializeTable(config);
  if (!table) return fail(table.status());

  std::vector<std::int64_t> outShape = ids->shape;
  outShape.push_back(config.outputDim);
  NdArray out;
  if (*vulkan) {
    auto rows = vulkanGather(*table, ids->values);
    if (!rows) return fail(rows.status());
    out = NdArray::fromFloat32(outShape, rows->data());
  } else {
    std::vector<float> rows(static_cast<std::size_t>(ids->size() * config.outputDim));
    gatherRows(*table, ids->values, rows.data());
    out = NdArray::fromFloat32(outShape, rows.data());
  }

  // Both files or neither: each is written to a temporary beside it, then both are renamed.
  std::vector<std::pair<std::string, NdArray>> outputs{{*savePath, std::move(out)}};
  if (auto maskPath = args.value("--mask-save"))
    outputs.emplace_back(*maskPath, NdArray::fromBool(ids->shape, std::vector<bool>(mask.begin(), mask.end())));
  if (Status s = writeAllOrNothing(outputs); !s) return fail(s);
  return 0;
}

const CommandRegistrar kRegistrar{{"lookup", "look ids up in an Embedding table (the Keras docs' example)", kUsage, &runLookup}};

}  // namespace
}  // namespace embedscope::cli
