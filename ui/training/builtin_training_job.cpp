// The explorer's own CPU trainer. It exists so that the window trains something real before (and
// independently of) the engine's session library; the math follows Keras 3 (reference/keras-embedding.md
// §7: dense optimizer updates, mse = mean over the last axis then the batch, masked average pooling).
#include <QSet>
#include <Eigen/QR>
#include <chrono>
#include <cmath>
#include <atomic>
#include <thread>

#include "engine/core/rng.h"
#include "ui/training/training_job.h"

namespace embedscope::ui {

namespace {

using Clock = std::chrono::steady_clock;

// Optimizer state for one parameter matrix, updated row by row so that lazy mode can skip rows.
class RowOptimizer {
 public:
  RowOptimizer(const OptimizerSettings& o, Eigen::Index rows, Eigen::Index cols) : m_o(o) {
    const bool needM = o.name == "adam" || o.name == "adamw" || (o.name == "sgd" && o.momentum > 0) ||
                       (o.name == "rmsprop" && (o.momentum > 0 || o.centered));
    const bool needV = o.name == "adam" || o.name == "adamw" || o.name == "rmsprop" || o.name == "adagrad";
    if (needM) m_m = Matrix::Zero(rows, cols);
    if (needV) m_v = o.name == "adagrad" ? Matrix::Constant(rows, cols, float(o.initialAccumulatorValue))
                                         : Matrix::Zero(rows, cols);
    if (o.name == "rmsprop" && o.centered) m_a = Matrix::Zero(rows, cols);
    if ((o.name == "adam" || o.name == "adamw") && o.amsgrad) m_vhat = Matrix::Zero(rows, cols);
  }

  // One step: t is iterations + 1. Only rows with touched[r] are updated when `lazy`.
  void apply(Matrix& w, const Matrix& g, long long t, const std::vector<unsigned char>* touched, bool lazy) {
    const float lr = float(m_o.learningRate);
    const float eps = float(m_o.epsilon);
    double alpha = lr;
    if (m_o.name == "adam" || m_o.name == "adamw")
      alpha = lr * std::sqrt(1.0 - std::pow(m_o.beta2, double(t))) / (1.0 - std::pow(m_o.beta1, double(t)));
    for (Eigen::Index r = 0; r < w.rows(); ++r) {
      if (lazy && touched && !(*touched)[size_t(r)]) continue;
      for (Eigen::Index c = 0; c < w.cols(); ++c) {
        const float gi = g(r, c);
        float& wi = w(r, c);
        if (m_o.name == "sgd") {
          if (m_o.momentum > 0) {
            float& m = m_m(r, c);
            m = float(m_o.momentum) * m - lr * gi;
            wi += m_o.nesterov ? float(m_o.momentum) * m - lr * gi : m;
          } else {
            wi -= lr * gi;
          }
        } else if (m_o.name == "rmsprop") {
          float& v = m_v(r, c);
          v = float(m_o.rho) * v + (1 - float(m_o.rho)) * gi * gi;
          float den = v;
          if (m_o.centered) {
            float& a = m_a(r, c);
            a = float(m_o.rho) * a + (1 - float(m_o.rho)) * gi;
            den = v - a * a;
          }
          const float inc = lr * gi / std::sqrt(den + eps);
          if (m_o.momentum > 0) {
            float& m = m_m(r, c);
            m = float(m_o.momentum) * m + inc;
            wi -= m;
          } else {
            wi -= inc;
          }
        } else if (m_o.name == "adagrad") {
          float& v = m_v(r, c);
          v += gi * gi;
          wi -= lr * gi / std::sqrt(v + eps);
        } else {  // adam, adamw
          if (m_o.name == "adamw") wi -= wi * float(m_o.weightDecay) * lr;
          float& m = m_m(r, c);
          float& v = m_v(r, c);
          m += (gi - m) * (1 - float(m_o.beta1));
          v += (gi * gi - v) * (1 - float(m_o.beta2));
          float vv = v;
          if (m_o.amsgrad) {
            float& vh = m_vhat(r, c);
            vh = std::max(vh, v);
            vv = vh;
          }
          wi -= float(alpha) * m / (std::sqrt(vv) + eps);
        }
      }
    }
  }

