// Test-only: a real SMTP server (tests/mail/smtp_sink.py on aiosmtpd) as a child process, for
// any test that sends mail: the mail module's own tests and the HTTP end-to-end tests of flows
// that email a link (signup, reset). The sink listens on 127.0.0.1 on an ephemeral port, stores
// every message it accepts in a private temporary directory before it answers 250, and
// summarises each one as Python's `email` package parses it (see smtp_sink.py for the fields).
// The destructor stops the child by its PID (SIGTERM, then SIGKILL after a grace period) and
// removes the directory: no test leaves a server behind, even when an ASSERT returns early.
// The child also gets SIGKILL if the thread that started it dies first (PR_SET_PDEATHSIG), so
// start it from the test's main thread.
//
// REQUIRES: TESSERA_SMTP_SINK (the script's path) and TESSERA_PYTHON (the interpreter, Debian's
// /usr/bin/python3 with python3-aiosmtpd) defined by the test target; linking the CMake target
// tessera_smtp_sink (tests/mail/CMakeLists.txt) does both.
//
// Usage:
//   tessera::mail::testing::SmtpSink sink;             // plain SMTP, anything accepted
//   ASSERT_TRUE(sink.ok());
//   ... configure the server with email.smtp_url = sink.url(), trigger a flow ...
//   ASSERT_TRUE(sink.wait_for(1));                     // deadline only against a hang
//   nlohmann::json m = sink.messages().at(0);
//   EXPECT_EQ(m["headers"]["Subject"], "Confirm your email");
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#if !defined(TESSERA_SMTP_SINK) || !defined(TESSERA_PYTHON)
#error "link the tessera_smtp_sink CMake target (it defines TESSERA_SMTP_SINK, TESSERA_PYTHON)"
#endif

