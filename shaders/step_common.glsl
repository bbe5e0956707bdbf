// The fused training step's shared state (engine/compute/vulkan/step_program.h). Everything a
// step changes from one step to the next lives in buffers, not push constants, so a command
// buffer recorded once per batch shape is resubmitted unchanged: the host writes the step
// buffer (unique-row count, ring slot, the optimizer's scalars for step t) before each submit.
#define STEP_BUFFER(BND)                                                                            \
  layout(std430, binding = BND) buffer StepBuf {                                                    \
    uint uniqueCount; /* U: rows with a gradient this step (uniqueRows[0..U)) */                   \
    uint slot;        /* where this step's sums go in the ring */                                  \
    uint skip;        /* set on the device when the loss is not finite: no update this step */    \
    uint pad0;                                                                                      \
    float lossScale;  /* regression: 2 / (valid positions * D) (dLoss/dOut) */                     \
    float lr, a, b, c, d, wd;                                                                       \
  } step;

// The accumulator's slots (floats), zeroed at the start of each step and copied to the ring.
#define ACC_LOSS 0u      // sum of per-position squared errors (regression) / of per-row losses (classify)
#define ACC_METRIC 1u    // classify: correct predictions
#define ACC_ACT_ABS 2u   // activity regularizer: sum |out|, sum out^2 over the (B, L, D) output
#define ACC_ACT_SQ 3u
#define ACC_REG_ABS 4u   // embeddings regularizer: sum |w|, sum w^2 over the table before the step
#define ACC_REG_SQ 5u
#define ACC_GSQ_TABLE 6u // squared gradient norms, for clipping
#define ACC_GSQ_KERNEL 7u
#define ACC_GSQ_BIAS 8u
#define ACC_REG_ORTHO 9u // orthogonal embeddings regularizer: sum over i != j of |P_ij| (step_orthogonal.comp)
#define ACC_COUNT 16u
