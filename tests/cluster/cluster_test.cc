// Several `tessera serve` nodes on one PostgreSQL + Redis, no proxy in front (the scale-out
// issue: "Two and three nodes behind no proxy"; SPEC.md "Running", "Revocation"): what one node
// does, every other node knows - sessions, logouts, logout everywhere, key rotations - and
// revocations made on one node are enforced on the others within 1 s (measured from the moment
// the revoking node answered, printed as "propagation ...: N ms", asserted < 1 s). One refresh
// token presented to several nodes at once has one winner, and the family never forks. A node
// started later loads the current revocation state before it serves.
//
// Shared servers: TESSERA_TEST_POSTGRES_DSN and TESSERA_TEST_REDIS_URL (scripts/test.sh starts
// them); each test takes a scratch database and a fresh Redis prefix (cluster.h). Without them
// every test FAILS saying how to provide them.
#include "cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tessera::cluster::testing {
namespace {

using namespace std::chrono_literals;

// The bound every cross-node revocation is held to (the issue: "enforced ... within 1 s"), and
// how long a poll goes on past it, so that a late propagation is measured and reported rather
// than cut off.
constexpr milliseconds kBound = 1000ms;
constexpr milliseconds kPollLimit = 5000ms;

// Polls `probe` on node `on` from `since` (when the revoking node answered) until it holds,
// records the delay as `what` (record_delay) and checks it against kBound.
void expect_within_bound(const std::string& what, Clock::time_point since, Node& on,
                         const std::function<bool()>& probe) {
  auto delay = time_until(since, kPollLimit, probe);
  if (!delay) {
    ADD_FAILURE() << what << ": still not seen on node " << on.name() << " after "
                  << kPollLimit.count() << " ms" << on.log_tail();
    return;
  }
  record_delay(what, *delay);
  EXPECT_LT(*delay, kBound) << what;
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { start_cluster(""); }
  void TearDown() override { cluster_.reset(); }  // within the test: its nodes' checks count

  // The stores, on the shared servers, with `extra_toml` in every process's configuration.
  void start_cluster(const std::string& extra_toml) {
    auto servers = http::testing::shared_scale_out_servers();
    ASSERT_TRUE(servers) << servers.error();
    cluster_ = std::make_unique<Cluster>(*servers, extra_toml);
    ASSERT_EQ(cluster_->error(), "");
  }

  // Starts nodes A, B, ... (`n` of them).
  void start_nodes(int n) {
    for (int i = 0; i < n; ++i) {
      Node& node = cluster_->start_node(std::string(1, static_cast<char>('A' + i)));
      ASSERT_NE(node.port(), 0) << "node " << node.name() << " did not start" << node.log_tail();
      nodes_.push_back(&node);
    }
  }
  Node& node(int i) { return *nodes_.at(static_cast<std::size_t>(i)); }

  std::unique_ptr<Cluster> cluster_;
  std::vector<Node*> nodes_;
};

// ---- sessions ---------------------------------------------------------------------------------

TEST_F(ClusterTest, SessionCreatedOnOneNodeIsValidOnTheOthers) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(3));
  const std::string id = cluster_->add_user("ann@example.com", {"editor"});
  SessionBrowser b = login(node(0), "ann@example.com");
  ASSERT_FALSE(b.session.empty());

  const Response on_a = node(0).send("GET", "/auth/verify", b.cookies_only());
  ASSERT_EQ(on_a.status, 200);
  for (int i : {1, 2}) {
    const Response r = node(i).send("GET", "/auth/verify", b.cookies_only());
    EXPECT_EQ(r.status, 200) << "node " << node(i).name();
    EXPECT_EQ(r.header("x-user-id"), id);
    EXPECT_EQ(r.header("x-user-roles"), "editor");
    EXPECT_EQ(r.header("x-session-id"), on_a.header("x-session-id"));
  }
  // B lists it among the user's sessions.
  const Response sessions = node(1).send("GET", "/auth/sessions", b.cookies_only());
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  EXPECT_EQ(sessions.body_json()["sessions"].size(), 1u);
  // A session id nobody minted is valid nowhere.
  SessionBrowser forged = b;
  forged.session = std::string(43, 'A');
  for (int i : {0, 1, 2}) EXPECT_EQ(verify(node(i), forged.cookies_only()), 401);
}

