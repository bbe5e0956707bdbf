#pragma once
// Pause, resume and single-step for a running SkipGramTrainer, from any thread. The trainer
// honours them at chunk boundaries: a pause request makes every worker stop before it takes its
// next chunk, the workers are joined (the same barrier checkpoints use, so no update is in flight)
// and the run holds there until resumed, stepped or cancelled. A step trains exactly one more chunk
// and holds again. Holding changes nothing about the result: on one thread a paused, stepped and
// resumed run is bit-identical to an uninterrupted one (the workers re-enter with the same RNGs,
// cursor and learning-rate position).
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "engine/core/cancel_token.h"

namespace embedscope {

struct SkipGramHold {
  bool held = false;               // the trainer is waiting at a barrier now
  std::uint64_t holds = 0;         // barriers held so far (a step that ends holds again: +1)
  std::int64_t chunksDone = 0;     // at the latest hold
  std::int64_t wordsProcessed = 0;
};

class SkipGramControl {
 public:
  // Caller side (any thread).
  void pause();
  void resume();       // also drops pending steps
  void step();         // pauses if running, then trains one chunk and holds again
  bool isPaused() const;
  SkipGramHold hold() const;
  // Waits until the trainer holds with hold().holds > afterHolds; false on timeout.
  bool waitForHold(std::uint64_t afterHolds, int timeoutMs) const;

  // Trainer side.
  bool pauseRequested() const;
  // At a barrier while paused: blocks until resumed (returns 0), a step is granted (returns 1: run
  // one chunk) or the token is cancelled (returns 0; the caller sees the cancel).
  int holdAt(std::int64_t chunksDone, std::int64_t wordsProcessed, const CancelToken& cancel);
  void finished();  // the run ended: nothing holds any more

 private:
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  bool m_paused = false;
  int m_steps = 0;
  SkipGramHold m_hold;
};

}  // namespace embedscope
