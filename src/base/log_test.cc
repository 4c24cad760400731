#include "base/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/log_context.h"
#include "base/log_format.h"

namespace tessera::base {
namespace {

std::string text_value(std::string_view v) {
  std::string out;
  append_log_text_value(out, v);
  return out;
}

TEST(LogFormatTest, TextWritesPlainValuesBare) {
  const LogLine line{.ts = "2026-12-06T12:00:00.123Z",
                     .level = LogLevel::kWarn,
                     .msg = "audit",
                     .fields = {{"event", "login.failure"}, {"ip", "192.0.2.1"}}};
  EXPECT_EQ(format_log_text(line),
            "2026-12-06T12:00:00.123Z WARN audit event=login.failure ip=192.0.2.1");
}

TEST(LogFormatTest, TextQuotesAndEscapesWhatCouldBreakTheLine) {
  EXPECT_EQ(text_value(""), R"("")");
  EXPECT_EQ(text_value("two words"), R"("two words")");
  EXPECT_EQ(text_value("a=b"), R"("a=b")");
  EXPECT_EQ(text_value(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(text_value(R"(back\slash)"), R"("back\\slash")");
  EXPECT_EQ(text_value("line\nforged=1"), R"("line\nforged=1")");
  EXPECT_EQ(text_value("cr\rtab\t"), R"("cr\rtab\t")");
  EXPECT_EQ(text_value(std::string("nul\0esc\x1b del\x7f", 13)), R"("nul\x00esc\x1b del\x7f")");
  EXPECT_EQ(text_value("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept as is
  const LogLine line{.ts = "T", .level = LogLevel::kInfo, .msg = "server started", .fields = {}};
  EXPECT_EQ(format_log_text(line), R"(T INFO "server started")");
}

TEST(LogFormatTest, JsonIsOneObjectWithTheFieldsInOrder) {
  const LogLine line{.ts = "T",
                     .level = LogLevel::kDebug,
                     .msg = "request",
                     .fields = {{"a", "1"}, {"b", "x\ny"}, {"a", "2"}}};
  const std::string out = format_log_json(line);
  EXPECT_EQ(out.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["level"], "debug");
  EXPECT_EQ(j["msg"], "request");
  EXPECT_EQ(j["a"], "2");  // a later field replaces an earlier one: no duplicate key
  EXPECT_EQ(j["b"], "x\ny");
  EXPECT_EQ(out.rfind(R"({"ts":"T","level":"debug","msg":"request")", 0), 0u);
}

TEST(LogLevelTest, FiltersBelowTheLevel) {
  set_log_options(LogLevel::kWarn, LogFormat::kJson);
  EXPECT_FALSE(log_enabled(LogLevel::kDebug));
  EXPECT_FALSE(log_enabled(LogLevel::kInfo));
  EXPECT_TRUE(log_enabled(LogLevel::kWarn));
  EXPECT_TRUE(log_enabled(LogLevel::kError));
  ::testing::internal::CaptureStderr();
  log_event(LogLevel::kInfo, "dropped");
  log_event(LogLevel::kError, "kept");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("dropped"), std::string::npos);
  EXPECT_NE(out.find("kept"), std::string::npos);
  set_log_options(LogLevel::kDebug, LogFormat::kText);
  EXPECT_TRUE(log_enabled(LogLevel::kDebug));
  set_log_options(LogLevel::kInfo, LogFormat::kJson);  // the defaults, for the other tests
}

TEST(LogContextTest, LinesCarryTheCurrentRequestId) {
  EXPECT_EQ(current_request_id(), "");
  ::testing::internal::CaptureStderr();
  {
    const RequestIdScope outer("req-1");
    EXPECT_EQ(current_request_id(), "req-1");
    {
      const RequestIdScope inner("req-2");
      log_event(LogLevel::kWarn, "inner");
    }
    EXPECT_EQ(current_request_id(), "req-1");
    log_event(LogLevel::kWarn, "given", {{"request_id", "req-3"}});
  }
  EXPECT_EQ(current_request_id(), "");
  log_event(LogLevel::kWarn, "outside");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find(R"("msg":"inner","request_id":"req-2")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("msg":"given","request_id":"req-3")"), std::string::npos) << out;
  EXPECT_EQ(out.find("req-1"), std::string::npos) << out;  // the caller's field wins
  EXPECT_NE(out.find(R"("msg":"outside"})"), std::string::npos) << out;
}

}  // namespace
}  // namespace tessera::base
