// Keras's optimizer updates in float32, one element, mirroring engine/optim/update_rules.h line by
// line (`precise` forbids FMA contraction, so the device rounds like the CPU). Shared by
// optimizer.comp (one variable's step from push constants) and step_optimizer.comp (the fused
// step's, scalars from the step buffer). The including shader defines the spec constants
//   OPT   0 sgd, 1 sgd+momentum, 2 sgd+nesterov, 3 rmsprop, 4 adam, 5 adagrad, 6 ftrl
//   FLAGS 1 amsgrad, 2 centered, 4 rmsprop momentum
// s[] holds the variable's slots in Keras's order (the CPU optimizer's): sgd {momentum};
// rmsprop {velocity, [momentum], [average_gradient]}; adam {momentum, velocity, [velocity_hat]};
// adagrad {accumulator}; ftrl {accumulator, linear}.

float ftrlPow(float x, float negPower) { return negPower == 0.5 ? sqrt(x) : pow(x, negPower); }

// Slots the rule reads and writes (the rest of s[] is never touched, so unbound slots can alias).
uint optimizerSlotCount() {
  if (OPT == 0u) return 0u;
  if (OPT == 1u || OPT == 2u || OPT == 5u) return 1u;
  if (OPT == 3u) return 1u + ((FLAGS & 4u) != 0u ? 1u : 0u) + ((FLAGS & 2u) != 0u ? 1u : 0u);
  if (OPT == 4u) return (FLAGS & 1u) != 0u ? 3u : 2u;
  return 2u;
}

// clip -> (the caller's) weight decay -> this update. wio is the weight after decay.
void optimizerUpdate(inout float wio, inout float s[3], float gIn, float lr, float a, float b, float c, float d) {
  precise float g = gIn;
  precise float wi = wio;
  if (OPT == 0u) {
    wi = wi - g * lr;
  } else if (OPT == 1u || OPT == 2u) {
    precise float m = -g * lr + s[0] * a;
    s[0] = m;
    if (OPT == 1u) wi = wi + m;
    else wi = wi + (-g * lr + m * a);
  } else if (OPT == 3u) {
    precise float oneMinusRho = 1.0 - a;
    precise float v = a * s[0] + oneMinusRho * (g * g);
    s[0] = v;
    precise float den;
    if ((FLAGS & 2u) != 0u) {
      const uint ai = (FLAGS & 4u) != 0u ? 2u : 1u;  // average_gradient follows momentum when there is one
      precise float avg = a * s[ai] + oneMinusRho * g;
      s[ai] = avg;
      den = v - avg * avg + c;
    } else {
      den = v + c;
    }
    precise float inc = (lr * g) / sqrt(den);
    if ((FLAGS & 4u) != 0u) {
      precise float mom = b * s[1] + inc;
      s[1] = mom;
      wi = wi - mom;
    } else {
      wi = wi - inc;
    }
  } else if (OPT == 4u) {
    precise float c1 = 1.0 - b;
    precise float c2 = 1.0 - c;
    precise float m = s[0];
    m = m + (g - m) * c1;
    precise float v = s[1];
    v = v + (g * g - v) * c2;
    s[0] = m;
    s[1] = v;
    if ((FLAGS & 1u) != 0u) {
      precise float vh = max(s[2], v);
      s[2] = vh;
      wi = wi - (m * a) / (sqrt(vh) + d);
    } else {
      wi = wi - (m * a) / (sqrt(v) + d);
    }
  } else if (OPT == 5u) {
    precise float acc = s[0] + g * g;
    s[0] = acc;
    wi = wi - (lr * g) / sqrt(acc + a);
  } else if (OPT == 6u) {
    precise float gUse = g + 2.0 * d * wi;
    precise float acc = s[0];
    precise float newAcc = acc + g * g;
    precise float pNew = ftrlPow(newAcc, a);
    precise float pOld = ftrlPow(acc, a);
    precise float lin = s[1] + (gUse - (pNew - pOld) / lr * wi);
    s[1] = lin;
    precise float quadratic = pNew / lr + 2.0 * c;
    precise float clipped = clamp(lin, -b, b);
    wi = (clipped - lin) / quadratic;
    s[0] = newAcc;
  }
  wio = wi;
}
