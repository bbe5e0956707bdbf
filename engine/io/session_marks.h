#pragma once
// What the user marked in a session: selections (sets of table rows) and bookmarks (a saved view:
// projection, colouring, labels, camera, selection, timeline position). They live in the session
// file as JSON texts under session_keys::kSelections and kBookmarks, so that saving a run keeps
// them and a restored session shows them again; the UI converts its own types to these.
//
//   "selections": {"version": 1, "selections": [{"name": "current", "rows": [3, 17, 42]}, ...]}
//   "bookmarks":  {"version": 1, "bookmarks": [{"name", "projection", "color_by", "label_by",
//                  "view": {"zoom", "center_x", "center_y", "yaw", "pitch", "three_d"},
//                  "selection": [rows], "timeline_index": -1}, ...]}
//
// Reading checks everything (rows are integers in [0, rowCount), numbers finite, strings UTF-8)
// and names the key and entry in its DataError; an absent key is no marks, not an error.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/io/session_file.h"

namespace embedscope::io {

struct SessionSelection {
  std::string name;                // kCurrentSelection for the live one; others are named sets
  std::vector<std::int64_t> rows;  // table rows; stored sorted and without repeats
};

// The name of the selection the explorer had when the session was saved.
inline constexpr const char* kCurrentSelection = "current";

struct SessionView {
  double zoom = 1, centerX = 0, centerY = 0;  // 2-D camera
  double yaw = 0, pitch = 0;                  // 3-D rotation, radians
  bool threeD = false;
};

struct SessionBookmark {
  std::string name;
  std::string projection;              // as the explorer names it ("pca", "tsne", "umap", "custom", ...)
  std::string colorBy, labelBy;        // explorer modes ("" = its default)
  SessionView view;
  std::vector<std::int64_t> selection; // rows selected when the bookmark was made (sorted, no repeats)
  std::int64_t timelineIndex = -1;     // the training snapshot shown; -1 = the latest
};

// Replace the session's selections / bookmarks (an empty list removes the key). InvalidArgument,
// and the file unchanged, for a negative row, a non-finite view number or a name that is not UTF-8.
Status writeSelections(SessionFile& file, const std::vector<SessionSelection>& selections);
Status writeBookmarks(SessionFile& file, const std::vector<SessionBookmark>& bookmarks);

// The stored marks, checked; rowCount >= 0 also checks every row is below it (pass the table's
// rows). Empty when the session has none.
Result<std::vector<SessionSelection>> readSelections(const SessionFile& file, std::int64_t rowCount = -1);
Result<std::vector<SessionBookmark>> readBookmarks(const SessionFile& file, std::int64_t rowCount = -1);

}  // namespace embedscope::io
