#version 450
// Fused step, between the reductions and the update: copies this step's sums to its ring slot
// (the host reads the ring every N steps) and decides whether the step updates anything: a loss
// that is not finite (an all-padding row under mask_zero pools 0/0, as Keras does) leaves the
// variables as they were, as the CPU engine's step does.
#include "step_common.glsl"

layout(local_size_x = 1) in;
layout(std430, binding = 0) readonly buffer Acc { float acc[]; };
layout(std430, binding = 1) writeonly buffer Ring { float ring[]; };
STEP_BUFFER(2)

void main() {
  for (uint k = 0; k < ACC_COUNT; ++k) ring[step.slot * ACC_COUNT + k] = acc[k];
  float loss = acc[ACC_LOSS];
  step.skip = (isnan(loss) || isinf(loss)) ? 1u : 0u;
}
