#pragma once
// Lessons on disk: a classroom file IS a session file (engine/io/session_file.h), one format for
// runs and lessons. The step-through's setup goes into the session's config sections with Keras's
// argument names, the locked and hidden controls into its "classroom" section.
#include <QString>

#include "engine/core/status.h"
#include "ui/inspect/step_view.h"

namespace embedscope::ui::inspect {

Status saveLessonFile(const QString& path, const Lesson& lesson);
// A session file without a classroom section opens as a lesson with nothing locked.
Result<Lesson> loadLessonFile(const QString& path);

}  // namespace embedscope::ui::inspect
