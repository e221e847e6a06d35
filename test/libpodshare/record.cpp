#define CAF_SUITE libpodshare.record

#include "podshare/record.hpp"

#include <caf/test/unit_test.hpp>

#include <cstdint>
#include <string>

using namespace podshare;

namespace {

// A value that needs 16-byte alignment.
struct alignas(16) wide {
  uint64_t low = 0;
  uint64_t high = 0;

  bool operator==(const wide& x) const {
    return low == x.low && high == x.high;
  }
};

struct fixture {
  detail::interned_origin origin{"node-a", 7, 1};

  // Makes a record and checks everything it reads back.
  template <class T>
  void round_trip(const std::string& key, const T* value,
                  const bytes* raw = nullptr) {
    auto layout = layout_of<T>();
    record* x = record::make(key, -42, &origin, 99, value, layout, raw);
    CAF_CHECK_EQUAL(x->key(), key);
    CAF_CHECK_EQUAL(x->timestamp(), -42);
    CAF_CHECK_EQUAL(x->seq(), 99u);
    CAF_CHECK_EQUAL(x->origin(), "node-a");
    CAF_CHECK_EQUAL(x->incarnation(), 7u);
    CAF_CHECK_EQUAL(x->tombstone(), value == nullptr);
    if (value != nullptr) {
      auto at = reinterpret_cast<uintptr_t>(x->value());
      CAF_CHECK_EQUAL(at % alignof(T), 0u);
      CAF_CHECK_GREATER_OR_EQUAL(
        at, reinterpret_cast<uintptr_t>(x->key().data() + x->key().size()));
      CAF_CHECK(x->value_as<T>() == *value);
    } else {
      CAF_CHECK(x->value() == nullptr);
    }
    auto kept = x->raw_value(layout);
    if (raw == nullptr) {
      CAF_CHECK(kept.data == nullptr);
    } else {
      CAF_CHECK_EQUAL(bytes(kept.data, kept.data + kept.size), *raw);
    }
    record::destroy(x, layout);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(record_tests, fixture)

CAF_TEST(the header is three words) {
  CAF_CHECK_EQUAL(sizeof(record), 24u);
}

CAF_TEST(short keys keep values of every alignment and raw bytes) {
  std::string text = "a value long enough to live outside the string";
  round_trip<std::string>("key", &text);
  round_trip<std::string>("", &text);
  round_trip<std::string>("k", static_cast<const std::string*>(nullptr));
  uint8_t small = 200;
  round_trip<uint8_t>("seven b", &small);
  wide w{1, 2};
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17})
    round_trip<wide>(std::string(n, 'k'), &w);
  bytes raw{1, 2, 3, 4, 5};
  round_trip<std::string>("with raw", &text, &raw);
  round_trip<wide>("w", &w, &raw);
}

CAF_TEST(keys past 64 KiB keep their size beside the key) {
  std::string text = "v";
  bytes raw{9, 8, 7};
  wide w{3, 4};
  for (size_t n :
       {size_t{0xfffe}, size_t{0xffff}, size_t{0x10000}, size_t{300000}}) {
    std::string key(n, 'x');
    key.back() = 'y';
    round_trip<std::string>(key, &text);
    round_trip<std::string>(key, &text, &raw);
    round_trip<std::string>(key, static_cast<const std::string*>(nullptr));
    round_trip<wide>(key, &w);
  }
}

CAF_TEST(versions compare without copies) {
  std::string text = "v";
  auto layout = layout_of<std::string>();
  auto* x = record::make("k", 10, &origin, 5, &text, layout);
  CAF_CHECK_EQUAL(x->compare_version(version{10, "node-a", 5}), 0);
  CAF_CHECK_LESS(x->compare_version(version{11, "node-a", 1}), 0);
  CAF_CHECK_GREATER(x->compare_version(version{10, "node-0", 9}), 0);
  CAF_CHECK_LESS(x->compare_version(version{10, "node-a", 6}), 0);
  record::destroy(x, layout);
}

CAF_TEST_FIXTURE_SCOPE_END()
