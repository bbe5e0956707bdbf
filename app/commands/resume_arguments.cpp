#include "app/commands/resume_arguments.h"

#include <optional>

#include "engine/io/session_file.h"
#include "engine/session/run_manifest.h"

namespace embedscope::cli {

namespace {

// One flag with its value, as written ("--x v" or "--x=v"; `tokens` keeps the spelling).
struct Flag {
  std::string name;
  std::vector<std::string> tokens;
};

std::vector<Flag> flagsOf(const std::vector<std::string>& argv, const std::set<std::string>& valued) {
  std::vector<Flag> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    Flag f;
    const std::string& t = argv[i];
    const auto eq = t.find('=');
    f.name = t.rfind("--", 0) == 0 && eq != std::string::npos ? t.substr(0, eq) : t;
    if (f.name == "--weights") f.name = "--init";  // the alias names the same setting
    f.tokens.push_back(t);
    if (eq == std::string::npos && valued.count(f.name) && i + 1 < argv.size()) f.tokens.push_back(argv[++i]);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> withSessionConfiguration(const std::vector<std::string>& argv,
                                                          const std::set<std::string>& valued) {
  const auto given = flagsOf(argv, valued);
  std::optional<std::string> session;
  for (const auto& f : given) {
    if (f.name == "--task") return argv;
    if (f.name == "--resume")
      session = f.tokens.size() == 2 ? f.tokens[1] : f.tokens[0].substr(f.tokens[0].find('=') + 1);
  }
  if (!session) return argv;

  auto file = io::readSessionFile(*session);
  if (!file) return file.status().withContext("--resume " + *session);
  const std::string* manifest = file->text(io::session_keys::kManifest);
  Result<std::vector<std::string>> saved =
      manifest ? session::manifestCommandLine(*manifest) : Result<std::vector<std::string>>(std::vector<std::string>{});
  if (!saved) return saved.status().withContext(*session);
  if (saved->empty())
    return Status::invalidArgument(
        *session + " keeps no training command line (a session from an older version, or a skip-gram run of the "
                   "explorer window): give the run's configuration with --resume, starting with --task");

  static const std::set<std::string> kOutputs = {"--resume", "--save", "--metrics", "--checkpoint", "--checkpoint-every",
                                                 "--snapshot-every", "--quiet"};
  std::set<std::string> mine;
  for (const auto& f : given) mine.insert(f.name);
  std::vector<std::string> merged;
  for (const auto& f : flagsOf(*saved, valued))
    if (!kOutputs.count(f.name) && !mine.count(f.name)) merged.insert(merged.end(), f.tokens.begin(), f.tokens.end());
  merged.insert(merged.end(), argv.begin(), argv.end());
  return merged;
}

}  // namespace embedscope::cli
