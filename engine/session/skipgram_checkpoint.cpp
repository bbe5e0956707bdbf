#include "engine/session/skipgram_checkpoint.h"

#include <bit>

#include "engine/session/checkpoint.h"
#include "engine/session/json_writer.h"

namespace embedscope::session {

namespace {

constexpr const char* kContext = "context";
constexpr const char* kRngKey = "task/rng";
constexpr const char* kCursorKey = "task/cursor";
constexpr const char* kEpochSumsKey = "task/epoch_sums";
constexpr const char* kSecondsKey = "task/seconds";

std::string joinedTokens(const data::Vocabulary& v) {
  std::string out;
  for (const auto& t : v.tokens()) {
    out += t;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string skipGramConfigJson(const SkipGramConfig& c) {
  JsonWriter j;
  j.beginObject();
  j.key("task").value("skipgram");
  j.key("output_dim").value(c.outputDim);
  j.key("window").value(c.window);
  j.key("negative").value(c.negative);
  j.key("negative_power").value(c.negativePower);
  j.key("sample").value(c.sample);
  j.key("learning_rate").value(c.learningRate);
  j.key("epochs").value(c.epochs);
  j.key("seed").value(static_cast<std::int64_t>(c.seed));
  j.endObject();
  return j.str();
}

io::SessionFile skipGramCheckpoint(const SkipGramState& state, const SkipGramConfig& config,
                                   const data::Vocabulary& vocabulary, const std::string& manifestJson) {
  const SkipGramPosition& p = state.position;
  TrainingState ts;
  ts.epoch = p.epoch();
  ts.stepInEpoch = p.chunkInEpoch();
  ts.globalStep = p.chunksDone;
  for (std::int64_t e = 0; e < ts.epoch && e < static_cast<std::int64_t>(p.epochSums.size()); ++e) {
    const SkipGramEpochSums& s = p.epochSums[static_cast<std::size_t>(e)];
    ts.history.push_back({e, s.targets > 0 ? s.loss / double(s.targets) : 0.0, 0.0, std::nullopt, std::nullopt,
                          s.seconds});
  }
  ts.tensors.emplace_back("embeddings", state.embeddings);
  ts.tensors.emplace_back(kContext, state.context);
  io::SessionFile f = checkpointToSession(ts, manifestJson, {kContext});
  std::vector<std::uint64_t> rng;
  for (const Rng::State& s : p.rngStates) rng.insert(rng.end(), s.begin(), s.end());
  f.setUInt64s(kRngKey, rng);
  f.setInt64s(kCursorKey, {p.chunksDone, p.chunksPerEpoch, p.wordsProcessed});
  std::vector<std::uint64_t> sums;
  for (const SkipGramEpochSums& s : p.epochSums) {
    sums.push_back(std::bit_cast<std::uint64_t>(s.loss));
    sums.push_back(static_cast<std::uint64_t>(s.targets));
    sums.push_back(static_cast<std::uint64_t>(s.pairs));
    sums.push_back(std::bit_cast<std::uint64_t>(s.seconds));
  }
  f.setUInt64s(kEpochSumsKey, sums);
  f.setUInt64s(kSecondsKey, {std::bit_cast<std::uint64_t>(p.seconds)});
  // The configuration under its own key, and under config/task for the command line; the window
  // puts its own task settings under config/task and keeps this one.
  f.setText(kSkipGramConfigKey, skipGramConfigJson(config));
  f.setText(io::session_keys::kTaskConfig, skipGramConfigJson(config));
  f.setText(io::session_keys::kSeed, std::to_string(config.seed));
  f.setText(io::session_keys::kVocabulary, joinedTokens(vocabulary));
  return f;
}

Result<SkipGramState> skipGramStateFromCheckpoint(const io::SessionFile& f, const SkipGramConfig& config,
                                                  const data::Vocabulary& vocabulary) {
  const std::string* stored = f.has(kSkipGramConfigKey) ? f.text(kSkipGramConfigKey) : f.text(io::session_keys::kTaskConfig);
  if (!stored || stored->find("\"task\": \"skipgram\"") == std::string::npos || !f.has(kRngKey))
    return Status::dataError("not a skip-gram checkpoint (it has no skip-gram task state)");
  const std::string wanted = skipGramConfigJson(config);
  if (*stored != wanted)
    return Status::invalidArgument("the checkpoint was made with " + *stored + "; this run asks for " + wanted +
                                   " (a resumed run must repeat the configuration)");
  const std::string* tokens = f.text(io::session_keys::kVocabulary);
  if (!tokens || *tokens != joinedTokens(vocabulary))
    return Status::invalidArgument("the checkpoint's vocabulary differs from this corpus's (another corpus or "
                                   "--min-count)");
  SkipGramState st;
  auto emb = f.matrix(io::session_keys::kWeights);
  if (!emb) return emb.status();
  auto ctx = f.matrix(std::string(io::session_keys::kTaskStatePrefix) + kContext);
  if (!ctx) return ctx.status();
  st.embeddings = std::move(emb).value();
  st.context = std::move(ctx).value();
  auto rng = f.uint64s(kRngKey);
  if (!rng) return rng.status();
  if (rng->empty() || rng->size() % 6 != 0)
    return Status::dataError("checkpoint '" + std::string(kRngKey) + "' is not whole generator states");
  for (std::size_t i = 0; i < rng->size(); i += 6) {
    Rng::State s{};
    for (std::size_t k = 0; k < 6; ++k) s[k] = (*rng)[i + k];
    st.position.rngStates.push_back(s);
  }
  auto cursor = f.int64s(kCursorKey);
  if (!cursor) return cursor.status();
  if (cursor->size() != 3 || (*cursor)[0] < 0 || (*cursor)[1] <= 0 || (*cursor)[2] < 0)
    return Status::dataError("checkpoint '" + std::string(kCursorKey) + "' is not a cursor");
  st.position.chunksDone = (*cursor)[0];
  st.position.chunksPerEpoch = (*cursor)[1];
  st.position.wordsProcessed = (*cursor)[2];
  auto sums = f.uint64s(kEpochSumsKey);
  if (!sums) return sums.status();
  if (sums->size() % 4 != 0) return Status::dataError("checkpoint '" + std::string(kEpochSumsKey) + "' is malformed");
  for (std::size_t i = 0; i < sums->size(); i += 4)
    st.position.epochSums.push_back({std::bit_cast<double>((*sums)[i]), static_cast<std::int64_t>((*sums)[i + 1]),
                                     static_cast<std::int64_t>((*sums)[i + 2]), std::bit_cast<double>((*sums)[i + 3])});
  auto secs = f.uint64s(kSecondsKey);
  if (!secs) return secs.status();
  if (secs->size() != 1) return Status::dataError("checkpoint '" + std::string(kSecondsKey) + "' is malformed");
  st.position.seconds = std::bit_cast<double>((*secs)[0]);
  return st;
}

}  // namespace embedscope::session
