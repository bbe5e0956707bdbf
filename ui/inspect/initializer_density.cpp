#include "ui/inspect/initializer_density.h"

#include <cmath>
#include <numbers>

#include "engine/layer/initializers.h"

namespace embedscope::ui::inspect {

namespace {

double normalPdf(double x, double mean, double sd) {
  double z = (x - mean) / sd;
  return std::exp(-0.5 * z * z) / (sd * std::sqrt(2 * std::numbers::pi));
}

InitializerDensity uniform(QString desc, double a, double b) {
  return {std::move(desc), [a, b](double x) { return x >= a && x < b ? 1.0 / (b - a) : 0.0; }, a, b};
}

InitializerDensity normal(QString desc, double mean, double sd) {
  return {std::move(desc), [mean, sd](double x) { return normalPdf(x, mean, sd); }, mean - 4 * sd, mean + 4 * sd};
}

// Keras re-draws samples beyond two standard deviations: the normal density renormalised on
// [mean - 2 sd, mean + 2 sd].
InitializerDensity truncated(QString desc, double mean, double sd) {
  const double mass = std::erf(2.0 / std::sqrt(2.0));  // P(|Z| <= 2)
  return {std::move(desc),
          [mean, sd, mass](double x) { return std::fabs(x - mean) <= 2 * sd ? normalPdf(x, mean, sd) / mass : 0.0; },
          mean - 2.2 * sd, mean + 2.2 * sd};
}

}  // namespace

Result<InitializerDensity> initializerDensity(const InitializerSpec& spec, std::int64_t rows, std::int64_t cols) {
  const QString cls = QString::fromStdString(spec.className());
  if (spec.name == "random_uniform") {
    double a = spec.number("minval", -0.05), b = spec.number("maxval", 0.05);
    return uniform(QStringLiteral("%1: U[%2, %3)").arg(cls).arg(a).arg(b), a, b);
  }
  if (spec.name == "random_normal") {
    double m = spec.number("mean", 0), sd = spec.number("stddev", 0.05);
    return normal(QStringLiteral("%1: N(mean %2, stddev %3)").arg(cls).arg(m).arg(sd), m, sd);
  }
  if (spec.name == "truncated_normal") {
    double m = spec.number("mean", 0), sd = spec.number("stddev", 0.05);
    return truncated(QStringLiteral("%1: N(mean %2, stddev %3) cut at ±2σ").arg(cls).arg(m).arg(sd), m, sd);
  }
  Result<VarianceScalingResolved> vs = resolveVarianceScaling(spec, rows, cols);
  if (!vs.isOk())
    return Status::unavailable(spec.className() + " draws no values from a density; there is no formula to plot");
  if (vs->distribution == "uniform")
    return uniform(QStringLiteral("%1: U[-%2, %2), limit = sqrt(3·%3)").arg(cls).arg(vs->limit, 0, 'g', 4).arg(vs->scale, 0, 'g', 4),
                   -vs->limit, vs->limit);
  if (vs->distribution == "truncated_normal")
    return truncated(QStringLiteral("%1: σ = sqrt(%2)/0.8796, cut at ±2σ").arg(cls).arg(vs->scale, 0, 'g', 4), 0.0,
                     vs->stddev);
  return normal(QStringLiteral("%1: N(0, variance %2)").arg(cls).arg(vs->scale, 0, 'g', 4), 0.0, vs->stddev);
}

}  // namespace embedscope::ui::inspect
