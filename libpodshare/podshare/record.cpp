#include "podshare/record.hpp"

#include <cstring>
#include <new>

namespace podshare {

namespace {

size_t align_up(size_t offset, size_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

} // namespace

record* record::make(uint64_t hash, std::string_view key, int64_t timestamp,
                     const detail::interned_origin* origin, uint64_t seq,
                     const void* value, const value_layout& layout) {
  size_t size = sizeof(record) + key.size();
  size_t value_offset = 0;
  if (value != nullptr) {
    value_offset = align_up(size, layout.align);
    size = value_offset + layout.size;
  }
  void* memory = ::operator new(size);
  auto* x = new (memory) record;
  x->hash_ = hash;
  x->timestamp_ = timestamp;
  x->seq_ = seq;
  x->origin_ = origin;
  x->key_size_ = static_cast<uint32_t>(key.size());
  std::memcpy(static_cast<char*>(memory) + sizeof(record), key.data(),
              key.size());
  if (value != nullptr) {
    try {
      layout.copy_construct(static_cast<char*>(memory) + value_offset, value);
    } catch (...) {
      ::operator delete(memory);
      throw;
    }
    x->value_offset_ = static_cast<uint32_t>(value_offset);
  }
  return x;
}

void record::destroy(record* x, const value_layout& layout) noexcept {
  if (!x->tombstone())
    layout.destroy(const_cast<void*>(x->value()));
  x->~record();
  ::operator delete(x);
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
