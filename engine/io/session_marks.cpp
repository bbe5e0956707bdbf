#include "engine/io/session_marks.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "engine/io/json.h"
#include "engine/io/text_util.h"

namespace embedscope::io {

namespace {

constexpr std::int64_t kVersion = 1;

std::vector<std::int64_t> sortedUnique(std::vector<std::int64_t> rows) {
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

Status checkName(const std::string& what, const std::string& s) {
  if (findInvalidUtf8(s)) return Status::invalidArgument(what + " " + quotedText(s) + " is not valid UTF-8");
  return Status::ok();
}

Result<Json> rowsJson(const std::string& what, const std::vector<std::int64_t>& rows) {
  Json a = Json::array();
  for (std::int64_t r : sortedUnique(rows)) {
    if (r < 0) return Status::invalidArgument(what + ": row " + std::to_string(r) + " is negative");
    a.push(Json::number(static_cast<double>(r)));
  }
  return a;
}

// The document under `key`, checked for {"version": 1, listKey: [...]}; nullptr list when absent.
Result<std::optional<Json>> documentOf(const SessionFile& file, const char* key, const char* listKey) {
  const std::string* text = file.text(key);
  if (!text) return std::optional<Json>{};
  auto doc = Json::parse(*text, std::string("session '") + key + "'");
  if (!doc) return doc.status();
  const std::string where = std::string("session '") + key + "'";
  if (!doc->isObject()) return Status::dataError(where + ": not a JSON object");
  std::int64_t version = 0;
  const Json* v = doc->find("version");
  if (!v || !v->asInt(version) || version != kVersion)
    return Status::dataError(where + ": version " + (v ? v->dump() : std::string("missing")) + ", this build reads " +
                             std::to_string(kVersion));
  const Json* list = doc->find(listKey);
  if (!list || !list->isArray()) return Status::dataError(where + ": '" + listKey + "' is not a list");
  return std::optional<Json>(std::move(*doc));
}

Status readRows(const Json* a, const std::string& where, std::int64_t rowCount, std::vector<std::int64_t>& out) {
  if (!a || !a->isArray()) return Status::dataError(where + ": rows are not a list");
  out.clear();
  out.reserve(a->items().size());
  for (std::size_t k = 0; k < a->items().size(); ++k) {
    std::int64_t r = 0;
    if (!a->items()[k].asInt(r) || r < 0)
      return Status::dataError(where + ": row " + std::to_string(k) + " is " + a->items()[k].dump() + ", not a row number");
    if (rowCount >= 0 && r >= rowCount)
      return Status::dataError(where + ": row " + std::to_string(r) + " is past the table's " + std::to_string(rowCount) + " rows");
    out.push_back(r);
  }
  out = sortedUnique(std::move(out));
  return Status::ok();
}

Status readString(const Json& obj, const char* key, const std::string& where, std::string& out, bool required) {
  const Json* j = obj.find(key);
  if (!j) {
    if (required) return Status::dataError(where + ": '" + key + "' is missing");
    out.clear();
    return Status::ok();
  }
  if (!j->isString()) return Status::dataError(where + ": '" + key + "' is not a string");
  out = j->asString();
  return Status::ok();
}

Status readNumber(const Json& obj, const char* key, const std::string& where, double& out) {
  const Json* j = obj.find(key);
  if (!j) return Status::ok();  // keeps the default
  if (!j->isNumber() || !std::isfinite(j->asNumber())) return Status::dataError(where + ": '" + key + "' is not a number");
  out = j->asNumber();
  return Status::ok();
}

}  // namespace

Status writeSelections(SessionFile& file, const std::vector<SessionSelection>& selections) {
  Json list = Json::array();
  for (std::size_t k = 0; k < selections.size(); ++k) {
    const auto& s = selections[k];
    EMBEDSCOPE_TRY(checkName("selection name", s.name));
    auto rows = rowsJson("selection '" + s.name + "'", s.rows);
    if (!rows) return rows.status();
    Json o = Json::object();
    o.set("name", Json::string(s.name));
    o.set("rows", std::move(*rows));
    list.push(std::move(o));
  }
  if (selections.empty()) {
    file.remove(session_keys::kSelections);
    return Status::ok();
  }
  Json doc = Json::object();
  doc.set("version", Json::number(static_cast<double>(kVersion)));
  doc.set("selections", std::move(list));
  file.setText(session_keys::kSelections, doc.dump());
  return Status::ok();
}

Status writeBookmarks(SessionFile& file, const std::vector<SessionBookmark>& bookmarks) {
  Json list = Json::array();
  for (const auto& b : bookmarks) {
    const std::string what = "bookmark '" + b.name + "'";
    EMBEDSCOPE_TRY(checkName("bookmark name", b.name));
    for (const std::string* s : {&b.projection, &b.colorBy, &b.labelBy}) EMBEDSCOPE_TRY(checkName(what + " field", *s));
    const SessionView& v = b.view;
    for (double x : {v.zoom, v.centerX, v.centerY, v.yaw, v.pitch})
      if (!std::isfinite(x)) return Status::invalidArgument(what + ": the view has a non-finite number");
    if (b.timelineIndex < -1) return Status::invalidArgument(what + ": timeline index " + std::to_string(b.timelineIndex));
    auto rows = rowsJson(what, b.selection);
    if (!rows) return rows.status();
    Json view = Json::object();
    view.set("zoom", Json::number(v.zoom));
    view.set("center_x", Json::number(v.centerX));
    view.set("center_y", Json::number(v.centerY));
    view.set("yaw", Json::number(v.yaw));
    view.set("pitch", Json::number(v.pitch));
    view.set("three_d", Json::boolean(v.threeD));
    Json o = Json::object();
    o.set("name", Json::string(b.name));
    o.set("projection", Json::string(b.projection));
    o.set("color_by", Json::string(b.colorBy));
    o.set("label_by", Json::string(b.labelBy));
    o.set("view", std::move(view));
    o.set("selection", std::move(*rows));
    o.set("timeline_index", Json::number(static_cast<double>(b.timelineIndex)));
    list.push(std::move(o));
  }
  if (bookmarks.empty()) {
    file.remove(session_keys::kBookmarks);
    return Status::ok();
  }
  Json doc = Json::object();
  doc.set("version", Json::number(static_cast<double>(kVersion)));
  doc.set("bookmarks", std::move(list));
  file.setText(session_keys::kBookmarks, doc.dump());
  return Status::ok();
}

Result<std::vector<SessionSelection>> readSelections(const SessionFile& file, std::int64_t rowCount) {
  auto doc = documentOf(file, session_keys::kSelections, "selections");
  if (!doc) return doc.status();
  std::vector<SessionSelection> out;
  if (!*doc) return out;
  const Json& list = *(*doc)->find("selections");
  for (std::size_t k = 0; k < list.items().size(); ++k) {
    const Json& o = list.items()[k];
    const std::string where = "session 'selections': entry " + std::to_string(k);
    if (!o.isObject()) return Status::dataError(where + ": not an object");
    SessionSelection s;
    EMBEDSCOPE_TRY(readString(o, "name", where, s.name, true));
    EMBEDSCOPE_TRY(readRows(o.find("rows"), where + " ('" + s.name + "')", rowCount, s.rows));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<SessionBookmark>> readBookmarks(const SessionFile& file, std::int64_t rowCount) {
  auto doc = documentOf(file, session_keys::kBookmarks, "bookmarks");
  if (!doc) return doc.status();
  std::vector<SessionBookmark> out;
  if (!*doc) return out;
  const Json& list = *(*doc)->find("bookmarks");
  for (std::size_t k = 0; k < list.items().size(); ++k) {
    const Json& o = list.items()[k];
    const std::string where = "session 'bookmarks': entry " + std::to_string(k);
    if (!o.isObject()) return Status::dataError(where + ": not an object");
    SessionBookmark b;
    EMBEDSCOPE_TRY(readString(o, "name", where, b.name, true));
    const std::string named = where + " ('" + b.name + "')";
    EMBEDSCOPE_TRY(readString(o, "projection", named, b.projection, false));
    EMBEDSCOPE_TRY(readString(o, "color_by", named, b.colorBy, false));
    EMBEDSCOPE_TRY(readString(o, "label_by", named, b.labelBy, false));
    if (const Json* v = o.find("view")) {
      if (!v->isObject()) return Status::dataError(named + ": 'view' is not an object");
      EMBEDSCOPE_TRY(readNumber(*v, "zoom", named + " view", b.view.zoom));
      EMBEDSCOPE_TRY(readNumber(*v, "center_x", named + " view", b.view.centerX));
      EMBEDSCOPE_TRY(readNumber(*v, "center_y", named + " view", b.view.centerY));
      EMBEDSCOPE_TRY(readNumber(*v, "yaw", named + " view", b.view.yaw));
      EMBEDSCOPE_TRY(readNumber(*v, "pitch", named + " view", b.view.pitch));
      if (const Json* t = v->find("three_d")) {
        if (!t->isBool()) return Status::dataError(named + " view: 'three_d' is not true/false");
        b.view.threeD = t->asBool();
      }
    }
    if (const Json* sel = o.find("selection")) EMBEDSCOPE_TRY(readRows(sel, named + " selection", rowCount, b.selection));
    if (const Json* t = o.find("timeline_index")) {
      if (!t->asInt(b.timelineIndex) || b.timelineIndex < -1)
        return Status::dataError(named + ": 'timeline_index' is " + t->dump() + ", not -1 or a snapshot number");
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace embedscope::io
