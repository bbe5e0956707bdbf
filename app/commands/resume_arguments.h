#pragma once
// `embedscope train --resume SESSION` with no --task: the run's configuration comes from the
// session's manifest (the command line its writer kept, the CLI's own or the explorer window's),
// so a checkpoint or an autosave continues with one flag. Flags given here win over the saved
// ones (more --epochs, another --engine); outputs (--save, --checkpoint, ...) are never taken
// from the session.
#include <set>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::cli {

// argv itself when it names a --task or resumes nothing; otherwise the saved configuration's
// arguments followed by argv. `valued` are the flags that take a value (to read both lines).
Result<std::vector<std::string>> withSessionConfiguration(const std::vector<std::string>& argv,
                                                          const std::set<std::string>& valued);

}  // namespace embedscope::cli
