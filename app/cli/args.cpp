#include "app/cli/args.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace embedscope::cli {

Result<Args> Args::parse(const std::vector<std::string>& argv, const std::set<std::string>& valued,
                         const std::set<std::string>& switches,
                         const std::map<std::string, std::string>& aliases) {
  Args a;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      a.m_help = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "--" || (arg[1] != '-' && std::isdigit(static_cast<unsigned char>(arg[1])))) {
      a.m_positionals.push_back(arg);
      continue;
    }
    std::optional<std::string> inlineValue;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      inlineValue = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (auto it = aliases.find(arg); it != aliases.end()) arg = it->second;
    if (valued.count(arg)) {
      if (!inlineValue) {
        if (i + 1 >= argv.size()) return Status::invalidArgument("argument " + arg + ": expected a value");
        inlineValue = argv[++i];
      }
      a.m_values[arg] = *inlineValue;
    } else if (switches.count(arg)) {
      if (inlineValue) return Status::invalidArgument("argument " + arg + ": takes no value");
      a.m_switches.insert(arg);
    } else {
      return Status::invalidArgument("unrecognized argument: " + argv[i]);
    }
  }
  return a;
}

std::optional<std::string> Args::value(const std::string& flag) const {
  auto it = m_values.find(flag);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

std::string Args::valueOr(const std::string& flag, const std::string& fallback) const {
  auto v = value(flag);
  return v ? *v : fallback;
}

Result<std::int64_t> Args::integer(const std::string& flag, std::int64_t fallback) const {
  auto v = value(flag);
  if (!v) return fallback;
  std::int64_t out = 0;
  const char* b = v->data();
  const char* e = b + v->size();
  auto [p, ec] = std::from_chars(b, e, out);
  if (ec != std::errc() || p != e)
    return Status::invalidArgument("argument " + flag + ": invalid int value: '" + *v + "'");
  return out;
}

Result<double> Args::number(const std::string& flag, double fallback) const {
  auto v = value(flag);
  if (!v) return fallback;
  char* end = nullptr;
  const double out = std::strtod(v->c_str(), &end);
  if (v->empty() || end != v->c_str() + v->size() || !std::isfinite(out))
    return Status::invalidArgument("argument " + flag + ": invalid float value: '" + *v + "'");
  return out;
}

}  // namespace embedscope::cli
