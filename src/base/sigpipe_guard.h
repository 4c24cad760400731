// Blocks SIGPIPE in the calling thread while it lives, and consumes one raised meanwhile: a
// write to a connection the peer reset raises SIGPIPE (hiredis writes with write(); libcurl
// avoids it but documents corner cases, and with CURLOPT_NOSIGNAL no longer ignores it itself),
// and the default action kills the process. A library must not change the process's signal
// dispositions, so this is libpq's technique (pq_block_sigpipe) rather than SIG_IGN. Used by
// store/redis/connection.cc and mail/smtp_client.cc.
#pragma once

#include <pthread.h>

#include <csignal>
#include <ctime>

namespace tessera::base {

class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

}  // namespace tessera::base
