#include "engine/layer/object_spec.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace embedscope {
namespace {

enum class Kind { Float, Int, OptionalInt, String };

struct ParamDef {
  const char* key;
  Kind kind;
  const char* defaultText;  // as Python would print the default ("None" for an unset optional)
};

struct ClassDef {
  const char* name;       // canonical snake_case
  const char* className;  // Keras class
  std::vector<ParamDef> params;
  std::vector<const char*> aliases;
};

enum class Family { Initializer, Regularizer, Constraint };

const std::vector<ClassDef>& classes(Family f) {
  static const std::vector<ClassDef> init = {
      {"random_uniform", "RandomUniform",
       {{"minval", Kind::Float, "-0.05"}, {"maxval", Kind::Float, "0.05"}, {"seed", Kind::OptionalInt, "None"}},
       {"uniform", "RandomUniform"}},
      {"random_normal", "RandomNormal",
       {{"mean", Kind::Float, "0.0"}, {"stddev", Kind::Float, "0.05"}, {"seed", Kind::OptionalInt, "None"}},
       {"normal", "RandomNormal"}},
      {"truncated_normal", "TruncatedNormal",
       {{"mean", Kind::Float, "0.0"}, {"stddev", Kind::Float, "0.05"}, {"seed", Kind::OptionalInt, "None"}},
       {"TruncatedNormal"}},
      {"variance_scaling", "VarianceScaling",
       {{"scale", Kind::Float, "1.0"},
        {"mode", Kind::String, "fan_in"},
        {"distribution", Kind::String, "truncated_normal"},
        {"seed", Kind::OptionalInt, "None"}},
       {"VarianceScaling"}},
      {"glorot_uniform", "GlorotUniform", {{"seed", Kind::OptionalInt, "None"}}, {"GlorotUniform"}},
      {"glorot_normal", "GlorotNormal", {{"seed", Kind::OptionalInt, "None"}}, {"GlorotNormal"}},
      {"he_uniform", "HeUniform", {{"seed", Kind::OptionalInt, "None"}}, {"HeUniform"}},
      {"he_normal", "HeNormal", {{"seed", Kind::OptionalInt, "None"}}, {"HeNormal"}},
      {"lecun_uniform", "LecunUniform", {{"seed", Kind::OptionalInt, "None"}}, {"LecunUniform"}},
      {"lecun_normal", "LecunNormal", {{"seed", Kind::OptionalInt, "None"}}, {"LecunNormal"}},
      {"orthogonal", "Orthogonal",
       {{"gain", Kind::Float, "1.0"}, {"seed", Kind::OptionalInt, "None"}},
       {"Orthogonal", "OrthogonalInitializer", "orthogonal_initializer"}},
      {"identity", "Identity", {{"gain", Kind::Float, "1.0"}}, {"Identity", "IdentityInitializer", "identity_initializer"}},
      {"zeros", "Zeros", {}, {"zero", "Zeros"}},
      {"ones", "Ones", {}, {"one", "Ones"}},
      {"constant", "Constant", {{"value", Kind::Float, "0.0"}}, {"Constant"}},
  };
  static const std::vector<ClassDef> reg = {
      {"l1", "L1", {{"l1", Kind::Float, "0.01"}}, {"L1"}},
      {"l2", "L2", {{"l2", Kind::Float, "0.01"}}, {"L2"}},
      {"l1l2", "L1L2", {{"l1", Kind::Float, "0.0"}, {"l2", Kind::Float, "0.0"}}, {"L1L2"}},
      {"orthogonal_regularizer", "OrthogonalRegularizer",
       {{"factor", Kind::Float, "0.01"}, {"mode", Kind::String, "rows"}},
       {"OrthogonalRegularizer"}},
  };
  static const std::vector<ClassDef> con = {
      {"max_norm", "MaxNorm", {{"max_value", Kind::Float, "2.0"}, {"axis", Kind::Int, "0"}}, {"MaxNorm"}},
      {"non_neg", "NonNeg", {}, {"NonNeg"}},
      {"unit_norm", "UnitNorm", {{"axis", Kind::Int, "0"}}, {"UnitNorm"}},
      {"min_max_norm", "MinMaxNorm",
       {{"min_value", Kind::Float, "0.0"},
        {"max_value", Kind::Float, "1.0"},
        {"rate", Kind::Float, "1.0"},
        {"axis", Kind::Int, "0"}},
       {"MinMaxNorm"}},
  };
  switch (f) {
    case Family::Initializer: return init;
    case Family::Regularizer: return reg;
    case Family::Constraint: return con;
  }
  return init;
}

const char* familyWord(Family f) {
  switch (f) {
    case Family::Initializer: return "initializer";
    case Family::Regularizer: return "regularizer";
    case Family::Constraint: return "constraint";
  }
  return "";
}

const char* modulePath(Family f) {
  switch (f) {
    case Family::Initializer: return "keras.initializers.";
    case Family::Regularizer: return "keras.regularizers.";
    case Family::Constraint: return "keras.constraints.";
  }
  return "";
}

const ClassDef* findClass(Family f, std::string_view name) {
  for (const auto& c : classes(f)) {
    if (name == c.name) return &c;
    for (const char* a : c.aliases)
      if (name == a) return &c;
  }
  return nullptr;
}

const ClassDef* findClassAny(std::string_view name) {
  for (Family f : {Family::Initializer, Family::Regularizer, Family::Constraint})
    for (const auto& c : classes(f))
      if (name == c.name) return &c;
  return nullptr;
}

Family familyOfName(std::string_view canonical) {
  for (Family f : {Family::Initializer, Family::Regularizer, Family::Constraint})
    for (const auto& c : classes(f))
      if (canonical == c.name) return f;
  return Family::Initializer;
}

const ParamDef* findParam(const ClassDef& c, std::string_view key) {
  for (const auto& p : c.params)
    if (key == p.key) return &p;
  return nullptr;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::optional<double> parseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string t(text);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return v;
}

bool looksInteger(std::string_view text) {
  if (text.empty()) return false;
  std::size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (i >= text.size()) return false;
  for (; i < text.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  return true;
}

SpecParam makeParam(const ParamDef& d, std::string text) {
  SpecParam p{d.key, std::move(text), std::nullopt};
  if (d.kind != Kind::String) p.number = parseNumber(p.text);
  return p;
}

ObjectSpec defaultsOf(const ClassDef& c) {
  ObjectSpec s;
  s.name = c.name;
  for (const auto& d : c.params) s.params.push_back(makeParam(d, d.defaultText));
  return s;
}

std::string positionalMessage(const ClassDef& c, std::size_t given) {
  const std::size_t most = c.params.size() + 1;
  if (c.params.empty())
    return std::string(c.className) + "() takes no arguments";
  return std::string(c.className) + ".__init__() takes from 1 to " + std::to_string(most) +
         " positional arguments but " + std::to_string(given + 1) + " were given";
}

// Checks one value against its declared kind.
Status checkKind(const ClassDef& c, const ParamDef& d, const std::string& text) {
  switch (d.kind) {
    case Kind::Float:
      if (!parseNumber(text) || !std::isfinite(*parseNumber(text)))
        return Status::invalidArgument("Invalid value for argument " + std::string(d.key) + " of " + c.className +
                                       ": expected a number. Received: " + d.key + "=" + text);
      return Status::ok();
    case Kind::Int:
      if (!looksInteger(text))
        return Status::invalidArgument("Invalid value for argument " + std::string(d.key) + " of " + c.className +
                                       ": expected an integer. Received: " + d.key + "=" + text);
      return Status::ok();
    case Kind::OptionalInt:
      if (text != "None" && !looksInteger(text))
        return Status::invalidArgument("Invalid value for argument " + std::string(d.key) + " of " + c.className +
                                       ": expected an integer or None. Received: " + d.key + "=" + text);
      return Status::ok();
    case Kind::String: return Status::ok();
  }
  return Status::ok();
}

template <class Spec>
Result<Spec> parseSpec(Family f, std::string_view text) {
  const std::string all = trim(text);
  const std::size_t colon = all.find(':');
  const std::string name = trim(all.substr(0, colon));
  const ClassDef* c = findClass(f, name);
  if (c == nullptr)
    return Status::invalidArgument(std::string("Could not interpret ") + familyWord(f) + " identifier: " + all);
  ObjectSpec spec = defaultsOf(*c);
  if (colon != std::string::npos) {
    const std::string rest = all.substr(colon + 1);
    std::vector<std::string> tokens;
    std::string cur;
    for (char ch : rest) {
      if (ch == ',' || ch == ':') {
        tokens.push_back(trim(cur));
        cur.clear();
      } else {
        cur += ch;
      }
    }
    tokens.push_back(trim(cur));
    std::size_t positional = 0;
    bool sawKeyword = false;
    std::vector<std::string> assigned;
    for (const std::string& tok : tokens) {
      if (tok.empty())
        return Status::invalidArgument(std::string("Could not interpret ") + familyWord(f) + " identifier: " + all +
                                       " (an empty argument)");
      const std::size_t eq = tok.find('=');
      const ParamDef* d = nullptr;
      std::string value;
      if (eq == std::string::npos) {
        if (sawKeyword)
          return Status::invalidArgument("positional argument follows keyword argument in " + all);
        if (positional >= c->params.size()) {
          std::size_t count = 0;
          for (const auto& t : tokens) count += t.find('=') == std::string::npos;
          return Status::invalidArgument(positionalMessage(*c, count));
        }
        d = &c->params[positional++];
        value = tok;
      } else {
        sawKeyword = true;
        const std::string key = trim(tok.substr(0, eq));
        value = trim(tok.substr(eq + 1));
        d = findParam(*c, key);
        if (d == nullptr)
          return Status::invalidArgument(std::string(c->className) + ".__init__() got an unexpected keyword argument '" +
                                         key + "'");
      }
      if (std::find(assigned.begin(), assigned.end(), d->key) != assigned.end())
        return Status::invalidArgument(std::string(c->className) + ".__init__() got multiple values for argument '" +
                                       d->key + "'");
      assigned.push_back(d->key);
      EMBEDSCOPE_TRY(checkKind(*c, *d, value));
      spec.setText(d->key, value);
    }
  }
  Spec out;
  static_cast<ObjectSpec&>(out) = std::move(spec);
  return out;
}

template <class Spec>
Spec specByName(Family f, std::string_view name) {
  const ClassDef* c = findClass(f, name);
  assert(c != nullptr && "unknown spec name");
  Spec out;
  if (c != nullptr) static_cast<ObjectSpec&>(out) = defaultsOf(*c);
  return out;
}

std::vector<std::string> namesOf(Family f) {
  std::vector<std::string> out;
  for (const auto& c : classes(f)) out.emplace_back(c.name);
  return out;
}

}  // namespace

bool ObjectSpec::has(std::string_view key) const {
  return std::any_of(params.begin(), params.end(), [&](const SpecParam& p) { return p.key == key; });
}

double ObjectSpec::number(std::string_view key, double fallback) const {
  for (const auto& p : params)
    if (p.key == key) return p.number.value_or(fallback);
  return fallback;
}

std::string ObjectSpec::text(std::string_view key, std::string_view fallback) const {
  for (const auto& p : params)
    if (p.key == key) return p.text;
  return std::string(fallback);
}

void ObjectSpec::set(std::string_view key, double value) {
  const ClassDef* c = findClassAny(name);
  const ParamDef* d = c ? findParam(*c, key) : nullptr;
  std::string text;
  if (d != nullptr && (d->kind == Kind::Int || d->kind == Kind::OptionalInt))
    text = std::to_string(static_cast<long long>(std::llround(value)));
  else
    text = pythonFloat(value);
  setText(key, std::move(text));
}

void ObjectSpec::setText(std::string_view key, std::string value) {
  const ClassDef* c = findClassAny(name);
  const ParamDef* d = c ? findParam(*c, key) : nullptr;
  for (auto& p : params) {
    if (p.key == key) {
      p.text = std::move(value);
      p.number = (d && d->kind == Kind::String) ? std::nullopt : parseNumber(p.text);
      return;
    }
  }
  SpecParam p{std::string(key), std::move(value), std::nullopt};
  if (!(d && d->kind == Kind::String)) p.number = parseNumber(p.text);
  params.push_back(std::move(p));
}

std::string ObjectSpec::className() const {
  const ClassDef* c = findClassAny(name);
  return c ? c->className : name;
}

std::string ObjectSpec::toKerasRepr() const {
  const ClassDef* c = findClassAny(name);
  std::string out = std::string(modulePath(familyOfName(name))) + className() + "(";
  bool first = true;
  for (const auto& p : params) {
    const ParamDef* d = c ? findParam(*c, p.key) : nullptr;
    if (!first) out += ", ";
    first = false;
    out += p.key + "=";
    if (d && d->kind == Kind::String)
      out += "'" + p.text + "'";
    else if (d && d->kind == Kind::Float && p.number)
      out += pythonFloat(*p.number);
    else
      out += p.text;
  }
  return out + ")";
}

std::string ObjectSpec::toText() const {
  const ClassDef* c = findClassAny(name);
  std::string out = name;
  bool first = true;
  for (const auto& p : params) {
    const ParamDef* d = c ? findParam(*c, p.key) : nullptr;
    if (d != nullptr) {
      const auto def = parseNumber(d->defaultText);
      const bool same = (p.text == d->defaultText) || (def && p.number && *def == *p.number);
      if (same) continue;
    }
    out += first ? ":" : ",";
    first = false;
    out += p.key + "=" + p.text;
  }
  return out;
}

bool ObjectSpec::operator==(const ObjectSpec& o) const {
  if (name != o.name || params.size() != o.params.size()) return false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& a = params[i];
    const auto& b = o.params[i];
    if (a.key != b.key) return false;
    if (a.number && b.number) {
      if (*a.number != *b.number) return false;
    } else if (a.text != b.text) {
      return false;
    }
  }
  return true;
}

