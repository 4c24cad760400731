// Another process on the same store while this one works on it (the CLI beside a server, or
// another node): runs tests/store/store_peer.cc, whose path the build passes as
// TESSERA_STORE_PEER.
#pragma once

#include <spawn.h>
#include <sys/wait.h>

#include <string>
#include <vector>

extern char** environ;

namespace tessera::store::testing {

// Starts the peer with `args`; returns its pid, or -1.
inline pid_t spawn_peer(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string exe = TESSERA_STORE_PEER;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// Waits for a spawned peer; returns its exit status (128 + signal if killed), or -1.
inline int wait_peer(pid_t pid) {
  int status = 0;
  if (pid <= 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

inline int run_peer(const std::vector<std::string>& args) { return wait_peer(spawn_peer(args)); }

}  // namespace tessera::store::testing
