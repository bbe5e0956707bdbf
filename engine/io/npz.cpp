#include "engine/io/npz.h"

#include "engine/io/npy.h"
#include "engine/io/zip_archive.h"

namespace embedscope::io {


Result<std::vector<NpzEntry>> readNpz(const std::string& path) {
  auto zip = ZipReader::open(path);
  if (!zip) return zip.status();
  std::vector<NpzEntry> out;
  for (const auto& m : zip->members()) {
    if (m.name.size() < 5 || m.name.compare(m.name.size() - 4, 4, ".npy") != 0)
      return Status::dataError(path + ": member '" + m.name + "' is not a .npy file");
    auto bytes = zip->read(m);
    if (!bytes) return bytes.status();
    const std::string where = path + "::" + m.name;
    NpzEntry e;
    e.name = m.name.substr(0, m.name.size() - 4);
    auto header = parseNpyHeader(bytes->data(), bytes->size(), where);
    if (!header) return header.status();
    if (header->isUnicode) {
      auto s = decodeNpyStrings(bytes->data(), bytes->size(), where);
      if (!s) return s.status();
      e.isStrings = true;
      e.strings = std::move(*s);
    } else {
      auto a = decodeNpy(bytes->data(), bytes->size(), where);
      if (!a) return a.status();
      e.array = std::move(*a);
    }
    out.push_back(std::move(e));
  }
  return out;
}

Status writeNpz(const std::string& path, const std::vector<NpzEntry>& entries) {
  ZipWriter w;
  for (const auto& e : entries) {
    if (e.isStrings) {
      auto bytes = encodeNpyStrings(e.strings);
      if (!bytes) return bytes.status().withContext("writing " + path + ": '" + e.name + "'");
      w.add(e.name + ".npy", std::move(*bytes));
    } else {
      w.add(e.name + ".npy", encodeNpy(e.array));
    }
  }
  return w.write(path);
}

Result<Vectors> readNpzVectors(const std::string& path, const ReadOptions& options) {
  auto entries = readNpz(path);
  if (!entries) return entries.status();
  const NpzEntry* table = nullptr;
  std::string names;
  for (const auto& e : *entries) {
    names += (names.empty() ? "" : ", ") + e.name;
    if (!options.layer.empty()) {
      if (e.name == options.layer) table = &e;
    } else if (e.name == "embeddings" && !e.isStrings) {
      table = &e;
    }
  }
  if (!options.layer.empty() && !table)
    return Status::invalidArgument(path + ": no array named '" + options.layer + "' (arrays: " + names + ")");
  if (!table) {
    for (const auto& e : *entries)
      if (!e.isStrings && e.array.shape.size() == 2) {
        if (table) return Status::invalidArgument(path + ": several 2-D arrays (" + names + "); pick one with PATH::NAME");
        table = &e;
      }
  }
  if (!table) return Status::dataError(path + ": no 2-D numeric array among (" + names + ")");
  if (table->isStrings) return Status::dataError(path + ": '" + table->name + "' is a string array");
  auto v = vectorsFromArray(table->array, path + "::" + table->name, options.allowNonFinite);
  if (!v) return v.status();
  v->format = formatName(VectorFormat::Npz);
  v->sourceDescription = "array '" + table->name + "' of " + path;
  for (const auto& e : *entries) {
    if (&e == table) continue;
    if (e.isStrings && (e.name == "tokens" || e.name == "vocab" || e.name == "vocabulary")) {
      if (static_cast<std::int64_t>(e.strings.size()) != v->rows())
        return Status::dataError(path + "::" + e.name + ": " + std::to_string(e.strings.size()) + " tokens for " +
                                 std::to_string(v->rows()) + " rows");
      v->tokens = e.strings;
    } else if (!e.isStrings && (e.name == "frequencies" || e.name == "counts")) {
      if (e.array.shape.size() != 1 || e.array.shape[0] != v->rows())
        return Status::dataError(path + "::" + e.name + ": shape " + e.array.shapeString() + " does not match " +
                                 std::to_string(v->rows()) + " rows");
      auto f = e.array.toInt64();
      if (!f) return f.status().withContext(path + "::" + e.name);
      v->frequencies = std::move(*f);
    }
  }
  detectReservedRows(*v);
  return v;
}

Status writeNpzVectors(const std::string& path, const Vectors& v) {
  std::vector<NpzEntry> entries;
  NpzEntry table;
  table.name = "embeddings";
  table.array = NdArray::fromFloat32({v.rows(), v.dim()}, v.matrix.data());
  entries.push_back(std::move(table));
  if (!v.tokens.empty()) {
    NpzEntry t;
    t.name = "tokens";
    t.isStrings = true;
    t.strings = v.tokens;
    entries.push_back(std::move(t));
  }
  if (!v.frequencies.empty()) {
    NpzEntry f;
    f.name = "frequencies";
    f.array = NdArray::fromInt64({static_cast<std::int64_t>(v.frequencies.size())}, v.frequencies.data());
    entries.push_back(std::move(f));
  }
  return writeNpz(path, entries);
}

}  // namespace embedscope::io
