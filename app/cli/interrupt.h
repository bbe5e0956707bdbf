#pragma once
// Ctrl-C during a command: the first SIGINT cancels the command's token (it saves what it has and
// exits 130); a second one ends the process at once.
#include "engine/core/cancel_token.h"

namespace embedscope::cli {

// The token SIGINT cancels. Commands pass it to long-running engine calls.
CancelToken& interruptToken();

class InterruptGuard {
 public:
  InterruptGuard();   // installs the SIGINT handler
  ~InterruptGuard();  // restores the previous one
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

}  // namespace embedscope::cli
