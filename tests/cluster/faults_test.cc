// The scale-out deployment losing what it stands on (the fault tests; SPEC.md
// "Running": "Losing Redis or PostgreSQL makes requests that need them fail closed (503, never
// "allow"), and service resumes by itself when they return"):
//   - Redis, then PostgreSQL, stopped under load and started again: every answer is 200, 401,
//     429 or a 503 problem+json, within a bound (never a hang, never another 5xx); nothing
//     revoked is ever let through; requests that need the stopped server are never answered
//     200; /readyz says 503 within seconds, and 200 again within seconds of the server's
//     return, from the same node process;
//   - a Redis that comes back EMPTY lets no revoked access token through again;
//   - a Redis that hangs holds no I/O thread of the node;
//   - kill -9 of a node during a refresh storm: no family lost, none forked.
// Each test runs its own PostgreSQL and Redis (local_services.h), since it stops them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster.h"
#include "local_services.h"
#include "resp_client.h"

namespace tessera::cluster::testing {
namespace {

using namespace std::chrono_literals;
using store::testing::LocalServices;
using Service = LocalServices::Service;

// store.network_timeout of the nodes here: the bound on every store round trip.
constexpr char kNodeConfig[] = "[store]\nnetwork_timeout = \"1s\"\n";
// How long one request may take, outage or not: the network timeout plus generous slack for a
// loaded 2-core machine (and ASan). Not a speed target: a bound that tells "failed closed"
// from "waited for the server's return", so it stays below the shortest outage here (6 s).
// The client gives up at kNoAnswer and records "no answer".
constexpr milliseconds kRequestBound = 5000ms;
constexpr std::chrono::seconds kNoAnswer(10);
// /readyz must follow the stores within this (the maintenance thread asks every 250 ms; below
// the outage, which it is part of), and service must be back within kRecovery of a server's
// return.
constexpr milliseconds kReadyBound = 5000ms;
constexpr milliseconds kRecovery = 10000ms;

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(services_.error(), "");
    cluster_ = std::make_unique<Cluster>(
        http::testing::ScaleOutServers{services_.postgres_dsn(), services_.redis_url()},
        kNodeConfig);
    ASSERT_EQ(cluster_->error(), "");
  }
  void TearDown() override { cluster_.reset(); }  // the nodes, before the servers stop

  Node& start_node(const std::string& name) {
    Node& n = cluster_->start_node(name);
    EXPECT_NE(n.port(), 0) << "node " << name << " did not start" << n.log_tail();
    return n;
  }

  // GET /readyz's status (0: no answer).
  static int readyz(Node& n) {
    auto r = n.try_send("GET", "/readyz", {}, {}, kNoAnswer);
    return r ? r->status : 0;
  }
  // How long after `since` /readyz answered `status`, recorded as `what`; a failure if it did
  // not within kRecovery.
  static std::optional<milliseconds> readyz_becomes(Node& n, int status, Clock::time_point since,
                                                    const std::string& what) {
    auto delay = time_until(since, kRecovery, [&] { return readyz(n) == status; });
    if (delay) {
      record_delay(what, *delay);
    } else {
      ADD_FAILURE() << what << ": /readyz not " << status << " after " << kRecovery.count() << " ms"
                    << n.log_tail();
    }
    return delay;
  }

  LocalServices services_{Service::kPostgres, Service::kRedis};
  std::unique_ptr<Cluster> cluster_;
};

// ---- the load ------------------------------------------------------------------------------

enum class Kind {
  kSession,  // GET /auth/verify, a valid session cookie that is never in the node's cache
  kBearer,   // GET /auth/verify, a valid access token (checked in process)
  kLogin,    // POST /auth/token (password check, rate-limit counters, a new family)
  kRefresh,  // POST /auth/refresh along one chain
  kRevoked,  // GET /auth/verify and POST /auth/refresh with revoked credentials
};
const char* name(Kind k) {
  switch (k) {
    case Kind::kSession:
      return "session verify";
    case Kind::kBearer:
      return "bearer verify";
    case Kind::kLogin:
      return "login";
    case Kind::kRefresh:
      return "refresh";
    case Kind::kRevoked:
      return "revoked credential";
  }
  return "?";
}