 private:
  OptimizerSettings m_o;
  Matrix m_m, m_v, m_a, m_vhat;
};

QString pseudoWord(Rng& rng) {
  static const char* onset[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "tr", "br", "pl"};
  static const char* vowel[] = {"a", "e", "i", "o", "u", "ai", "ou", "ee"};
  const int syllables = 2 + int(rng.below(2));
  QString w;
  for (int i = 0; i < syllables; ++i) {
    w += onset[rng.below(sizeof(onset) / sizeof(*onset))];
    w += vowel[rng.below(sizeof(vowel) / sizeof(*vowel))];
  }
  return w;
}

void initializeTable(Matrix& e, const LayerSettings& s, Rng& rng) {
  const double fanIn = double(e.rows()), fanOut = double(e.cols());
  const QString init = s.embeddingsInitializer;
  auto truncNormal = [&](double mean, double sd) {
    for (Eigen::Index i = 0; i < e.size(); ++i) {
      double z;
      do z = rng.normal(); while (std::abs(z) > 2.0);
      e.data()[i] = float(mean + sd * z);
    }
  };
  auto uniform = [&](double lo, double hi) {
    for (Eigen::Index i = 0; i < e.size(); ++i) e.data()[i] = rng.uniform(float(lo), float(hi));
  };
  auto scaling = [&](double scale, const QString& mode, const QString& dist) {
    const double n = mode == "fan_in" ? fanIn : mode == "fan_out" ? fanOut : (fanIn + fanOut) / 2.0;
    const double v = scale / std::max(1.0, n);
    if (dist == "uniform") {
      const double lim = std::sqrt(3.0 * v);
      uniform(-lim, lim);
    } else if (dist == "untruncated_normal") {
      for (Eigen::Index i = 0; i < e.size(); ++i) e.data()[i] = float(std::sqrt(v) * rng.normal());
    } else {
      truncNormal(0.0, std::sqrt(v) / 0.87962566103423978);
    }
  };
  if (init == "uniform" || init == "random_uniform") uniform(s.minval, s.maxval);
  else if (init == "normal" || init == "random_normal")
    for (Eigen::Index i = 0; i < e.size(); ++i) e.data()[i] = float(s.mean + s.stddev * rng.normal());
  else if (init == "truncated_normal") truncNormal(s.mean, s.stddev);
  else if (init == "variance_scaling") scaling(s.scale, s.mode, s.distribution);
  else if (init == "glorot_uniform") scaling(1.0, "fan_avg", "uniform");
  else if (init == "glorot_normal") scaling(1.0, "fan_avg", "truncated_normal");
  else if (init == "he_uniform") scaling(2.0, "fan_in", "uniform");
  else if (init == "he_normal") scaling(2.0, "fan_in", "truncated_normal");
  else if (init == "lecun_uniform") scaling(1.0, "fan_in", "uniform");
  else if (init == "lecun_normal") scaling(1.0, "fan_in", "truncated_normal");
  else if (init == "zeros") e.setZero();
  else if (init == "ones") e.setOnes();
  else if (init == "constant") e.setConstant(float(s.value));
  else if (init == "identity") e = float(s.gain) * Matrix::Identity(e.rows(), e.cols());
  else if (init == "orthogonal") {
    const Eigen::Index big = std::max(e.rows(), e.cols()), small = std::min(e.rows(), e.cols());
    Eigen::MatrixXd a(big, small);
    for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(big, small);
    const Eigen::MatrixXd r = qr.matrixQR().topLeftCorner(small, small);
    for (Eigen::Index c = 0; c < small; ++c)
      if (r(c, c) < 0) q.col(c) = -q.col(c);
    if (e.rows() < e.cols()) q.transposeInPlace();
    e = (s.gain * q).cast<float>();
  }
}

class BuiltinTrainingJob final : public TrainingJob {
 public:
  BuiltinTrainingJob(LayerSettings layer, TaskSettings task) : m_layer(std::move(layer)), m_task(std::move(task)) {}

