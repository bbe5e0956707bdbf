#include "engine/tasks/skipgram_control.h"

#include <chrono>

namespace embedscope {

void SkipGramControl::pause() {
  std::lock_guard lock(m_mutex);
  m_paused = true;
  m_changed.notify_all();
}

void SkipGramControl::resume() {
  std::lock_guard lock(m_mutex);
  m_paused = false;
  m_steps = 0;
  m_changed.notify_all();
}

void SkipGramControl::step() {
  std::lock_guard lock(m_mutex);
  m_paused = true;
  ++m_steps;
  m_changed.notify_all();
}

bool SkipGramControl::isPaused() const {
  std::lock_guard lock(m_mutex);
  return m_paused;
}

bool SkipGramControl::pauseRequested() const { return isPaused(); }

SkipGramHold SkipGramControl::hold() const {
  std::lock_guard lock(m_mutex);
  return m_hold;
}

bool SkipGramControl::waitForHold(std::uint64_t afterHolds, int timeoutMs) const {
  std::unique_lock lock(m_mutex);
  return m_changed.wait_for(lock, std::chrono::milliseconds(timeoutMs),
                            [&] { return m_hold.held && m_hold.holds > afterHolds; });
}

int SkipGramControl::holdAt(std::int64_t chunksDone, std::int64_t wordsProcessed, const CancelToken& cancel) {
  std::unique_lock lock(m_mutex);
  m_hold.held = true;
  ++m_hold.holds;
  m_hold.chunksDone = chunksDone;
  m_hold.wordsProcessed = wordsProcessed;
  m_changed.notify_all();
  // The cancel token is a bare atomic (no notification), so the wait polls it.
  while (m_paused && m_steps == 0 && !cancel.isCancelled())
    m_changed.wait_for(lock, std::chrono::milliseconds(20));
  m_hold.held = false;
  if (cancel.isCancelled() || !m_paused) return 0;
  --m_steps;
  return 1;
}

void SkipGramControl::finished() {
  std::lock_guard lock(m_mutex);
  m_hold.held = false;
  m_changed.notify_all();
}

}  // namespace embedscope