// The issue: "logout on B is enforced on A within 1 s". A has the session cached (it verified
// it just before), so only the change feed (or the cache's 1 s tag) can tell it.
TEST_F(ClusterTest, LogoutOnBIsEnforcedOnAWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(2));
  cluster_->add_user("bea@example.com");
  SessionBrowser b = login(node(0), "bea@example.com");
  SessionBrowser other = login(node(0), "bea@example.com");  // the same user, another device
  ASSERT_EQ(verify(node(0), b.cookies_only()), 200);         // cached on A
  ASSERT_EQ(verify(node(1), b.cookies_only()), 200);

  const Response out = node(1).send("POST", "/auth/logout", b.unsafe());
  ASSERT_EQ(out.status, 204) << out.body;
  const auto done = Clock::now();
  EXPECT_EQ(verify(node(1), b.cookies_only()), 401);  // on B at once
  expect_within_bound("session_logout_B_to_A", done, node(0),
                      [&] { return verify(node(0), b.cookies_only()) == 401; });
  // Only that session ended.
  EXPECT_EQ(verify(node(0), other.cookies_only()), 200);
}

// ---- access tokens ----------------------------------------------------------------------------

// Logout everywhere raises the user's not-before: every access token issued before it dies on
// every node.
TEST_F(ClusterTest, LogoutEverywhereOnBKillsBearerTokensOnAAndCWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(3));
  cluster_->add_user("cal@example.com");
  const json token = token_pair(node(0), "cal@example.com");
  const json caller = token_pair(node(1), "cal@example.com");
  ASSERT_EQ(verify(node(0), bearer(token)), 200);
  ASSERT_EQ(verify(node(2), bearer(token)), 200);

  const Response all = node(1).send("POST", "/auth/logout-all", bearer(caller));
  ASSERT_EQ(all.status, 200) << all.body;
  const auto done = Clock::now();
  for (int i : {0, 2}) {
    expect_within_bound("not_before_B_to_" + node(i).name(), done, node(i),
                        [&] { return verify(node(i), bearer(token)) == 401; });
  }
  // A token issued after it is good everywhere: the nodes refuse what was revoked, not the user.
  const json fresh = token_pair(node(2), "cal@example.com");
  for (int i : {0, 1, 2}) EXPECT_EQ(verify(node(i), bearer(fresh)), 200) << node(i).name();
}

// Logout with a Bearer token denies its jti (and its family): refused on the other node within
// 1 s; another token of the same user lives on.
TEST_F(ClusterTest, BearerLogoutOnBIsEnforcedOnAWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(2));
  cluster_->add_user("dan@example.com");
  const json token = token_pair(node(0), "dan@example.com");
  const json other = token_pair(node(0), "dan@example.com");
  ASSERT_EQ(verify(node(0), bearer(token)), 200);

  const Response out = node(1).send("POST", "/auth/logout", bearer(token));
  ASSERT_EQ(out.status, 204) << out.body;
  expect_within_bound("jti_logout_B_to_A", Clock::now(), node(0),
                      [&] { return verify(node(0), bearer(token)) == 401; });
  EXPECT_EQ(verify(node(0), bearer(other)), 200);
  // Its family ended with it, on every node.
  for (int i : {0, 1}) {
    EXPECT_EQ(
        node(i).send("POST", "/auth/refresh", kJson, refresh_body(token["refresh_token"])).status,
        401);
  }
}

// ---- keys -------------------------------------------------------------------------------------