struct Sample {
  Kind kind;
  Clock::time_point sent;
  milliseconds took;
  int status = 0;  // 0: no answer within kNoAnswer (a hang) or no connection
  bool problem_json = false;
};

// Credentials the load presents, made before it starts.
struct Credentials {
  std::vector<SessionBrowser> sessions;  // valid; more than one per second is never presented
  json bearer;                           // a valid pair
  std::string login_email;
  std::string refresh;  // the head of a valid chain
  // Revoked before the load starts: a logged-out session, a logged-out token (its jti and its
  // family), a token of a user who then logged out everywhere (her not-before).
  SessionBrowser revoked_session;
  json revoked_token;
  json revoked_by_not_before;
};

// Client threads looping requests on one node until destroyed; every answer is recorded.
class Load {
 public:
  Load(Node& node, Credentials c) : node_(node), c_(std::move(c)) {
    threads_.emplace_back([this] { sessions(); });
    threads_.emplace_back([this] { bearer(); });
    threads_.emplace_back([this] { logins(); });
    threads_.emplace_back([this] { refreshes(); });
    threads_.emplace_back([this] { revoked(); });
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  std::vector<Sample> samples() const {
    std::lock_guard lock(mu_);
    return samples_;
  }

 private:
  std::optional<Response> call(Kind kind, const std::string& method, const std::string& path,
                               const Fields& headers, const std::string& body = {}) {
    Sample s{.kind = kind, .sent = Clock::now(), .took = {}};
    auto r = node_.try_send(method, path, headers, body, kNoAnswer);
    s.took = std::chrono::duration_cast<milliseconds>(Clock::now() - s.sent);
    if (r) {
      s.status = r->status;
      s.problem_json = r->header("content-type") == "application/problem+json";
    }
    std::lock_guard lock(mu_);
    samples_.push_back(s);
    return r;
  }
  void pause(milliseconds d) const {
    for (auto end = Clock::now() + d; !stop_ && Clock::now() < end;) {
      std::this_thread::sleep_for(5ms);
    }
  }

  // Round-robin over the sessions, 100 ms apart: each one comes back after >= 1.2 s, so the
  // node's session cache (an entry is good for the second it was loaded in) never has it and
  // every verify reads the stores.
  void sessions() {
    for (std::size_t i = 0; !stop_; ++i) {
      call(Kind::kSession, "GET", "/auth/verify",
           c_.sessions[i % c_.sessions.size()].cookies_only());
      pause(100ms);
    }
  }
  void bearer() {
    while (!stop_) {
      call(Kind::kBearer, "GET", "/auth/verify", cluster::testing::bearer(c_.bearer));
      pause(20ms);
    }
  }
  void logins() {
    while (!stop_) {
      call(Kind::kLogin, "POST", "/auth/token", kJson, credentials(c_.login_email));
      pause(50ms);
    }
  }
  // One chain: a 200 moves it on; a 503 (or no answer) retries the same token; a 401 (it was
  // rotated after all: a commit whose answer was lost, then retried = reuse) starts a new one.
  void refreshes() {
    std::string token = c_.refresh;
    while (!stop_) {
      if (token.empty()) {
        auto r = call(Kind::kLogin, "POST", "/auth/token", kJson, credentials(c_.login_email));
        if (r && r->status == 200) token = r->body_json()["refresh_token"];
      } else {
        auto r = call(Kind::kRefresh, "POST", "/auth/refresh", kJson, refresh_body(token));
        if (r && r->status == 200) token = r->body_json()["refresh_token"];
        if (r && r->status == 401) token.clear();
      }
      pause(20ms);
    }
  }
  void revoked() {
    while (!stop_) {
      call(Kind::kRevoked, "GET", "/auth/verify", c_.revoked_session.cookies_only());
      call(Kind::kRevoked, "GET", "/auth/verify", cluster::testing::bearer(c_.revoked_token));
      call(Kind::kRevoked, "GET", "/auth/verify",
           cluster::testing::bearer(c_.revoked_by_not_before));
      call(Kind::kRevoked, "POST", "/auth/refresh", kJson,
           refresh_body(c_.revoked_token["refresh_token"]));
      pause(30ms);
    }
  }

  Node& node_;
  const Credentials c_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Sample> samples_;
  std::vector<std::thread> threads_;  // last: started once everything they use exists
};

// Statuses per kind, as text for failure messages: "session verify: 200x12 503x40; ...".
std::string summary(const std::vector<Sample>& samples) {
  std::map<Kind, std::map<int, int>> counts;
  for (const Sample& s : samples) ++counts[s.kind][s.status];
  std::ostringstream out;
  for (const auto& [kind, by_status] : counts) {
    out << name(kind) << ":";
    for (const auto& [status, n] : by_status) out << " " << status << "x" << n;
    out << "; ";
  }
  return out.str();
}

// Checks what holds at every moment: an answer, within kRequestBound, with an allowed status
// (503s as problem+json), and no revoked credential let through.
void expect_every_answer_fails_closed(const std::vector<Sample>& samples) {
  milliseconds slowest{0};
  for (const Sample& s : samples) {
    slowest = std::max(slowest, s.took);
    EXPECT_TRUE(s.status == 200 || s.status == 401 || s.status == 429 || s.status == 503)
        << name(s.kind) << " answered " << s.status << " after " << s.took.count() << " ms";
    if (s.status == 503) {
      EXPECT_TRUE(s.problem_json) << name(s.kind) << ": 503 not problem+json";
    }
    if (s.kind == Kind::kRevoked) {
      EXPECT_NE(s.status, 200) << "a revoked credential passed";
    }
  }
  EXPECT_LT(slowest, kRequestBound) << "slowest request";
  std::cout << "slowest request: " << slowest.count() << " ms over " << samples.size()
            << " requests" << std::endl;
}

// The statuses of `kind` among requests sent in [from, to).
std::map<int, int> statuses(const std::vector<Sample>& samples, Kind kind, Clock::time_point from,
                            Clock::time_point to) {
  std::map<int, int> out;
  for (const Sample& s : samples) {
    if (s.kind == kind && s.sent >= from && s.sent < to) ++out[s.status];
  }
  return out;
}

// Credentials for the load, made through `node`: 12 sessions (6 for each of two users, under
// the default cap of 10), a Bearer pair and a chain for a third, and the revoked ones.
Credentials make_credentials(Cluster& cluster, Node& node) {
  for (const char* email : {"s1@example.com", "s2@example.com", "load@example.com",
                            "gone@example.com", "all@example.com"}) {
    cluster.add_user(email);
  }
  Credentials c;
  for (int i = 0; i < 12; ++i)
    c.sessions.push_back(login(node, i % 2 ? "s1@example.com" : "s2@example.com"));
  c.bearer = token_pair(node, "load@example.com");
  c.login_email = "load@example.com";
  c.refresh = token_pair(node, "load@example.com")["refresh_token"];
  c.revoked_session = login(node, "gone@example.com");
  EXPECT_EQ(node.send("POST", "/auth/logout", c.revoked_session.unsafe()).status, 204);
  c.revoked_token = token_pair(node, "gone@example.com");
  EXPECT_EQ(node.send("POST", "/auth/logout", bearer(c.revoked_token)).status, 204);
  c.revoked_by_not_before = token_pair(node, "all@example.com");
  EXPECT_EQ(
      node.send("POST", "/auth/logout-all", bearer(token_pair(node, "all@example.com"))).status,
      200);
  return c;
}

// ---- Redis, then PostgreSQL, stopped under load -----------------------------------------------

const char* name(Service s) { return s == Service::kRedis ? "Redis" : "PostgreSQL"; }

class OutageTest : public FaultsTest {
 protected:
  struct Run {
    std::vector<Sample> samples;
    Clock::time_point stopped, restarting;
  };

