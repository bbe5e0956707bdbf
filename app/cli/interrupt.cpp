#include "app/cli/interrupt.h"

#include <csignal>
#include <unistd.h>

namespace embedscope::cli {

namespace {
CancelToken* g_token = nullptr;
volatile std::sig_atomic_t g_count = 0;
void (*g_previous)(int) = SIG_DFL;

extern "C" void onSigint(int) {
  g_count = g_count + 1;
  if (g_count > 1) _exit(130);
  if (g_token) g_token->cancel();  // a relaxed atomic store: async-signal-safe
}
}  // namespace

CancelToken& interruptToken() {
  static CancelToken token;
  return token;
}

InterruptGuard::InterruptGuard() {
  g_token = &interruptToken();
  g_count = 0;
  g_previous = std::signal(SIGINT, onSigint);
}

InterruptGuard::~InterruptGuard() { std::signal(SIGINT, g_previous); }

}  // namespace embedscope::cli