// A rotation on A: B publishes the new next key and signs with the new active key within 1 s.
TEST_F(ClusterTest, KeyRotationOnAReachesBsJwksAndSignerWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(2));
  cluster_->add_user("root@example.com", {"admin"});
  const json admin = token_pair(node(0), "root@example.com");
  std::string refresh_on_b = token_pair(node(1), "root@example.com")["refresh_token"];
  const std::vector<std::string> before = jwks_kids(node(1));
  ASSERT_FALSE(before.empty());

  const Response r = node(0).send("POST", "/admin/keys/rotate", bearer(admin));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto done = Clock::now();
  const json body = r.body_json();
  const std::string active = body["active"];
  std::string next;
  for (const json& k : body["keys"]) {
    if (k["state"] == "next") next = k["kid"];
  }
  ASSERT_FALSE(next.empty()) << r.body;
  ASSERT_EQ(std::count(before.begin(), before.end(), next), 0) << "the new next key is new";
  ASSERT_NE(kid_of(admin["access_token"]), active) << "the rotation changed the signer";

  expect_within_bound("jwks_next_key_A_to_B", done, node(1), [&] {
    const auto kids = jwks_kids(node(1));
    return std::count(kids.begin(), kids.end(), next) == 1;
  });

  // What B signs: a refresh on B mints an access token (no password hashing per probe).
  std::string kid;
  expect_within_bound("active_key_A_to_B", done, node(1), [&] {
    const Response p = node(1).send("POST", "/auth/refresh", kJson, refresh_body(refresh_on_b));
    if (p.status != 200) return false;
    refresh_on_b = p.body_json()["refresh_token"];
    kid = kid_of(p.body_json()["access_token"]);
    return kid == active;
  });
  EXPECT_EQ(kid, active) << "what B signs with";
  // A normal rotation keeps earlier tokens valid everywhere (the old key is retired, published).
  EXPECT_EQ(verify(node(1), bearer(admin)), 200);
}

// An emergency rotation on A: a token from before is refused on B within 1 s.
TEST_F(ClusterTest, EmergencyRotationOnAKillsEarlierTokensOnBWithinASecond) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(2));
  cluster_->add_user("root@example.com", {"admin"});
  cluster_->add_user("eve@example.com");
  const json admin = token_pair(node(0), "root@example.com");
  const json user = token_pair(node(1), "eve@example.com");
  ASSERT_EQ(verify(node(1), bearer(user)), 200);

  const Response r = node(0).send("POST", "/admin/keys/rotate?emergency=true", bearer(admin));
  ASSERT_EQ(r.status, 200) << r.body;
  expect_within_bound("emergency_rotation_A_to_B", Clock::now(), node(1),
                      [&] { return verify(node(1), bearer(user)) == 401; });
  EXPECT_EQ(verify(node(1), bearer(admin)), 401);
  // The nodes agree on the new key: what B signs now, A accepts.
  const json fresh = token_pair(node(1), "eve@example.com");
  EXPECT_EQ(verify(node(0), bearer(fresh)), 200);
}

// ---- one refresh token, many nodes --------------------------------------------------------------

// 20 presentations of one refresh token at once, spread over 3 nodes. Returns the responses in
// presentation order.
std::vector<Response> present_at_once(std::vector<Node*>& nodes, const std::string& token) {
  constexpr int kPresentations = 20;
  std::vector<Response> out(kPresentations);
  std::latch start(kPresentations);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPresentations; ++i) {
    threads.emplace_back([&, i] {
      Node& n = *nodes[static_cast<std::size_t>(i) % nodes.size()];
      start.arrive_and_wait();
      out[static_cast<std::size_t>(i)] =
          n.send("POST", "/auth/refresh", kJson, refresh_body(token));
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

// The issue: "concurrent refresh of one token sent to different nodes gives exactly one winner".
// With the default refresh.reuse_grace = 0, each loser presented a token that was (or was being)
// rotated: SPEC.md "Tokens" calls that reuse and revokes the whole family - so the winner's
// successor is refused too, by design. What must never happen is a fork: the family moved on
// exactly one generation, to the winner's token.
TEST_F(ClusterTest, ConcurrentRefreshOfOneTokenOnThreeNodesHasExactlyOneWinner) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(3));
  cluster_->add_user("fay@example.com");
  const std::string token = token_pair(node(0), "fay@example.com")["refresh_token"];
  RefreshTables db(cluster_->postgres_dsn());
  ASSERT_TRUE(db.ok());
  const std::string family = db.family_of(token);
  ASSERT_FALSE(family.empty());

  std::map<int, int> statuses;
  std::string winner;
  for (const Response& r : present_at_once(nodes_, token)) {
    ++statuses[r.status];
    if (r.status == 200) winner = r.body_json()["refresh_token"];
  }
  EXPECT_EQ(statuses, (std::map<int, int>{{200, 1}, {401, 19}}));
  ASSERT_FALSE(winner.empty());
  EXPECT_EQ(db.generation(family), "2") << "rotated more than once";
  EXPECT_EQ(db.generation_of(winner), "2");
  EXPECT_NE(db.revoked_at(family), "0") << "the reuse did not revoke the family";
  for (int i : {0, 1, 2}) {
    EXPECT_EQ(node(i).send("POST", "/auth/refresh", kJson, refresh_body(winner)).status, 401);
  }
  EXPECT_EQ(db.generation(family), "2");
}

// The same race with refresh.reuse_grace (two tabs refreshing at once): every presentation gets
// the SAME successor - still one winner, one branch - and that successor works.
class ClusterGraceTest : public ClusterTest {
 protected:
  void SetUp() override { start_cluster("[refresh]\nreuse_grace = \"30s\"\n"); }
};

TEST_F(ClusterGraceTest, ConcurrentRefreshWithinTheGraceHandsEveryoneTheOneSuccessor) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(3));
  cluster_->add_user("gus@example.com");
  const std::string token = token_pair(node(0), "gus@example.com")["refresh_token"];
  RefreshTables db(cluster_->postgres_dsn());
  ASSERT_TRUE(db.ok());
  const std::string family = db.family_of(token);
  ASSERT_FALSE(family.empty());

  std::set<std::string> successors;
  std::map<int, int> statuses;
  for (const Response& r : present_at_once(nodes_, token)) {
    ++statuses[r.status];
    if (r.status == 200) successors.insert(r.body_json()["refresh_token"].get<std::string>());
  }
  EXPECT_EQ(statuses, (std::map<int, int>{{200, 20}}));
  ASSERT_EQ(successors.size(), 1u) << "more than one successor: the family forked";
  const std::string successor = *successors.begin();
  EXPECT_EQ(db.generation(family), "2") << "rotated more than once";
  EXPECT_EQ(db.generation_of(successor), "2");
  EXPECT_EQ(db.revoked_at(family), "0");
  const Response next = node(2).send("POST", "/auth/refresh", kJson, refresh_body(successor));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(db.generation(family), "3");
  EXPECT_EQ(db.generation_of(next.body_json()["refresh_token"]), "3");
}