  QString prepare() override {
    const auto v = parseKerasInt(m_layer.inputDim).value;
    const auto d = parseKerasInt(m_layer.outputDim).value;
    if (!v || !d || *v < 3 || *d < 1) return "input_dim must be at least 3 (padding, OOV and one token) to train.";
    m_v = *v;
    m_d = *d;
    m_len = parseKerasInt(m_layer.inputLength).value.value_or(10);
    if (m_len <= 0) m_len = 10;
    m_k = std::max(2, m_task.numClasses);
    m_classify = m_task.task != "regression";
    m_batch = std::max(1, m_task.batchSize);
    const std::uint64_t seed = m_task.seed;
    Rng initRng = Rng::stream(parseKerasInt(m_layer.initializerSeed).value.value_or(0), 1);
    m_e = Matrix(m_v, m_d);
    initializeTable(m_e, m_layer, initRng);
    m_rng = Rng::stream(seed, 2);
    Rng headRng = Rng::stream(seed, 3);
    m_w = Matrix(m_d, m_k);
    const float lim = std::sqrt(6.0f / float(m_d + m_k));  // Dense's glorot_uniform
    for (Eigen::Index i = 0; i < m_w.size(); ++i) m_w.data()[i] = headRng.uniform(-lim, lim);
    m_b = Matrix::Zero(1, m_k);
    m_optE = std::make_unique<RowOptimizer>(m_task.optimizer, m_v, m_d);
    m_optW = std::make_unique<RowOptimizer>(m_task.optimizer, m_d, m_k);
    m_optB = std::make_unique<RowOptimizer>(m_task.optimizer, 1, m_k);

    auto info = std::make_shared<CorpusInfo>();
    Rng nameRng = Rng::stream(seed, 4);
    info->tokens.reserve(int(m_v));
    info->tokens << "[PAD]" << "[UNK]";
    QSet<QString> used;
    for (long long t = 2; t < m_v; ++t) {
      QString w;
      for (int tries = 0; tries < 8; ++tries) {
        w = pseudoWord(nameRng);
        if (!used.contains(w)) break;
      }
      if (used.contains(w)) w += QString::number(t);
      used.insert(w);
      info->tokens << w;
    }
    info->frequency.assign(size_t(m_v), 0);
    info->cluster.assign(size_t(m_v), -1);
    for (long long t = 2; t < m_v; ++t) info->cluster[size_t(t)] = m_classify ? int((t - 2) % m_k) : int(t % 6);
    info->metadataColumns << "class" << "parity";
    QStringList cls, parity;
    for (long long t = 0; t < m_v; ++t) {
      cls << (info->cluster[size_t(t)] < 0 ? "special" : QString("class %1").arg(info->cluster[size_t(t)]));
      parity << ((t % 2) ? "odd id" : "even id");
    }
    info->metadata = {cls, parity};
    info->description = m_classify ? QString("Planted classes: %1 tokens in %2 classes, sequences of %3")
                                         .arg(m_v).arg(m_k).arg(m_len)
                                   : QString("Regression to a fixed target table, %1 x %2").arg(m_v).arg(m_d);
    if (!m_classify) {
      Rng tRng = Rng::stream(seed, 5);
      m_target = Matrix(m_v, m_d);
      for (Eigen::Index i = 0; i < m_target.size(); ++i) m_target.data()[i] = tRng.uniform(-0.05f, 0.05f);
    }
    // A fixed validation set drawn from its own stream, and the corpus frequencies from a pass
    // over as many samples as training will see in its first 200 steps.
    Rng valRng = Rng::stream(seed, 6);
    m_valIds.resize(256 * size_t(m_len));
    m_valY.resize(256);
    for (int i = 0; i < 256; ++i) sample(valRng, &m_valIds[size_t(i) * size_t(m_len)], m_valY[size_t(i)]);
    Rng freqRng = Rng::stream(seed, 2);
    std::vector<int> ids(static_cast<size_t>(m_len));
    int y = 0;
    for (int i = 0; i < 200 * m_batch; ++i) {
      sample(freqRng, ids.data(), y);
      for (int id : ids) info->frequency[size_t(id)]++;
    }
    m_corpus = info;
    m_touched.assign(size_t(m_v), 0);
    m_initial = makeSnapshot();
    return {};
  }