namespace tessera::mail::testing {

struct SmtpSinkOptions {
  enum class Tls { kNone, kStartTls, kImplicit };
  Tls tls = Tls::kNone;  // kStartTls: offer STARTTLS; kImplicit: TLS from the first byte
                         // (smtps://); both with cert and key
  std::string cert;      // PEM certificate and key of the sink's TLS
  std::string key;
  bool require_starttls = false;  // nothing but EHLO/STARTTLS/QUIT before TLS
  std::string auth;               // "user:password": AUTH required, offered under TLS only...
  bool auth_plaintext = false;    // ...unless this is set
  int reject_rcpt = 0;            // answer every RCPT TO with this code (550, 451, ...)
  int port = 0;                   // listen here (a server restarted where clients expect it);
                                  // 0: an ephemeral port
};

class SmtpSink {
 public:
  // Starts the sink and waits (at most `startup`, only against a hang) for its port. ok() says
  // whether it runs.
  explicit SmtpSink(const SmtpSinkOptions& options = {},
                    std::chrono::milliseconds startup = std::chrono::seconds(30)) {
    if (!make_spool()) return;
    std::vector<std::string> args = {TESSERA_PYTHON, TESSERA_SMTP_SINK, spool_.string()};
    if (options.tls != SmtpSinkOptions::Tls::kNone) {
      const bool starttls = options.tls == SmtpSinkOptions::Tls::kStartTls;
      args.insert(args.end(), {starttls ? "--starttls" : "--tls", options.cert, options.key});
    }
    implicit_tls_ = options.tls == SmtpSinkOptions::Tls::kImplicit;
    if (options.require_starttls) args.emplace_back("--require-starttls");
    if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
    if (options.auth_plaintext) args.emplace_back("--auth-plaintext");
    if (options.port != 0) args.insert(args.end(), {"--port", std::to_string(options.port)});
    if (options.reject_rcpt != 0) {
      args.insert(args.end(), {"--reject-rcpt", std::to_string(options.reject_rcpt)});
    }
    start(args);
    std::string line;
    if (out_ >= 0 && read_line(out_, line, startup)) port_ = parse_port(line);
    if (port_ == 0) stop();
  }
  ~SmtpSink() {
    stop();
    if (out_ >= 0) ::close(out_);
    std::error_code ignored;
    if (!spool_.empty()) std::filesystem::remove_all(spool_, ignored);
  }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  bool ok() const { return port_ != 0 && pid_ > 0; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // "smtp://127.0.0.1:PORT" ("smtps://..." with implicit TLS): what email.smtp_url names.
  std::string url() const {
    return (implicit_tls_ ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") + std::to_string(port_);
  }
  // Where the sink stores NNNN.eml, NNNN.json and auth.jsonl.
  const std::filesystem::path& spool() const { return spool_; }

  // How many messages the sink has accepted so far.
  std::size_t count() const { return numbered(".json").size(); }

  // The summaries (NNNN.json) of every accepted message, in arrival order.
  std::vector<nlohmann::json> messages() const {
    std::vector<nlohmann::json> out;
    for (const std::filesystem::path& p : numbered(".json")) {
      out.push_back(nlohmann::json::parse(read_file(p), nullptr, /*allow_exceptions=*/false));
    }
    return out;
  }

  // The summaries of the messages whose envelope recipients include `recipient`.
  std::vector<nlohmann::json> messages_to(std::string_view recipient) const {
    std::vector<nlohmann::json> out;
    for (nlohmann::json& m : messages()) {
      const nlohmann::json& rcpts = m["rcpt_tos"];
      if (rcpts.is_array() && std::find(rcpts.begin(), rcpts.end(), recipient) != rcpts.end()) {
        out.push_back(std::move(m));
      }
    }
    return out;
  }

  // The raw bytes of message `index` (0-based, arrival order) as received.
  std::string raw(std::size_t index) const {
    const std::vector<std::filesystem::path> eml = numbered(".eml");
    return index < eml.size() ? read_file(eml[index]) : std::string();
  }

  // One object per AUTH attempt the sink saw: mechanism, login, success, tls.
  std::vector<nlohmann::json> auth_attempts() const {
    std::vector<nlohmann::json> out;
    std::istringstream lines(read_file(spool_ / "auth.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line, nullptr, false));
    }
    return out;
  }

  // Waits until at least `n` messages are stored, polling the directory. `deadline` only keeps
  // a broken test from hanging: never use it as a timing assertion. True if they arrived.
  bool wait_for(std::size_t n,
                std::chrono::milliseconds deadline = std::chrono::seconds(30)) const {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      if (count() >= n) return true;
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Stops the sink now: SIGTERM, then SIGKILL if it has not exited within `grace`. Returns its
  // exit status (0: a clean shutdown), -1 if it died of a signal or was not running.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto end = std::chrono::steady_clock::now() + grace;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done != pid_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return -1;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  bool make_spool() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tessera-smtp-sink-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return false;
    spool_ = pattern;
    return true;
  }

  void start(std::vector<std::string>& args) {
    int out[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
      ::dup2(out[1], 1);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    if (pid_ < 0) {
      ::close(out[0]);
      return;
    }
    out_ = out[0];
  }

  // Reads from `fd` until a '\n' or the deadline; false on EOF or timeout.
  static bool read_line(int fd, std::string& line, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    line.clear();
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char c;
      const ssize_t n = ::read(fd, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      if (c == '\n') return true;
      line.push_back(c);
    }
  }

  static std::uint16_t parse_port(std::string_view line) {
    unsigned port = 0;
    if (line.empty() || line.size() > 5) return 0;
    for (const char c : line) {
      if (c < '0' || c > '9') return 0;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    return port <= 65535 ? static_cast<std::uint16_t>(port) : 0;
  }

  // The spool's NNNN<ext> files in name (= arrival) order; temporaries (".tmp") excluded.
  std::vector<std::filesystem::path> numbered(std::string_view ext) const {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(spool_, ec)) {
      const std::filesystem::path& p = entry.path();
      const std::string stem = p.stem().string();
      if (p.extension() == ext && !stem.empty() &&
          std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        out.push_back(p);
      }
    }
    // By number: "10000" comes after "9999".
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      const std::string x = a.stem().string(), y = b.stem().string();
      return x.size() != y.size() ? x.size() < y.size() : x < y;
    });
    return out;
  }

  static std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::filesystem::path spool_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
  bool implicit_tls_ = false;
};

}  // namespace tessera::mail::testing
