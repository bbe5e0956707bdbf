// The orthogonal embeddings regularizer's kernel in the precision REAL (float or double) the
// including shader defines, with KEPS = Keras 3's normalize epsilon 1e-7 in that precision:
// step_orthogonal_f64.comp (double, where the device has shaderFloat64) and step_orthogonal.comp
// (float, where it has not). The CPU engine computes in double. A component of the gradient can be
// a sum that nearly cancels, and Adam magnifies a small component's rounding (g / (|g| + eps)), so
// float alone drifts from the CPU engine's answers over a training.
//   PHASE 0, one row r of Y per invocation: yn_r = y_r / sqrt(max(|y_r|^2, eps^2)), norms[r] = |y_r|.
//   PHASE 1, one row i per invocation: P_ij = yn_i . yn_j (j != i), partial[i] = sum_j |P_ij|,
//     dyn_i = 2c sum_j sign(P_ij) yn_j (P is symmetric, so the gradient of sum |P| over both
//     triangles is 2 S Yn; c = factor / 2 / pairs), then
//     regGrad_i = (dyn_i - (yn_i . dyn_i) yn_i) / |y_i|, or dyn_i / eps when |y_i| <= eps,
//     written as float (the CPU casts its double gradient the same way).
// Y is the table (mode rows: n = V rows of m = D) or its transpose (mode columns: n = D rows of
// m = V); Y(r, k) is w[r * rowStride + k * elemStride], and yn, dyn and regGrad are laid out as the
// table is. Phase 1 is the n x n product Keras builds as well: V x V in rows mode (the sign of each
// P_ij keeps it from being rearranged into a D x D product), D x D in columns mode. Each
// invocation sums its own row in a fixed order, so the result does not depend on timing.
#include "common.glsl"

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint PHASE = 0;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
  uint n;           // rows of Y
  uint m;           // their length
  uint rowStride;   // table elements between Y(r, k) and Y(r + 1, k)
  uint elemStride;  // ... between Y(r, k) and Y(r, k + 1)
  float twoCHi;     // 2c = twoCHi + twoCLo: two floats, so that the double variant has 2c in double
  float twoCLo;
} p;

layout(std430, binding = 0) readonly buffer W { float w[]; };
layout(std430, binding = 1) buffer Yn { REAL yn[]; };
layout(std430, binding = 2) buffer Norms { REAL norms[]; };
layout(std430, binding = 3) buffer Dyn { REAL dyn[]; };  // this row's running sum (phase 1 scratch)
layout(std430, binding = 4) writeonly buffer RegGrad { float regGrad[]; };
layout(std430, binding = 5) writeonly buffer Partial { float partial[]; };

void main() {
  const uint i = flatGroup() * WG + gl_LocalInvocationID.x;
  if (i >= p.n) return;
  const uint bi = i * p.rowStride;
  const uint es = p.elemStride;
  if (PHASE == 0u) {
    precise REAL ss = REAL(0);
    for (uint k = 0u; k < p.m; ++k) {
      const REAL v = REAL(w[bi + k * es]);
      ss = ss + v * v;
    }
    const REAL denom = sqrt(max(ss, KEPS * KEPS));
    for (uint k = 0u; k < p.m; ++k) yn[bi + k * es] = REAL(w[bi + k * es]) / denom;
    norms[i] = sqrt(ss);
    return;
  }
  for (uint k = 0u; k < p.m; ++k) dyn[bi + k * es] = REAL(0);
  precise REAL sumAbs = REAL(0);
  for (uint j = 0u; j < p.n; ++j) {
    if (j == i) continue;
    const uint bj = j * p.rowStride;
    precise REAL dot = REAL(0);
    for (uint k = 0u; k < p.m; ++k) dot = dot + yn[bi + k * es] * yn[bj + k * es];
    sumAbs = sumAbs + abs(dot);
    if (dot == REAL(0)) continue;  // sign 0: this pair adds nothing
    const REAL s = dot > REAL(0) ? REAL(1) : REAL(-1);
    for (uint k = 0u; k < p.m; ++k) {
      precise REAL a = dyn[bi + k * es] + s * yn[bj + k * es];
      dyn[bi + k * es] = a;
    }
  }
  partial[i] = float(sumAbs);
  const REAL twoC = REAL(p.twoCHi) + REAL(p.twoCLo);
  precise REAL proj = REAL(0);
  for (uint k = 0u; k < p.m; ++k) {
    precise REAL d = twoC * dyn[bi + k * es];
    dyn[bi + k * es] = d;
    proj = proj + yn[bi + k * es] * d;
  }
  const REAL nr = norms[i];
  for (uint k = 0u; k < p.m; ++k) {
    const REAL d = dyn[bi + k * es];
    precise REAL g = nr > KEPS ? (d - proj * yn[bi + k * es]) / nr : d / KEPS;
    regGrad[bi + k * es] = float(g);
  }
}