  // Stops `service` under load on a node for `outage`, starts it again, and checks the node
  // through it (see the file comment); fills `run` for the caller's own checks. `need_it`: the
  // kinds of request that cannot be answered without the service (never 200 while it is down).
  // The service comes back with its data: PostgreSQL keeps it on disk, and Redis is made to
  // save at shutdown and load at start (see keep_redis_data) - a Redis that LOSES its data is
  // another matter (RedisDataLossTest).
  void outage_under_load(Service service, const std::vector<Kind>& need_it, milliseconds outage,
                         Run& run) {
    Node& node = start_node("A");
    ASSERT_NE(node.port(), 0);
    const Credentials creds = make_credentials(*cluster_, node);
    ASSERT_FALSE(HasFailure());
    if (service == Service::kRedis) {
      ASSERT_NO_FATAL_FAILURE(keep_redis_data());
    }
    const pid_t pid = node.pid();
    const auto started = Clock::now();
    Load load(node, creds);

    std::this_thread::sleep_for(1500ms);  // the load runs as usual first
    ASSERT_TRUE(services_.stop(service));
    const auto stopped = Clock::now();
    auto not_ready = readyz_becomes(node, 503, stopped,
                                    std::string("readyz_503_after_") + name(service) + "_stop");
    ASSERT_TRUE(not_ready);
    EXPECT_LT(*not_ready, kReadyBound);
    std::this_thread::sleep_for(outage - *not_ready);

    const auto restarting = Clock::now();
    ASSERT_TRUE(services_.restart(service));
    const auto back = Clock::now();
    ASSERT_TRUE(readyz_becomes(node, 200, back,
                               std::string("readyz_200_after_") + name(service) + "_restart"));
    // Service resumes by itself: every kind of request succeeds again.
    auto resumed = time_until(
        back, kRecovery,
        [&] {
          const auto now = load.samples();
          for (Kind k : {Kind::kSession, Kind::kBearer, Kind::kLogin, Kind::kRefresh}) {
            if (statuses(now, k, back, Clock::now() + 1h).count(200) == 0) return false;
          }
          return true;
        },
        50ms);
    EXPECT_TRUE(resumed) << "not every kind of request succeeds again: " << summary(load.samples())
                         << node.log_tail();
    if (resumed) {
      record_delay(std::string("service_back_after_") + name(service) + "_restart", *resumed);
    }
    std::this_thread::sleep_for(500ms);
    load.stop();

    EXPECT_EQ(node.pid(), pid);
    EXPECT_TRUE(node.alive()) << "the node did not survive the outage";
    const std::vector<Sample> samples = load.samples();
    SCOPED_TRACE(summary(samples));
    expect_every_answer_fails_closed(samples);
    // Before the outage everything worked.
    for (Kind k : {Kind::kSession, Kind::kBearer, Kind::kLogin, Kind::kRefresh}) {
      EXPECT_GT(statuses(samples, k, started, stopped).count(200), 0u) << name(k) << " before";
    }
    // While it was down, what needs it was never let through...
    for (Kind k : need_it) {
      auto down = statuses(samples, k, stopped, restarting);
      EXPECT_EQ(down.count(200), 0u) << name(k) << " answered 200 without " << name(service);
      EXPECT_GT(down.count(503), 0u) << name(k);
    }
    // ...and no valid credential was called invalid at any time (a 401 would make a client
    // throw away credentials that are good).
    for (Kind k : {Kind::kSession, Kind::kBearer, Kind::kLogin}) {
      EXPECT_EQ(statuses(samples, k, started, Clock::now()).count(401), 0u)
          << name(k) << ": a valid credential was refused";
    }
    // After the return: a new session works, the revoked credentials stay refused.
    SessionBrowser fresh = login(node, "s1@example.com");
    EXPECT_EQ(verify(node, fresh.cookies_only()), 200);
    EXPECT_EQ(verify(node, creds.revoked_session.cookies_only()), 401);
    EXPECT_EQ(verify(node, bearer(creds.revoked_token)), 401);
    EXPECT_EQ(verify(node, bearer(creds.revoked_by_not_before)), 401);
    run = Run{samples, stopped, restarting};
  }