  SnapshotPtr makeSnapshot() {
    auto snap = std::make_shared<EmbeddingSnapshot>();
    snap->step = m_step;
    snap->loss = m_lastLoss;
    snap->table = m_e;
    snap->touched = m_touched;
    std::fill(m_touched.begin(), m_touched.end(), 0);
    return snap;
  }

  CorpusPtr corpus() const override { return m_corpus; }
  QString engineDescription() const override {
    QString d = QString("CPU (built-in Eigen trainer, %1)").arg(m_task.optimizer.lazy ? "lazy updates" : "dense updates");
    if (m_task.engine == "vulkan") d += "; the planted-clusters demo runs on the CPU only";
    return d;
  }
  SnapshotPtr initialSnapshot() const override { return m_initial; }

  void pause() override { m_paused.store(true); }
  void resume() override { m_paused.store(false); }
  void step() override { m_stepsAllowed.fetch_add(1); }

  QString fit(const ProgressFn& progress, const SnapshotFn& snapshot, const CancelToken& cancel) override {
    auto lastReport = Clock::now();
    auto started = lastReport;
    m_runStart = m_step;
    double lossSum = 0, metricSum = 0;
    int n = 0;
    bool told = false;
    while (m_task.maxSteps <= 0 || m_step < m_task.maxSteps) {
      if (cancel.isCancelled()) return {};
      if (m_paused.load()) {
        int allowed = m_stepsAllowed.load();
        if (!(allowed > 0 && m_stepsAllowed.compare_exchange_strong(allowed, allowed - 1))) {
          if (!told) {
            TrainingProgress p = report(n ? lossSum / n : m_lastLoss, n ? metricSum / n : m_lastMetric, started, false);
            p.paused = true;
            progress(p);
            snapshot(makeSnapshot());
            lossSum = metricSum = 0;
            n = 0;
            told = true;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          started = Clock::now();  // throughput counts running time only
          m_runStart = m_step;
          continue;
        }
      }
      told = false;
      double metric = 0;
      const double loss = trainStep(metric);
      if (!std::isfinite(loss)) return QString("NonFiniteLoss: the loss is %1 at step %2; lower the learning rate.").arg(loss).arg(m_step);
      lossSum += loss;
      metricSum += metric;
      ++n;
      m_lastLoss = loss;
      if (m_task.snapshotEvery > 0 && m_step % m_task.snapshotEvery == 0) snapshot(makeSnapshot());
      const auto now = Clock::now();
      if (now - lastReport >= std::chrono::milliseconds(50)) {
        progress(report(lossSum / n, metricSum / n, started, true));
        lossSum = metricSum = 0;
        n = 0;
        lastReport = now;
      }
    }
    TrainingProgress p = report(n ? lossSum / n : m_lastLoss, n ? metricSum / n : m_lastMetric, started, false);
    p.finished = true;
    progress(p);
    snapshot(makeSnapshot());
    return {};
  }

 private:
  void sample(Rng& rng, int* ids, int& y) const {
    if (!m_classify) {
      for (long long t = 0; t < m_len; ++t) ids[t] = int(rng.below(std::uint64_t(m_v)));
      y = 0;
      return;
    }
    y = int(rng.below(std::uint64_t(m_k)));
    const long long length = m_len / 2 + static_cast<long long>(rng.below(std::uint64_t(m_len - m_len / 2 + 1)));
    const long long perClass = (m_v - 2 - y + m_k - 1) / m_k;
    for (long long t = 0; t < m_len; ++t) {
      if (t >= length) {
        ids[t] = 0;
        continue;
      }
      if (rng.uniform01() < 0.8 && perClass > 0)
        ids[t] = int(2 + y + m_k * static_cast<long long>(rng.below(std::uint64_t(perClass))));
      else
        ids[t] = int(2 + rng.below(std::uint64_t(m_v - 2)));
    }
  }

  // Forward (and backward when `grads`) for a batch; returns the mean loss and the metric.
  double evaluate(const int* ids, const int* ys, int batch, double& metric, bool train) {
    const float inv = 1.0f / float(batch);
    double lossSum = 0, metricSum = 0;
    if (train) {
      m_gE.setZero(m_v, m_d);
      m_gW.setZero(m_d, m_k);
      m_gB.setZero(1, m_k);
      m_batchTouched.assign(size_t(m_v), 0);
    }
    Eigen::RowVectorXf pooled(m_d), logits(m_k), p(m_k);
    for (int b = 0; b < batch; ++b) {
      const int* row = ids + size_t(b) * size_t(m_len);
      if (!m_classify) {
        for (long long t = 0; t < m_len; ++t) {
          const int id = row[t];
          const Eigen::RowVectorXf diff = m_e.row(id) - m_target.row(id);
          lossSum += double(diff.squaredNorm()) / double(m_d) / double(m_len);
          metricSum += double(diff.cwiseAbs().sum()) / double(m_d) / double(m_len);
          if (train) {
            m_gE.row(id) += diff * (2.0f * inv / float(m_d * m_len));
            m_batchTouched[size_t(id)] = 1;
          }
        }
        continue;
      }
      pooled.setZero();
      int count = 0;
      for (long long t = 0; t < m_len; ++t) {
        if (m_layer.maskZero && row[t] == 0) continue;
        pooled += m_e.row(row[t]);
        ++count;
      }
      if (count > 0) pooled /= float(count);
      logits = pooled * m_w + m_b;
      // Manual max: GCC 12 warns falsely inside Eigen's AVX-512 maxCoeff under -Werror.
      float mx = logits(0);
      Eigen::Index arg = 0;
      for (Eigen::Index j = 1; j < m_k; ++j)
        if (logits(j) > mx) {
          mx = logits(j);
          arg = j;
        }
      p = (logits.array() - mx).exp();
      const float z = p.sum();
      p /= z;
      const int y = ys[b];
      lossSum += -std::log(std::max(1e-7f, p(y)));
      metricSum += arg == y ? 1.0 : 0.0;
      if (!train) continue;
      Eigen::RowVectorXf dlog = p;
      dlog(y) -= 1.0f;
      dlog *= inv;
      m_gW.noalias() += pooled.transpose() * dlog;
      m_gB += dlog;
      if (count == 0) continue;
      const Eigen::RowVectorXf dpool = (dlog * m_w.transpose()) / float(count);
      for (long long t = 0; t < m_len; ++t) {
        if (m_layer.maskZero && row[t] == 0) continue;
        m_gE.row(row[t]) += dpool;  // duplicates accumulate, as in Keras's scatter-add
        m_batchTouched[size_t(row[t])] = 1;
      }
    }
    metric = metricSum / batch;
    return lossSum / batch;
  }

  double trainStep(double& metric) {
    m_ids.resize(size_t(m_batch) * size_t(m_len));
    m_ys.resize(size_t(m_batch));
    for (int b = 0; b < m_batch; ++b) sample(m_rng, &m_ids[size_t(b) * size_t(m_len)], m_ys[size_t(b)]);
    const double loss = evaluate(m_ids.data(), m_ys.data(), m_batch, metric, true);
    ++m_step;
    const bool lazy = m_task.optimizer.lazy;
    if (m_layer.trainable) m_optE->apply(m_e, m_gE, m_step, &m_batchTouched, lazy);
    if (m_classify) {
      m_optW->apply(m_w, m_gW, m_step, nullptr, false);
      m_optB->apply(m_b, m_gB, m_step, nullptr, false);
    }
    applyConstraint();
    for (size_t i = 0; i < m_touched.size(); ++i) m_touched[i] |= m_batchTouched[i];
    m_lastMetric = metric;
    return loss;
  }

  void applyConstraint() {
    const QString c = m_layer.embeddingsConstraint;
    if (c == "None") return;
    if (c == "NonNeg") {
      m_e = m_e.cwiseMax(0.0f);
      return;
    }
    const float eps = 1e-7f;
    const bool perRow = m_layer.constraintAxis == 1;
    const Eigen::Index n = perRow ? m_e.rows() : m_e.cols();
    for (Eigen::Index i = 0; i < n; ++i) {
      const float norm = perRow ? m_e.row(i).norm() : m_e.col(i).norm();
      float desired = norm;
      if (c == "UnitNorm") desired = 1.0f;
      else if (c == "MaxNorm") desired = std::clamp(norm, 0.0f, float(m_layer.constraintMaxValue));
      else if (c == "MinMaxNorm")
        desired = float(m_layer.constraintRate) *
                      std::clamp(norm, float(m_layer.constraintMinValue), float(m_layer.constraintMaxValue)) +
                  (1.0f - float(m_layer.constraintRate)) * norm;
      const float f = desired / (eps + norm);
      if (perRow) m_e.row(i) *= f;
      else m_e.col(i) *= f;
    }
  }

  TrainingProgress report(double loss, double metric, Clock::time_point started, bool running) {
    TrainingProgress p;
    p.step = m_step;
    p.maxSteps = m_task.maxSteps;
    p.loss = loss;
    p.metric = metric;
    p.metricName = m_classify ? "accuracy" : "mae";
    double vm = 0;
    p.valLoss = evaluate(m_valIds.data(), m_valY.data(), 256, vm, false);
    p.valMetric = vm;
    p.hasValidation = true;
    const double secs = std::chrono::duration<double>(Clock::now() - started).count();
    const double done = double(m_step - m_runStart);
    if (secs > 0) {
      m_rate = m_rate <= 0 ? done / secs : 0.7 * m_rate + 0.3 * (done / secs);
    }
    p.stepsPerSecond = m_rate;
    p.samplesPerSecond = m_rate * m_batch;
    p.etaSeconds = (m_rate > 0 && m_task.maxSteps > 0) ? double(m_task.maxSteps - m_step) / m_rate : -1;
    p.running = running;
    return p;
  }

  LayerSettings m_layer;
  TaskSettings m_task;
  long long m_v = 0, m_d = 0, m_len = 0;
  int m_k = 2, m_batch = 32;
  bool m_classify = true;
  Matrix m_e, m_w, m_b, m_target, m_gE, m_gW, m_gB;
  std::unique_ptr<RowOptimizer> m_optE, m_optW, m_optB;
  Rng m_rng;
  std::vector<int> m_ids, m_ys, m_valIds, m_valY;
  std::vector<unsigned char> m_touched, m_batchTouched;
  long long m_step = 0, m_runStart = 0;
  double m_lastLoss = 0, m_lastMetric = 0, m_rate = 0;
  CorpusPtr m_corpus;
  SnapshotPtr m_initial;
  std::atomic<bool> m_paused{true};
  std::atomic<int> m_stepsAllowed{0};
};

}  // namespace

std::unique_ptr<TrainingJob> makeBuiltinTrainingJob(const LayerSettings& layer, const TaskSettings& task) {
  return std::make_unique<BuiltinTrainingJob>(layer, task);
}

}  // namespace embedscope::ui
