// A scale-out deployment under test, for tests/cluster: `tessera serve` nodes - separate
// processes on loopback, no proxy in front, each with a data dir of its own - on ONE PostgreSQL
// database and ONE Redis key prefix, the CLI on the same stores, and the client calls the
// suites make.
//
// The stores come from http::testing::BackendEnv on the servers the suite names (the shared
// test servers, or a test's own from LocalServices): a scratch database, a fresh Redis prefix
// and one keys.encryption_key, as TESSERA_* variables of this process that every node and CLI
// run inherits. Every node and CLI run also reads one config file: 127.0.0.1 is a trusted proxy
// (each request picks its client IP with X-Forwarded-For), kOrigin is the CSRF origin, kIssuer
// the tokens' issuer, plus what the suite adds.
//
// Processes are stopped by PID (TesseraProcess: SIGKILL) when their Node goes, and the nodes go
// before the scratch database and the prefix. A node's log (stderr) is kept in its directory;
// log_tail() shows the end of it in a failure message, and a sanitizer report in it fails the
// test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api_client.h"
#include "backend_env.h"
#include "base/base64url.h"
#include "postgres_test_util.h"
#include "store_test_util.h"
#include "tessera_process.h"

namespace tessera::cluster::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using http::testing::Fields;
using http::testing::Response;
using http::testing::SessionBrowser;
using std::chrono::milliseconds;

inline constexpr char kOrigin[] = "https://app.example.com";  // SessionBrowser's default
inline constexpr char kPassword[] = "correct horse battery staple";
inline constexpr char kIssuer[] = "https://auth.example.com";

// One `tessera serve --listen 127.0.0.1:0 --data-dir DIR --config FILE --threads 2`.
class Node {
 public:
  // Starts it; port() is 0 if it did not announce itself within 30 s.
  Node(std::string name, const fs::path& dir, const fs::path& config)
      : name_(std::move(name)), log_(dir / "server.log") {
    fs::create_directories(dir);
    process_ = std::make_unique<http::testing::TesseraProcess>(
        std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                                 (dir / "data").string(), "--config", config.string(), "--threads",
                                 "2"},
        http::testing::TesseraProcess::Stderr::kFile, log_.string());
    port_ = http::testing::announced_port(process_->first_line().value_or(""));
  }

  // A sanitizer's report in the node's log (the ASan build) fails the test: a node that hit
  // one may well have answered every request right.
  ~Node() {
    process_.reset();
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) {
      if (line.find("runtime error:") != std::string::npos ||
          line.find("Sanitizer") != std::string::npos) {
        ADD_FAILURE() << "node " << name_ << ": " << line << log_tail(40);
        break;
      }
    }
  }
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& name() const { return name_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  bool alive() { return process_->alive(); }
  // kill -9, and reaped.
  void kill() { process_.reset(); }

  // One request (http::testing::request); nullopt when no response came within `timeout`.
  std::optional<Response> try_send(const std::string& method, const std::string& path,
                                   const Fields& headers = {}, const std::string& body = {},
                                   std::chrono::seconds timeout = std::chrono::seconds(30),
                                   const std::string& ip = "10.0.0.1") {
    return http::testing::request(port_, method, path, headers, body, ip, timeout);
  }
  // The same; no response fails the test (and gives status 0).
  Response send(const std::string& method, const std::string& path, const Fields& headers = {},
                const std::string& body = {}) {
    auto r = try_send(method, path, headers, body);
    EXPECT_TRUE(r.has_value()) << "node " << name_ << ": no answer to " << method << " " << path
                               << log_tail();
    return r.value_or(Response{});
  }

  // The last lines of the node's log, for failure messages.
  std::string log_tail(std::size_t lines = 15) const {
    std::ifstream in(log_);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(std::move(line));
    std::string out = "\n--- node " + name_ + " log (last lines) ---\n";
    for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
      out += all[i] + "\n";
    }
    return out;
  }

 private:
  std::string name_;
  fs::path log_;
  std::unique_ptr<http::testing::TesseraProcess> process_;
  std::uint16_t port_ = 0;
};

