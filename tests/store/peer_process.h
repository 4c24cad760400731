// Another process on the same store while this one works on it (the CLI beside a server, or
// another node): runs tests/store/store_peer.cc, whose path the build passes as
// TESSERA_STORE_PEER.
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
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

// A race between processes: `peers` peers run `db command <peer> <rounds> <start ms>`, all
// starting together at <start ms> (Unix time), and each exits with how many of the rounds it
// won (store_peer.cc: 100 if a call failed). Expects every peer to exit so; returns the wins
// summed over the peers.
inline int wins_between_processes(const std::string& db, const std::string& command, int peers,
                                  int rounds) {
  const auto start = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()) +
                     std::chrono::milliseconds(750);
  std::vector<pid_t> pids;
  for (int peer = 0; peer < peers; ++peer) {
    pids.push_back(spawn_peer({db, command, std::to_string(peer), std::to_string(rounds),
                               std::to_string(start.count())}));
  }
  int wins = 0;
  for (pid_t pid : pids) {
    const int status = wait_peer(pid);
    EXPECT_GE(status, 0);
    EXPECT_LE(status, rounds) << "a peer failed (100) or crashed";
    if (status >= 0 && status <= rounds) wins += status;
  }
  return wins;
}

}  // namespace tessera::store::testing
