#define CAF_SUITE actors.lifecycle_log

#include "fixture.hpp"

#include <caf/test/dsl.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

using namespace podshare;
using namespace podshare::testing;
using namespace std::chrono_literals;

CAF_TEST_FIXTURE_SCOPE(lifecycle_log_tests, store_fixture)

CAF_TEST(an open write close cycle logs one structured line per event) {
  std::ostringstream lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
  auto logger = std::make_shared<spdlog::logger>("cycle", sink);
  logger->set_pattern("%l %v");
  auto opts = make_options("n1");
  opts.logger = logger;
  auto s = open("n1", opts);
  CAF_CHECK(set(s, "k", "v"));
  CAF_CHECK(erase(s, "k"));
  CAF_CHECK(call<ok_atom>(s.actor, close_atom::value, caf::timespan{1s}));
  auto text = lines.str();
  CAF_MESSAGE(text);
  CAF_CHECK_NOT_EQUAL(text.find("info event=store_opened topic=topic node=n1 "
                                "keys=0 tombstones=0 took_ms="),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("info event=snapshot_written topic=topic "
                                "node=n1 bytes="),
                      std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("info event=store_closed topic=topic node=n1 "
                                "keys=0 writes_local=2 writes_applied=2 "
                                "snapshot=flushed"),
                      std::string::npos);
  // One line each, in this order.
  auto opened = text.find("event=store_opened");
  auto written = text.find("event=snapshot_written");
  auto closed = text.find("event=store_closed");
  CAF_CHECK_LESS(opened, written);
  CAF_CHECK_LESS(written, closed);
  CAF_CHECK_EQUAL(text.find("event=store_closed", closed + 1),
                  std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