class Cluster {
 public:
  // Stores on `servers`; `extra_toml` is appended to the config file every process reads.
  explicit Cluster(const http::testing::ScaleOutServers& servers,
                   const std::string& extra_toml = "")
      : env_(servers), config_(root_.path() / "tessera.toml") {
    // tokens.issuer: one for the deployment. Left empty, each node would issue (and accept
    // only) tokens naming its own URL, and no node would accept another's.
    std::ofstream(config_) << "[server]\n"
                              "trusted_proxies = [\"127.0.0.1\"]\n"
                              "[web]\n"
                              "allowed_origins = [\""
                           << kOrigin << "\"]\n"
                           << "[tokens]\n"
                              "issuer = \""
                           << kIssuer << "\"\n"
                           << extra_toml;
  }
  ~Cluster() { nodes_.clear(); }  // the nodes stop before env_ drops their stores
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Non-empty when the stores could not be set up: the test must fail with it.
  const std::string& error() const { return env_.error(); }

  // Starts one more node, named `name` (its directory is named after it too: a node started
  // again under an old name keeps that node's data dir). Check port() != 0.
  Node& start_node(const std::string& name) {
    nodes_.push_back(std::make_unique<Node>(name, root_.path() / name, config_));
    return *nodes_.back();
  }

  // `tessera user add` on the cluster's stores; returns the user id.
  std::string add_user(const std::string& email, const std::vector<std::string>& roles = {}) {
    return http::testing::add_user_cli(
        email, roles, kPassword,
        {"--data-dir", (root_.path() / "cli").string(), "--config", config_.string()});
  }

  // The scratch database (for looking inside).
  std::string postgres_dsn() const { return env_.postgres_dsn(); }

 private:
  store::testing::TempDir root_;
  http::testing::BackendEnv env_;
  fs::path config_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

// ---- client calls ---------------------------------------------------------------------------

inline std::string credentials(const std::string& email) {
  return json({{"email", email}, {"password", kPassword}}).dump();
}
inline Fields bearer(const std::string& access_token) {
  return {{"Authorization", "Bearer " + access_token}};
}
inline Fields bearer(const json& pair) { return bearer(pair.value("access_token", "")); }
inline const Fields kJson = {{"Content-Type", "application/json"}};

// POST /auth/login on `node`: a browser with the session and CSRF cookies (empty on failure,
// which fails the test).
inline SessionBrowser login(Node& node, const std::string& email) {
  SessionBrowser b;
  Response r =
      node.send("POST", "/auth/login", {{"Content-Type", "application/json"}, {"Origin", b.origin}},
                credentials(email));
  EXPECT_EQ(r.status, 200) << "node " << node.name() << ": " << r.body;
  b.take_cookies(r);
  return b;
}

// POST /auth/token on `node`: {access_token, refresh_token, ...} (failure fails the test).
inline json token_pair(Node& node, const std::string& email) {
  Response r = node.send("POST", "/auth/token", kJson, credentials(email));
  EXPECT_EQ(r.status, 200) << "node " << node.name() << ": " << r.body;
  return r.body_json();
}

inline std::string refresh_body(const std::string& refresh_token) {
  return json({{"refresh_token", refresh_token}}).dump();
}

// GET /auth/verify's status (0: no answer).
inline int verify(Node& node, const Fields& credentials) {
  auto r = node.try_send("GET", "/auth/verify", credentials);
  return r ? r->status : 0;
}

// The "kid" of a compact JWS's protected header ("" if unreadable).
inline std::string kid_of(const std::string& jws) {
  auto header = base::base64url_decode(jws.substr(0, jws.find('.')));
  if (!header) return {};
  json h = json::parse(*header, nullptr, false);
  return h.is_object() ? h.value("kid", "") : "";
}

// The kids GET /.well-known/jwks.json publishes on `node`.
inline std::vector<std::string> jwks_kids(Node& node) {
  std::vector<std::string> kids;
  auto r = node.try_send("GET", "/.well-known/jwks.json");
  if (!r || r->status != 200) return kids;
  json body = r->body_json();
  if (!body.is_object() || !body["keys"].is_array()) return kids;
  for (const json& k : body["keys"]) kids.push_back(k.value("kid", ""));
  return kids;
}

// ---- propagation ----------------------------------------------------------------------------

// How long after `since` `probe` first held, trying at once and then every `every` until
// `limit` after `since`; nullopt if it never did.
inline std::optional<milliseconds> time_until(Clock::time_point since, milliseconds limit,
                                              const std::function<bool()>& probe,
                                              milliseconds every = milliseconds(3)) {
  for (;;) {
    if (probe()) return std::chrono::duration_cast<milliseconds>(Clock::now() - since);
    if (Clock::now() - since > limit) return std::nullopt;
    std::this_thread::sleep_for(every);
  }
}

// Records a measured propagation delay: a test property "<what>_ms" (in the gtest XML) and a
// line "propagation <what>: N ms" on stdout (what the run's summary is collected from).
inline void record_delay(const std::string& what, milliseconds delay) {
  ::testing::Test::RecordProperty(what + "_ms", std::to_string(delay.count()));
  std::cout << "propagation " << what << ": " << delay.count() << " ms" << std::endl;
}

// ---- inside PostgreSQL ----------------------------------------------------------------------

// Refresh-token families as the database holds them (refresh_families: one row per family with
// its current generation), looked up by raw tokens, which name their family and generation
// openly (PostgreSQL decodes them). Ids come back as hex. A query that fails gives "<error>"
// (RawConnection).
class RefreshTables {
 public:
  explicit RefreshTables(const std::string& dsn) : db_(dsn) {}
  bool ok() const { return db_.ok(); }