Result<InitializerSpec> parseInitializerSpec(std::string_view text) {
  auto r = parseSpec<InitializerSpec>(Family::Initializer, text);
  if (!r) return r.status();
  EMBEDSCOPE_TRY(validateInitializerSpec(*r));
  return r;
}

Result<RegularizerSpec> parseRegularizerSpec(std::string_view text) {
  auto r = parseSpec<RegularizerSpec>(Family::Regularizer, text);
  if (!r) return r.status();
  EMBEDSCOPE_TRY(validateRegularizerSpec(*r));
  return r;
}

Result<ConstraintSpec> parseConstraintSpec(std::string_view text) {
  auto r = parseSpec<ConstraintSpec>(Family::Constraint, text);
  if (!r) return r.status();
  EMBEDSCOPE_TRY(validateConstraintSpec(*r));
  return r;
}

InitializerSpec initializerSpec(std::string_view name) { return specByName<InitializerSpec>(Family::Initializer, name); }
RegularizerSpec regularizerSpec(std::string_view name) { return specByName<RegularizerSpec>(Family::Regularizer, name); }
ConstraintSpec constraintSpec(std::string_view name) { return specByName<ConstraintSpec>(Family::Constraint, name); }

namespace {
Status checkAllKinds(Family f, const ObjectSpec& spec) {
  const ClassDef* c = findClass(f, spec.name);
  if (c == nullptr)
    return Status::invalidArgument(std::string("Could not interpret ") + familyWord(f) + " identifier: " + spec.name);
  for (const auto& p : spec.params) {
    const ParamDef* d = findParam(*c, p.key);
    if (d == nullptr)
      return Status::invalidArgument(std::string(c->className) + ".__init__() got an unexpected keyword argument '" +
                                     p.key + "'");
    EMBEDSCOPE_TRY(checkKind(*c, *d, p.text));
  }
  return Status::ok();
}
}  // namespace

