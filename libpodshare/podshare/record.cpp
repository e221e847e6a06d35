#include "podshare/record.hpp"

#include <cstring>
#include <new>
#include <stdexcept>

namespace podshare {

namespace {

size_t align_up(size_t offset, size_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

} // namespace

record* record::make(std::string_view key, int64_t timestamp,
                     const detail::interned_origin* origin, uint64_t seq,
                     const void* value, const value_layout& layout,
                     const bytes* raw, value_transfer transfer) {
  auto origin_bits = reinterpret_cast<uint64_t>(origin);
  if ((origin_bits & ~pointer_mask) != 0)
    throw std::logic_error{"podshare: an interned origin outside the 48-bit "
                           "address space a record can point to"};
  bool is_long_key = key.size() >= long_key;
  size_t key_offset = sizeof(record) + (is_long_key ? sizeof(uint32_t) : 0);
  size_t size = key_offset + key.size();
  size_t value_offset = 0;
  size_t raw_offset = 0;
  uint64_t flags = 0;
  if (value != nullptr) {
    bool aligned16 = layout.align > 8;
    flags |= live_flag | (aligned16 ? align16_flag : 0);
    value_offset = align_up(size, aligned16 ? 16 : 8);
    size = value_offset + layout.size;
    if (raw != nullptr) {
      flags |= raw_flag;
      raw_offset = align_up(size, alignof(uint32_t));
      size = raw_offset + sizeof(uint32_t) + raw->size();
    }
  }
  void* memory = ::operator new(size);
  auto* bytes_at = static_cast<char*>(memory);
  auto* x = new (memory) record;
  x->timestamp_ = timestamp;
  x->seq_ = seq;
  auto size_field = is_long_key ? uint64_t{long_key} : key.size();
  x->word_ = (size_field << key_size_shift) | origin_bits | flags;
  if (is_long_key) {
    auto n = static_cast<uint32_t>(key.size());
    std::memcpy(bytes_at + sizeof(record), &n, sizeof(n));
  }
  std::memcpy(bytes_at + key_offset, key.data(), key.size());
  if (value == nullptr)
    return x;
  try {
    if (transfer == value_transfer::move && layout.move_construct != nullptr)
      layout.move_construct(bytes_at + value_offset, const_cast<void*>(value));
    else
      layout.copy_construct(bytes_at + value_offset, value);
  } catch (...) {
    ::operator delete(memory);
    throw;
  }
  if (raw != nullptr) {
    auto raw_size = static_cast<uint32_t>(raw->size());
    std::memcpy(bytes_at + raw_offset, &raw_size, sizeof(raw_size));
    std::memcpy(bytes_at + raw_offset + sizeof(raw_size), raw->data(),
                raw->size());
  }
  return x;
}

void record::destroy(record* x, const value_layout& layout) noexcept {
  if (!x->tombstone())
    layout.destroy(const_cast<void*>(x->value()));
  x->~record();
  ::operator delete(x);
}

bytes_view record::raw_value(const value_layout& layout) const noexcept {
  if ((word_ & raw_flag) == 0)
    return {};
  auto value_end = reinterpret_cast<uintptr_t>(value()) + layout.size;
  auto* at
    = reinterpret_cast<const char*>(align_up(value_end, alignof(uint32_t)));
  uint32_t size = 0;
  std::memcpy(&size, at, sizeof(size));
  return {reinterpret_cast<const uint8_t*>(at + sizeof(size)), size};
}

int record::compare_version(const podshare::version& x) const noexcept {
  if (timestamp_ != x.timestamp)
    return timestamp_ < x.timestamp ? -1 : 1;
  if (auto order = origin().compare(x.origin); order != 0)
    return order;
  if (seq_ != x.seq)
    return seq_ < x.seq ? -1 : 1;
  return 0;
}

} // namespace podshare
