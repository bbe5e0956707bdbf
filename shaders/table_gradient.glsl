// The embeddings table's gradient at one element as the CPU optimizer forms it: the regularizer's
// dense gradient, plus the sparse loss gradient g when the row has one (hasG). Shared by
// step_optimizer.comp (the update) and step_grad_norm.comp (clipnorm's norm), so that the norm is
// the norm of exactly the gradient the update uses. The including shader defines the constant
//   REG 0 none, 1 l1/l2 (l1 * sign(w) + 2 l2 * w), 2 from a buffer (the orthogonal regularizer's,
//   step_orthogonal.comp); regGrad is that buffer's element (unused otherwise).
float tableGradient(float wi, bool hasG, float g, float regL1, float regL2x2, float regGrad) {
  precise float out_ = hasG ? g : 0.0;
  if (REG == 1u) {
    float sgn = wi > 0.0 ? 1.0 : (wi < 0.0 ? -1.0 : 0.0);
    precise float rg = regL1 * sgn + regL2x2 * wi;
    out_ = hasG ? rg + g : rg;
  } else if (REG == 2u) {
    out_ = hasG ? regGrad + g : regGrad;
  }
  return out_;
}