  // A production Redis that holds the revocation state persists it (SPEC.md puts the denylist
  // there). The test Redis runs with --save '' (local-services.sh); a save point set now makes
  // it write its data at shutdown (SIGTERM), which restart-one then loads.
  void keep_redis_data() {
    store::testing::RespClient redis(services_.redis_url());
    ASSERT_EQ(redis.command({"CONFIG", "SET", "save", "3600 1"}), "+OK");
  }
};

TEST_F(OutageTest, RedisStoppedUnderLoadFailsClosedAndServiceResumes) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(
      outage_under_load(Service::kRedis, {Kind::kSession, Kind::kLogin}, 6500ms, run));
  // Access tokens are checked in process, against a revocation state that cannot be followed
  // without Redis: past its staleness bound (5 s from the last poll, auth/revocation.h) they
  // fail closed too, rather than pass unchecked.
  auto stale = statuses(run.samples, Kind::kBearer, run.stopped + 5500ms, run.restarting);
  EXPECT_EQ(stale.count(200), 0u) << "an access token passed with the revocation state stale";
  EXPECT_GT(stale.count(503), 0u);
}

TEST_F(OutageTest, PostgresStoppedUnderLoadFailsClosedAndServiceResumes) {
  Run run;
  ASSERT_NO_FATAL_FAILURE(outage_under_load(
      Service::kPostgres, {Kind::kSession, Kind::kLogin, Kind::kRefresh}, 6000ms, run));
  // Verifying an access token needs no PostgreSQL (keys and revocations are in process, the
  // denylist in Redis): it goes on through the outage.
  const auto during = statuses(run.samples, Kind::kBearer, run.stopped, run.restarting);
  EXPECT_EQ(during.size(), 1u) << "access tokens were refused without PostgreSQL";
  EXPECT_EQ(during.count(200), 1u);
}