  // The family a raw refresh token names, if the database has it (hex); "" otherwise. A token
  // is base64url of family id (16 bytes) || generation (8) || tag (docs/refresh-tokens.md).
  std::string family_of(const std::string& raw) {
    return value("SELECT encode(id, 'hex') FROM refresh_families WHERE id = substring(" +
                 decoded(raw) + " from 1 for 16)");
  }
  // The generation a raw refresh token names ("" if it is not one).
  std::string generation_of(const std::string& raw) {
    return value("SELECT ('x' || encode(substring(" + decoded(raw) +
                 " from 17 for 8), 'hex'))::bit(64)::bigint");
  }
  // The family's current generation: the one token of it that works. "" if there is no such
  // family.
  std::string generation(const std::string& family) {
    return value("SELECT generation FROM refresh_families WHERE id = " + bytes(family));
  }
  // The family's revoked_at: "0" while it lives, "" if there is no such family.
  std::string revoked_at(const std::string& family) {
    return value("SELECT revoked_at FROM refresh_families WHERE id = " + bytes(family));
  }
  // The families of a user (its UUID text).
  std::vector<std::string> families_of_user(std::string user_uuid) {
    std::erase(user_uuid, '-');
    return column("SELECT encode(id, 'hex') FROM refresh_families WHERE user_id = " +
                  bytes(user_uuid));
  }

 private:
  // SQL for a raw token's bytes. Only base64url text goes into the SQL: anything else becomes
  // '', which names no family.
  static std::string decoded(const std::string& raw) {
    const bool b64 = std::all_of(raw.begin(), raw.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    std::string padded = b64 ? raw : std::string();
    while (padded.size() % 4 != 0) padded += '=';
    return "decode(translate('" + padded + "', '-_', '+/'), 'base64')";
  }
  // SQL for hex text as bytes (non-hex text becomes '').
  static std::string bytes(const std::string& hex) {
    const bool ok = std::all_of(hex.begin(), hex.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c));
    });
    return "decode('" + (ok ? hex : std::string()) + "', 'hex')";
  }
  std::string value(const std::string& sql) {
    std::string v = db_.scalar(sql);
    return v == "<none>" ? std::string() : v;
  }
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    PGresult* r = PQexec(db_.get(), sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    } else {
      out.emplace_back("<error>");
    }
    PQclear(r);
    return out;
  }

  store::testing::RawConnection db_;
};

}  // namespace tessera::cluster::testing
