#pragma once
// The value of a Keras "object" argument (an initializer, regularizer or constraint): a canonical
// snake_case name plus its named arguments, always complete with Keras's defaults once parsed, so
// code export, the UI and the engines read one normalised form.
//
// Text form (the CLI and presets use it): NAME[:key=value,...] with Keras's argument names, e.g.
//   truncated_normal:stddev=0.02     min_max_norm:min_value=0.5,max_value=1,axis=1
// and the positional shorthands l1:F, l2:F, l1l2:F1,F2 (regularizers) and max_norm:VALUE[:AXIS].
// Names accept Keras's aliases: class names (RandomUniform), their snake_case forms, "uniform",
// "normal", "zero", "one".
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"

namespace embedscope {

struct SpecParam {
  std::string key;                // Keras's argument name ("stddev", "axis", "mode")
  std::string text;               // as written ("0.02", "fan_avg"), or Keras's default
  std::optional<double> number;   // set when the value is numeric
};

struct ObjectSpec {
  std::string name;               // canonical snake_case Keras name ("random_uniform", "l1l2", "max_norm")
  std::vector<SpecParam> params;  // every argument of the Keras class, in Keras's signature order

  bool has(std::string_view key) const;
  double number(std::string_view key, double fallback = 0.0) const;
  std::string text(std::string_view key, std::string_view fallback = {}) const;
  void set(std::string_view key, double value);
  void setText(std::string_view key, std::string value);

  // The Keras class name ("RandomUniform", "L1L2", "MaxNorm").
  std::string className() const;
  // Python source that builds the same object: "keras.initializers.RandomUniform(minval=-0.05, maxval=0.05, seed=None)".
  std::string toKerasRepr() const;
  // The text form, NAME:key=value,... (round-trips through the parse functions).
  std::string toText() const;

  bool operator==(const ObjectSpec& o) const;
};

struct InitializerSpec : ObjectSpec {};
struct RegularizerSpec : ObjectSpec {};
struct ConstraintSpec : ObjectSpec {};

// Parse the text form; unknown names and keys, non-numeric numbers and Keras-invalid values are
// InvalidArgument with Keras's messages ("Could not interpret initializer identifier: foo",
// "RandomUniform.__init__() got an unexpected keyword argument 'foo'", ...).
Result<InitializerSpec> parseInitializerSpec(std::string_view text);
Result<RegularizerSpec> parseRegularizerSpec(std::string_view text);
Result<ConstraintSpec> parseConstraintSpec(std::string_view text);

// Specs with Keras's defaults, by canonical name or alias (assert on an unknown name).
InitializerSpec initializerSpec(std::string_view name);
RegularizerSpec regularizerSpec(std::string_view name);
ConstraintSpec constraintSpec(std::string_view name);

// Keras's value checks for an already-built spec (what the parse functions run at the end).
Status validateInitializerSpec(const InitializerSpec& spec);
Status validateRegularizerSpec(const RegularizerSpec& spec);
Status validateConstraintSpec(const ConstraintSpec& spec);

// Every canonical name, for completion lists and the UI.
std::vector<std::string> initializerNames();
std::vector<std::string> regularizerNames();
std::vector<std::string> constraintNames();

// Python's repr of a float as Keras prints it in a config (0.05, 1e-07, 2.0).
std::string pythonFloat(double v);

}  // namespace embedscope