// ---- a node that starts later ----------------------------------------------------------------

// The issue: "A node that starts ... loads the current state before it serves". Revocations of
// every kind are made on A and B; C starts afterwards and refuses them from its very first
// request - while it accepts the credentials nobody revoked - and says ready.
TEST_F(ClusterTest, ANodeStartedAfterRevocationsRefusesThemFromItsFirstRequest) {
  ASSERT_NO_FATAL_FAILURE(start_nodes(2));
  cluster_->add_user("hal@example.com");
  cluster_->add_user("ida@example.com");
  // Revoked: a session (logout on B), a Bearer token's jti (logout on B), every earlier token
  // of ida (logout everywhere on A: her not-before).
  SessionBrowser session = login(node(0), "hal@example.com");
  ASSERT_EQ(node(1).send("POST", "/auth/logout", session.unsafe()).status, 204);
  const json denied = token_pair(node(0), "hal@example.com");
  ASSERT_EQ(node(1).send("POST", "/auth/logout", bearer(denied)).status, 204);
  const json before_all = token_pair(node(1), "ida@example.com");
  const json caller = token_pair(node(0), "ida@example.com");
  ASSERT_EQ(node(0).send("POST", "/auth/logout-all", bearer(caller)).status, 200);
  // Alive: one of each kind that nobody revoked.
  SessionBrowser live_session = login(node(1), "hal@example.com");
  const json live_token = token_pair(node(0), "hal@example.com");
  const json ida_after = token_pair(node(1), "ida@example.com");

  Node& c = cluster_->start_node("C");
  ASSERT_NE(c.port(), 0) << c.log_tail();
  EXPECT_EQ(verify(c, bearer(denied)), 401) << "C's first request";
  EXPECT_EQ(verify(c, bearer(before_all)), 401);
  EXPECT_EQ(verify(c, bearer(caller)), 401);
  EXPECT_EQ(verify(c, session.cookies_only()), 401);
  EXPECT_EQ(c.send("POST", "/auth/refresh", kJson, refresh_body(denied["refresh_token"])).status,
            401);
  EXPECT_EQ(c.send("GET", "/readyz").status, 200);
  EXPECT_EQ(verify(c, live_session.cookies_only()), 200);
  EXPECT_EQ(verify(c, bearer(live_token)), 200);
  EXPECT_EQ(verify(c, bearer(ida_after)), 200);
}

}  // namespace
}  // namespace tessera::cluster::testing
