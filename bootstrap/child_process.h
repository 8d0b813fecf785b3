// Between fork and exec in a multi-threaded process only async-signal-safe calls are
// allowed; what every child floe starts needs before exec lives here, once.
#pragma once

#include <signal.h>

namespace floe::bootstrap {

// The signal mask survives exec: a parent that blocks SIGTERM in its threads (to
// sigwait for it, as floe-agent does) would otherwise start a child that cannot be
// stopped. Async-signal-safe.
inline void unblockAllSignals() {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace floe::bootstrap
