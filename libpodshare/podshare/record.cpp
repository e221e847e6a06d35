#include "podshare/record.hpp"

#include <cstring>
#include <new>

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
  size_t size = sizeof(record) + key.size();
  size_t value_offset = 0;
  size_t raw_offset = 0;
  if (value != nullptr) {
    value_offset = align_up(size, layout.align);
    size = value_offset + layout.size;
    if (raw != nullptr) {
      raw_offset = align_up(size, alignof(uint32_t));
      size = raw_offset + sizeof(uint32_t) + raw->size();
    }
  }
  void* memory = ::operator new(size);
  auto* bytes_at = static_cast<char*>(memory);
  auto* x = new (memory) record;
  x->timestamp_ = timestamp;
  x->seq_ = seq;
  x->origin_ = origin;
  x->key_size_ = static_cast<uint32_t>(key.size());
  std::memcpy(bytes_at + sizeof(record), key.data(), key.size());
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
  x->value_word_ = static_cast<uint32_t>(value_offset);
  if (raw != nullptr) {
    auto raw_size = static_cast<uint32_t>(raw->size());
    std::memcpy(bytes_at + raw_offset, &raw_size, sizeof(raw_size));
    std::memcpy(bytes_at + raw_offset + sizeof(raw_size), raw->data(),
                raw->size());
    x->value_word_ |= raw_flag;
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
  if ((value_word_ & raw_flag) == 0)
    return {};
  auto* at = reinterpret_cast<const char*>(this)
             + align_up(value_offset() + layout.size, alignof(uint32_t));
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
