// The fixture of the store conformance suites (conformance_test.cc, lifecycle_conformance_test.cc):
// fresh, empty stores of the backend its parameter names, for each test. See conformance_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "postgres_test_util.h"
#include "redis_test_util.h"
#include "store/stores.h"
#include "store_test_util.h"

namespace tessera::store {

// The parameter is "<backend>" or "<backend>+<cache>".
class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& name = GetParam();
    const auto plus = name.find('+');
    config_.backend = name.substr(0, plus);
    if (plus != std::string::npos) config_.cache = name.substr(plus + 1);
    if (config_.backend == "sqlite") config_.sqlite_path = dir_.path() / "tessera.db";
    if (config_.backend == "postgres") {
      auto db = testing::ScratchDatabase::create();
      ASSERT_TRUE(db) << db.error();
      pg_ = std::move(*db);
      config_.postgres_dsn = pg_->dsn();
      config_.on_error = [](std::string_view msg) { ADD_FAILURE() << msg; };
    }
    if (config_.cache == "redis") {
      ASSERT_TRUE(testing::use_test_redis(config_));
    }
    auto opened = open_stores(config_);
    ASSERT_TRUE(opened) << opened.error();
    stores_ = std::move(*opened);
  }

  void TearDown() override {
    stores_ = {};
    if (config_.cache == "redis" && !config_.redis_url.empty()) testing::drop_prefix(config_);
  }

  UserStore& users() { return *stores_.users; }
  SessionStore& sessions() { return *stores_.sessions; }
  CounterStore& counters() { return *stores_.counters; }
  AuditStore& audit() { return *stores_.audit; }
  RefreshStore& refresh() { return *stores_.refresh; }
  KeyStore& keys() { return *stores_.keys; }
  RevocationStore& revocations() { return *stores_.revocations; }
  ClientStore& clients() { return *stores_.clients; }
  AuthorizationCodeStore& codes() { return *stores_.codes; }
  ConsentStore& consents() { return *stores_.consents; }
  CredentialStore& credentials() { return *stores_.credentials; }
  OutboxStore& outbox() { return *stores_.outbox; }
  AccountTokenStore& account_tokens() { return *stores_.account_tokens; }

  testing::TempDir dir_;
  std::unique_ptr<testing::ScratchDatabase> pg_;  // dropped after the stores close
  StoreConfig config_;
  Stores stores_;
};

// gtest names: [A-Za-z0-9_]
inline std::string backend_test_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string name = p.param;
  std::replace(name.begin(), name.end(), '+', '_');
  return name;
}

}  // namespace tessera::store
