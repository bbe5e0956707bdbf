#include "engine/session/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "engine/session/json_writer.h"

namespace embedscope::session {

namespace {

std::string keyFor(const std::string& name, const std::vector<std::string>& taskNames) {
  if (std::find(taskNames.begin(), taskNames.end(), name) != taskNames.end()) return io::session_keys::kTaskStatePrefix + name;
  if (name == "embeddings") return io::session_keys::kWeights;
  if (name == "lora_a" || name == "lora_b") return "weights/" + name;
  return io::session_keys::kOptimizerSlotPrefix + name;  // "<variable>/<slot>" and "iterations"
}

Result<std::int64_t> integerText(const io::SessionFile& f, const std::string& key) {
  const std::string* t = f.text(key);
  if (!t) return Status::dataError("checkpoint has no '" + key + "'");
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || p != t->data() + t->size() || v < 0)
    return Status::dataError("checkpoint '" + key + "' is not a count: '" + *t + "'");
  return v;
}

// Reads the history JSON this file writes: [{"epoch": 0, "loss": ..., ...}, ...]. A small reader
// for exactly that shape; anything else is a DataError.
Result<std::vector<EpochRecord>> parseHistory(const std::string& json) {
  std::vector<EpochRecord> out;
  std::size_t pos = 0;
  auto fail = [&] { return Status::dataError("checkpoint history is not the JSON this program writes"); };
  auto skip = [&] { while (pos < json.size() && (json[pos] == ' ' || json[pos] == '\n')) ++pos; };
  skip();
  if (pos >= json.size() || json[pos] != '[') return fail();
  ++pos;
  for (;;) {
    skip();
    if (pos < json.size() && json[pos] == ']') break;
    if (pos >= json.size() || json[pos] != '{') return fail();
    ++pos;
    EpochRecord r;
    for (;;) {
      skip();
      if (pos < json.size() && json[pos] == '}') {
        ++pos;
        break;
      }
      if (json[pos] == ',') {
        ++pos;
        continue;
      }
      if (json[pos] != '"') return fail();
      const auto end = json.find('"', pos + 1);
      if (end == std::string::npos) return fail();
      const std::string k = json.substr(pos + 1, end - pos - 1);
      pos = end + 1;
      skip();
      if (pos >= json.size() || json[pos] != ':') return fail();
      ++pos;
      skip();
      std::optional<double> v;
      if (json.compare(pos, 4, "null") == 0) {
        pos += 4;
      } else {
        double d = 0;
        auto [p, ec] = std::from_chars(json.data() + pos, json.data() + json.size(), d);
        if (ec != std::errc()) return fail();
        pos = static_cast<std::size_t>(p - json.data());
        v = d;
      }
      if (k == "epoch") r.epoch = static_cast<std::int64_t>(v.value_or(0));
      else if (k == "loss") r.loss = v.value_or(0);
      else if (k == "metric") r.metric = v.value_or(0);
      else if (k == "val_loss") r.valLoss = v;
      else if (k == "val_metric") r.valMetric = v;
      else if (k == "seconds") r.seconds = v.value_or(0);
    }
    out.push_back(r);
    skip();
    if (pos < json.size() && json[pos] == ',') ++pos;
  }
  return out;
}

}  // namespace

std::string historyToJson(const std::vector<EpochRecord>& history) {
  JsonWriter j;
  j.beginArray();
  for (const auto& e : history) {
    j.beginObject();
    j.key("epoch").value(e.epoch);
    j.key("loss").value(e.loss);
    j.key("metric").value(e.metric);
    j.key("val_loss");
    e.valLoss ? j.value(*e.valLoss) : j.null();
    j.key("val_metric");
    e.valMetric ? j.value(*e.valMetric) : j.null();
    j.key("seconds").value(e.seconds);
    j.endObject();
  }
  j.endArray();
  return j.str();
}

io::SessionFile checkpointToSession(const TrainingState& state, const std::string& manifestJson,
                                    const std::vector<std::string>& taskTensorNames) {
  io::SessionFile f;
  for (const auto& [name, m] : state.tensors) f.setMatrix(keyFor(name, taskTensorNames), m);
  f.setText(io::session_keys::kEpoch, std::to_string(state.epoch));
  f.setText(io::session_keys::kStep, std::to_string(state.globalStep));
  f.setText("progress/step_in_epoch", std::to_string(state.stepInEpoch));
  f.setText(io::session_keys::kHistory, historyToJson(state.history));
  f.setText(io::session_keys::kManifest, manifestJson);
  return f;
}

Result<TrainingState> checkpointFromSession(const io::SessionFile& f) {
  TrainingState s;
  auto epoch = integerText(f, io::session_keys::kEpoch);
  if (!epoch) return epoch.status();
  auto step = integerText(f, io::session_keys::kStep);
  if (!step) return step.status();
  auto inEpoch = integerText(f, "progress/step_in_epoch");
  if (!inEpoch) return inEpoch.status();
  s.epoch = *epoch;
  s.globalStep = *step;
  s.stepInEpoch = *inEpoch;
  if (const std::string* h = f.text(io::session_keys::kHistory)) {
    auto hist = parseHistory(*h);
    if (!hist) return hist.status();
    s.history = std::move(hist).value();
  }
  for (const auto& [key, arr] : f.arrays) {
    (void)arr;
    std::string name;
    if (key == io::session_keys::kWeights) name = "embeddings";
    else if (key == "weights/lora_a" || key == "weights/lora_b") name = key.substr(8);
    else if (key.rfind(io::session_keys::kOptimizerSlotPrefix, 0) == 0) name = key.substr(10);
    else if (key.rfind(io::session_keys::kTaskStatePrefix, 0) == 0) name = key.substr(5);
    else continue;  // projections and other views' data
    auto m = f.matrix(key);
    if (!m) return m.status();
    s.tensors.emplace_back(name, std::move(m).value());
  }
  if (s.tensors.empty()) return Status::dataError("the session file holds no weights to resume from");
  return s;
}

}  // namespace embedscope::session
