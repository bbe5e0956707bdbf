#pragma once
// A small, strict argument parser shared by every command: `--flag value`, `--flag=value`,
// boolean switches, repeated positionals. Unknown flags are usage errors (exit 2), like argparse.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace embedscope::cli {

class Args {
 public:
  // `valued` are flags that take a value, `switches` flags that do not; aliases map an alternative
  // spelling to its canonical name (e.g. "--weights" -> "--init").
  static Result<Args> parse(const std::vector<std::string>& argv, const std::set<std::string>& valued,
                            const std::set<std::string>& switches,
                            const std::map<std::string, std::string>& aliases = {});

  bool has(const std::string& flag) const { return m_values.count(flag) || m_switches.count(flag); }
  std::optional<std::string> value(const std::string& flag) const;
  std::string valueOr(const std::string& flag, const std::string& fallback) const;
  // Integer / float values with a usage error naming the flag when the text is not a number.
  Result<std::int64_t> integer(const std::string& flag, std::int64_t fallback) const;
  Result<double> number(const std::string& flag, double fallback) const;
  const std::vector<std::string>& positionals() const { return m_positionals; }
  bool helpRequested() const { return m_help; }

 private:
  std::map<std::string, std::string> m_values;
  std::set<std::string> m_switches;
  std::vector<std::string> m_positionals;
  bool m_help = false;
};

}  // namespace embedscope::cli
