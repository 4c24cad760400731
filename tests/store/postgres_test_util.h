// Helpers for the store suites on PostgreSQL: the server under test, a fresh empty database per
// test, and raw libpq connections (as another tool, or another node, would use the database).
//
// The server comes from TESSERA_TEST_POSTGRES_DSN, the libpq connection string of a superuser
// on a throwaway server: scripts/test.sh starts one with scripts/local-services.sh and sets it.
// Without it the PostgreSQL tests FAIL (never skip): a suite that silently ran nothing would
// look like a suite that passed.
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <expected>
#include <memory>
#include <random>
#include <string>

namespace tessera::store::testing {

inline constexpr const char* kNoPostgres =
    "TESSERA_TEST_POSTGRES_DSN is not set. Run the PostgreSQL store tests through "
    "scripts/test.sh, or start a throwaway server with `scripts/local-services.sh start DIR "
    "--fast postgres`, export the TESSERA_TEST_POSTGRES_DSN=... line it prints, and stop it "
    "afterwards with `scripts/local-services.sh stop DIR`.";

// `dsn` (key=value or URI) with its database replaced by `dbname`, as key=value text.
inline std::string with_dbname(const std::string& dsn, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  PQfreemem(error);
  if (options == nullptr) return {};
  auto quoted = [](const std::string& v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "'";
  };
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string key = o->keyword;
    if (key == "dbname" || o->val == nullptr) continue;
    out += key + "=" + quoted(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quoted(dbname);
}

// A raw, blocking libpq connection.
class RawConnection {
 public:
  explicit RawConnection(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {}
  ~RawConnection() { PQfinish(conn_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // Runs `sql` (several statements allowed); false on an error (see error()).
  bool exec(const std::string& sql) {
    bool ok = PQsendQuery(conn_, sql.c_str()) == 1;
    while (PGresult* r = PQgetResult(conn_)) {
      const ExecStatusType s = PQresultStatus(r);
      if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) ok = false;
      PQclear(r);
    }
    return ok;
  }

  // The first column of the first row of `sql`, as text ("<error>" on an error, "<none>"
  // without a row).
  std::string scalar(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string out = "<error>";
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "<none>";
    }
    PQclear(r);
    return out;
  }

  PGconn* get() const { return conn_; }

 private:
  PGconn* conn_;
};

// The server's connection string, or an error saying how to provide it.
inline std::expected<std::string, std::string> postgres_dsn() {
  const char* dsn = std::getenv("TESSERA_TEST_POSTGRES_DSN");
  if (dsn == nullptr || *dsn == '\0') return std::unexpected(kNoPostgres);
  return std::string(dsn);
}

// A new, empty database on the test server (named uniquely: tests run in parallel processes),
// dropped, with whatever connections are still on it, on destruction.
class ScratchDatabase {
 public:
  static std::expected<std::unique_ptr<ScratchDatabase>, std::string> create() {
    auto server = postgres_dsn();
    if (!server) return std::unexpected(server.error());
    return create(*server);
  }
  // The same on the server of `server` (a superuser's connection string): a test's own.
  static std::expected<std::unique_ptr<ScratchDatabase>, std::string> create(
      const std::string& server) {
    static std::atomic<int> counter{0};
    std::random_device random;
    const std::string name = "tessera_test_" + std::to_string(::getpid()) + "_" +
                             std::to_string(counter++) + "_" + std::to_string(random() % 1000000);
    RawConnection admin(server);
    if (!admin.ok()) return std::unexpected("cannot connect to the test server: " + admin.error());
    if (!admin.exec("CREATE DATABASE " + name)) {
      return std::unexpected("CREATE DATABASE failed: " + admin.error());
    }
    return std::unique_ptr<ScratchDatabase>(new ScratchDatabase(server, name));
  }
  ~ScratchDatabase() {
    RawConnection admin(server_);
    admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  ScratchDatabase(std::string server, std::string name)
      : server_(std::move(server)), name_(std::move(name)), dsn_(with_dbname(server_, name_)) {}
  std::string server_;
  std::string name_;
  std::string dsn_;
};

}  // namespace tessera::store::testing