// ---- a Redis that comes back empty -----------------------------------------------------------

// SPEC.md keeps the denylist and the per-user not-befores in Redis. A Redis that restarts
// without its data (local-services.sh's Redis saves nothing) comes back with neither, and what
// was revoked before cannot be known: the node must not let those access tokens through again.
// It refuses every access token issued before the new state began (auth/revocation.h), while
// new ones - and refreshes of families that were not revoked (PostgreSQL keeps those) - work.
TEST_F(FaultsTest, RevokedAccessTokensStayRefusedAfterRedisLostItsData) {
  Node& a = start_node("A");
  ASSERT_NE(a.port(), 0);
  cluster_->add_user("jti@example.com");
  cluster_->add_user("nbf@example.com");
  const json denied = token_pair(a, "jti@example.com");
  ASSERT_EQ(a.send("POST", "/auth/logout", bearer(denied)).status, 204);
  const json before_all = token_pair(a, "nbf@example.com");
  ASSERT_EQ(a.send("POST", "/auth/logout-all", bearer(token_pair(a, "nbf@example.com"))).status,
            200);
  const json live = token_pair(a, "jti@example.com");
  ASSERT_EQ(verify(a, bearer(denied)), 401);
  ASSERT_EQ(verify(a, bearer(before_all)), 401);
  ASSERT_EQ(verify(a, bearer(live)), 200);

  ASSERT_TRUE(services_.stop(Service::kRedis));
  ASSERT_TRUE(services_.restart(Service::kRedis));  // empty
  const auto back = Clock::now();
  ASSERT_TRUE(readyz_becomes(a, 200, back, "readyz_200_after_empty_Redis_restart"));
  // Past the resubscription (the subscriber's backoff is capped at 2 s) and the reload after
  // it: never a 200 for either token, at any moment.
  while (Clock::now() - back < 3s) {
    ASSERT_NE(verify(a, bearer(denied)), 200) << "a logged-out token passes again";
    ASSERT_NE(verify(a, bearer(before_all)), 200) << "a token before logout-all passes again";
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(verify(a, bearer(denied)), 401);
  EXPECT_EQ(verify(a, bearer(before_all)), 401);
  // The price: a token nobody revoked is refused too. Its client refreshes - the family lives
  // in PostgreSQL, and a revoked family stays revoked - and carries on.
  EXPECT_EQ(verify(a, bearer(live)), 401);
  const Response renewed =
      a.send("POST", "/auth/refresh", kJson, refresh_body(live["refresh_token"]));
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  EXPECT_EQ(verify(a, bearer(renewed.body_json())), 200);
  EXPECT_EQ(a.send("POST", "/auth/refresh", kJson, refresh_body(denied["refresh_token"])).status,
            401);
  // A node started now knows as much.
  Node& b = start_node("B");
  ASSERT_NE(b.port(), 0);
  EXPECT_EQ(verify(b, bearer(denied)), 401);
  EXPECT_EQ(verify(b, bearer(before_all)), 401);
  EXPECT_EQ(verify(b, bearer(renewed.body_json())), 200);
}

// ---- a hung Redis -----------------------------------------------------------------------------

// api/store_routes.h: with networked stores "an I/O thread never waits on a socket to a
// database". A Redis that hangs (SIGSTOP: connections accepted, nothing answered) while a
// revoked access token is replayed at the node - each check a Bloom filter hit only Redis can
// confirm - must not hold the I/O threads (the node has 2): the confirmations wait out the
// network bound on store workers and fail closed, while /healthz and a valid access token
// (checked in process) are answered at once.
TEST_F(FaultsTest, AHungRedisHoldsNoIoThread) {
  constexpr int kReplays = 6;  // three rounds of the network bound, were they on 2 I/O threads
  Node& a = start_node("A");
  ASSERT_NE(a.port(), 0);
  cluster_->add_user("hung@example.com");
  const json denied = token_pair(a, "hung@example.com");
  const json valid = token_pair(a, "hung@example.com");
  ASSERT_EQ(a.send("POST", "/auth/logout", bearer(denied)).status, 204);
  ASSERT_EQ(verify(a, bearer(denied)), 401);

  ASSERT_TRUE(services_.freeze(Service::kRedis));
  std::vector<int> replayed(kReplays);
  std::vector<std::thread> replays;
  for (int i = 0; i < kReplays; ++i) {
    replays.emplace_back([&, i] { replayed[i] = verify(a, bearer(denied)); });
  }
  std::this_thread::sleep_for(100ms);  // the replays are in
  auto timed = [&](const Fields& headers, const std::string& path) {
    const auto start = Clock::now();
    auto r = a.try_send("GET", path, headers, {}, kNoAnswer);
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    std::cout << path << " with Redis hung: " << took.count() << " ms" << std::endl;
    EXPECT_LT(took, 500ms) << path << ": an I/O thread waited on Redis";
    return r ? r->status : 0;
  };
  EXPECT_EQ(timed({}, "/healthz"), 200);
  EXPECT_EQ(timed(bearer(valid), "/auth/verify"), 200);
  for (auto& t : replays) t.join();
  ASSERT_TRUE(services_.thaw(Service::kRedis));
  for (int status : replayed) EXPECT_EQ(status, 503) << "fails closed, and says so";
  EXPECT_EQ(verify(a, bearer(denied)), 401);  // Redis back: refused as before
}

// ---- kill -9 during a refresh storm -----------------------------------------------------------

// One client's chain of refresh tokens, rotated as fast as the node answers.
struct Chain {
  std::string first;       // from POST /auth/token: names the family in the database
  std::string last;        // the newest token the client received
  int rotations = 0;       // 200s it got
  bool in_flight = false;  // its last request got no answer (the node died under it)
};

// The issue: "kill -9 of a node in the middle of a refresh storm loses no family and forks
// none: after restart, every family has exactly one valid token".
//
// How a chain is judged. The client's view can lag the database by one rotation: when A dies
// between committing a rotation and sending its answer, the database holds the successor and
// the client never saw it (SIGKILL does not wait for in-flight answers). So for every family:
//   - exactly one unused token, and the family not revoked (nothing forked, nothing lost);
//   - that token is either the client's last one - then it must work on the restarted node (and
//     the family still has exactly one unused token after) - or the successor the database
//     recorded for the client's last one, which is allowed only for a chain whose last request
//     got no answer. Such a family is intact; its client just cannot continue it (presenting
//     its last token again would be reuse, as SPEC.md "Tokens" says), which is what a client
//     that lost an answer faces with any single node too.
TEST_F(FaultsTest, KillDashNineDuringARefreshStormLosesNoFamilyAndForksNone) {
  constexpr int kChains = 6;
  Node& a = start_node("A");
  ASSERT_NE(a.port(), 0);
  const std::string user = cluster_->add_user("storm@example.com");
  std::vector<Chain> chains(kChains);
  for (Chain& c : chains) {
    c.first = c.last = token_pair(a, "storm@example.com")["refresh_token"];
    ASSERT_FALSE(c.first.empty());
  }

  std::atomic<bool> dead{false};
  std::vector<std::thread> clients;
  for (Chain& c : chains) {
    clients.emplace_back([&a, &c, &dead] {
      while (!dead) {
        auto r = a.try_send("POST", "/auth/refresh", kJson, refresh_body(c.last),
                            std::chrono::seconds(5));
        if (!r) {  // the node is gone (reset, refused): this chain stops here
          c.in_flight = true;
          return;
        }
        ASSERT_EQ(r->status, 200) << r->body;
        c.last = r->body_json()["refresh_token"];
        ++c.rotations;
      }
    });
  }
  std::this_thread::sleep_for(1500ms);
  a.kill();  // SIGKILL, mid-storm
  dead = true;
  for (auto& t : clients) t.join();
  ASSERT_FALSE(HasFailure());

  // Another node on the same stores (A's data dir, as a restarted process would have).
  Node& restarted = start_node("A");
  ASSERT_NE(restarted.port(), 0);
  EXPECT_EQ(readyz(restarted), 200);
  RefreshTables db(cluster_->postgres_dsn());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db.families_of_user(user).size(), static_cast<std::size_t>(kChains))
      << "a family was lost, or one was made that no client asked for";
  int total = 0, lost_answers = 0;
  for (std::size_t i = 0; i < chains.size(); ++i) {
    Chain& c = chains[i];
    SCOPED_TRACE("chain " + std::to_string(i) + " after " + std::to_string(c.rotations) +
                 " rotations");
    total += c.rotations;
    const std::string family = db.family_of(c.first);
    ASSERT_FALSE(family.empty()) << "family lost";
    EXPECT_EQ(db.revoked_at(family), "0");
    const std::string current = db.generation(family);
    const std::string last = db.generation_of(c.last);
    ASSERT_FALSE(current.empty());
    ASSERT_FALSE(last.empty());
    if (current == last) {
      const Response r = restarted.send("POST", "/auth/refresh", kJson, refresh_body(c.last));
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(db.generation(family), db.generation_of(r.body_json()["refresh_token"]));
      EXPECT_EQ(std::stoll(db.generation(family)), std::stoll(last) + 1);
    } else {
      EXPECT_TRUE(c.in_flight) << "the database is ahead of an answer the client received";
      EXPECT_EQ(std::stoll(current), std::stoll(last) + 1)
          << "the family is neither at the client's last token nor one step past it";
      ++lost_answers;
    }
  }
  EXPECT_GT(total, kChains) << "the storm did not get going before the kill";
  std::cout << "kill -9: " << total << " rotations in " << kChains << " chains, " << lost_answers
            << " answer(s) lost with the node" << std::endl;
}

}  // namespace
}  // namespace tessera::cluster::testing
