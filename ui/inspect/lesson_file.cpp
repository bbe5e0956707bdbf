#include "ui/inspect/lesson_file.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <charconv>

#include "engine/io/session_file.h"

namespace embedscope::ui::inspect {

namespace {

std::string json(const QJsonObject& o) { return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString(); }

Result<QJsonObject> parse(const io::SessionFile& s, const char* key, bool required) {
  const std::string* text = s.text(key);
  if (!text) {
    if (required) return Status::dataError(std::string("the session file has no '") + key + "' section");
    return QJsonObject{};
  }
  QJsonParseError err;
  QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(*text), &err);
  if (err.error != QJsonParseError::NoError || !doc.isObject())
    return Status::dataError(std::string("the session file's '") + key + "' section is not a JSON object: " +
                             err.errorString().toStdString());
  return doc.object();
}

QStringList stringList(const QJsonValue& v) {
  QStringList out;
  for (const QJsonValue& x : v.toArray()) out << x.toString();
  return out;
}

}  // namespace

Status saveLessonFile(const QString& path, const Lesson& lesson) {
  const StepSetup& s = lesson.setup;
  io::SessionFile f;
  f.setText(io::session_keys::kLayerConfig, json({{"output_dim", s.outputDim}, {"mask_zero", s.maskZero}}));
  f.setText(io::session_keys::kOptimizerConfig,
            json({{"name", s.optimizer}, {"learning_rate", s.learningRate}, {"updates", s.lazy ? "lazy" : "dense"}}));
  f.setText(io::session_keys::kTaskConfig, json({{"task", "classify"}, {"preset", s.preset}, {"batch_size", s.batchSize}}));
  f.setText(io::session_keys::kSeed, std::to_string(s.seed));
  f.setText(io::session_keys::kClassroom,
            json({{"title", lesson.classroom.title},
                  {"notes", lesson.classroom.notes},
                  {"locked", QJsonArray::fromStringList(lesson.classroom.locked)},
                  {"hidden", QJsonArray::fromStringList(lesson.classroom.hidden)}}));
  return io::writeSessionFile(path.toStdString(), f);
}

Result<Lesson> loadLessonFile(const QString& path) {
  Result<io::SessionFile> f = io::readSessionFile(path.toStdString());
  if (!f.isOk()) return f.status();
  Lesson lesson;
  StepSetup& s = lesson.setup;
  Result<QJsonObject> layer = parse(*f, io::session_keys::kLayerConfig, true);
  if (!layer.isOk()) return layer.status();
  Result<QJsonObject> opt = parse(*f, io::session_keys::kOptimizerConfig, true);
  if (!opt.isOk()) return opt.status();
  Result<QJsonObject> task = parse(*f, io::session_keys::kTaskConfig, false);
  if (!task.isOk()) return task.status();
  Result<QJsonObject> classroom = parse(*f, io::session_keys::kClassroom, false);
  if (!classroom.isOk()) return classroom.status();
  s.outputDim = layer->value("output_dim").toInt(s.outputDim);
  s.maskZero = layer->value("mask_zero").toBool(s.maskZero);
  s.optimizer = opt->value("name").toString(s.optimizer);
  s.learningRate = opt->value("learning_rate").toDouble(s.learningRate);
  s.lazy = opt->value("updates").toString() == "lazy";
  s.preset = task->value("preset").toString(s.preset);
  s.batchSize = task->value("batch_size").toInt(s.batchSize);
  std::string seed = f->textOr(io::session_keys::kSeed, "0");
  auto [end, ec] = std::from_chars(seed.data(), seed.data() + seed.size(), s.seed);
  if (ec != std::errc() || end != seed.data() + seed.size())
    return Status::dataError("the session file's seed is not a non-negative integer: " + seed);
  lesson.classroom.title = classroom->value("title").toString();
  lesson.classroom.notes = classroom->value("notes").toString();
  lesson.classroom.locked = stringList(classroom->value("locked"));
  lesson.classroom.hidden = stringList(classroom->value("hidden"));
  return lesson;
}

}  // namespace embedscope::ui::inspect