Status validateInitializerSpec(const InitializerSpec& spec) {
  EMBEDSCOPE_TRY(checkAllKinds(Family::Initializer, spec));
  if (spec.name == "variance_scaling") {
    if (!(spec.number("scale") > 0.0))
      return Status::invalidArgument("Argument `scale` must be positive float. Received: scale=" + spec.text("scale"));
    const std::string mode = spec.text("mode");
    if (mode != "fan_in" && mode != "fan_out" && mode != "fan_avg")
      return Status::invalidArgument("Invalid `mode` argument: " + mode +
                                     ". Please use one of {'fan_in', 'fan_out', 'fan_avg'}");
    std::string dist = spec.text("distribution");
    std::transform(dist.begin(), dist.end(), dist.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (dist == "normal") dist = "truncated_normal";
    if (dist != "uniform" && dist != "truncated_normal" && dist != "untruncated_normal")
      return Status::invalidArgument("Invalid `distribution` argument: " + dist +
                                     ".Allowed distributions: {'uniform', 'truncated_normal', 'untruncated_normal'}");
  }
  return Status::ok();
}

Status validateRegularizerSpec(const RegularizerSpec& spec) {
  EMBEDSCOPE_TRY(checkAllKinds(Family::Regularizer, spec));
  for (const char* key : {"l1", "l2", "factor"}) {
    if (!spec.has(key)) continue;
    const double v = spec.number(key, -1.0);
    if (!std::isfinite(v) || v < 0.0)
      return Status::invalidArgument(std::string("Invalid value for argument ") + key +
                                     ": expected a non-negative float.Received: " + key + "=" + spec.text(key));
  }
  if (spec.name == "orthogonal_regularizer") {
    const std::string mode = spec.text("mode");
    if (mode != "rows" && mode != "columns")
      return Status::invalidArgument(
          "Invalid value for argument `mode`. Expected one of {\"rows\", \"columns\"}. Received: mode=" + mode);
  }
  return Status::ok();
}

Status validateConstraintSpec(const ConstraintSpec& spec) {
  EMBEDSCOPE_TRY(checkAllKinds(Family::Constraint, spec));
  if (spec.has("axis")) {
    const long long axis = std::llround(spec.number("axis"));
    // An embedding table is rank 2: the reduction axis must be one of its two (TensorFlow's words).
    if (axis < -2 || axis > 1)
      return Status::invalidArgument("Invalid reduction dimension " + std::to_string(axis) +
                                     " for input with 2 dimensions. (" + spec.className() + " axis on the (input_dim, "
                                     "output_dim) table)");
  }
  return Status::ok();
}

std::vector<std::string> initializerNames() { return namesOf(Family::Initializer); }
std::vector<std::string> regularizerNames() { return namesOf(Family::Regularizer); }
std::vector<std::string> constraintNames() { return namesOf(Family::Constraint); }

std::string pythonFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0.0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's repr layout: scientific when exp < -4 or exp >= 16.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  const bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  const std::size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  const int exp = std::stoi(s.substr(e + 1));
  std::string digits;
  for (char ch : mant)
    if (ch != '.') digits += ch;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp < -4 || exp >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  } else {
    const auto intLen = static_cast<std::size_t>(exp + 1);
    if (digits.size() <= intLen)
      out = digits + std::string(intLen - digits.size(), '0') + ".0";
    else
      out = digits.substr(0, intLen) + "." + digits.substr(intLen);
  }
  return neg ? "-" + out : out;
}

}  // namespace embedscope
