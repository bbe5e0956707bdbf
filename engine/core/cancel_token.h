#pragma once
// A cancel flag shared between whoever runs a long job and whoever may stop it. Cancelling is a
// direct store to an atomic, never a queued message: the worker is busy inside the job and would
// not see a message until it finished (ARCHITECTURE.md, Threads).
#include <atomic>
#include <memory>

namespace embedscope {

class CancelToken {
 public:
  void cancel() { m_flag->store(true, std::memory_order_relaxed); }
  bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }
  void reset() { m_flag->store(false, std::memory_order_relaxed); }

 private:
  std::shared_ptr<std::atomic<bool>> m_flag = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace embedscope
