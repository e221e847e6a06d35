// The JSON snapshot (spec §10) written and read an entry at a time: a
// snapshot of a million keys is never a document tree in memory, only its
// text and the entries it holds.

#include "podshare/detail/base64.hpp"
#include "podshare/detail/decode_failure.hpp"
#include "podshare/detail/rfc3339.hpp"
#include "podshare/detail/wire_json.hpp"
#include "podshare/error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace podshare::detail {

namespace {

using json = nlohmann::json;

// -- writing ------------------------------------------------------------------

void append(bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

// Appends `text` as a JSON string exactly as nlohmann's dump writes it (the
// golden vectors and Go peers read these bytes): printable ASCII other than
// `"` and `\` as it is, anything else through nlohmann, which escapes
// control characters and replaces invalid UTF-8 with U+FFFD as Go does.
void append_string(bytes& out, std::string_view text) {
  auto plain = std::all_of(text.begin(), text.end(), [](char c) {
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out.push_back('"');
    append(out, text);
    out.push_back('"');
    return;
  }
  append(out, json(std::string{text})
                .dump(-1, ' ', false, json::error_handler_t::replace));
}

// -- reading ------------------------------------------------------------------

// The last occurrence of a field, as the document parser would keep it.
struct field {
  enum class kind : uint8_t {
    absent,
    null,
    boolean,
    unsigned_int,
    string,
    other
  };
  kind type = kind::absent;
  bool flag = false;
  uint64_t number = 0;
  std::string text;

  // Absent and null alike: Go writes null for nil.
  bool missing() const noexcept {
    return type == kind::absent || type == kind::null;
  }
};

// An entry as read, checked once its object closes.
struct entry_fields {
  field tombstone;
  field value;
  field origin;
  field timestamp;
  field seq;
  field inc;

  field* named(std::string_view name) {
    if (name == "tombstone")
      return &tombstone;
    if (name == "value")
      return &value;
    if (name == "origin")
      return &origin;
    if (name == "timestamp")
      return &timestamp;
    if (name == "seq")
      return &seq;
    if (name == "inc")
      return &inc;
    return nullptr;
  }
};

caf::error read_string(const field& x, const char* name, std::string& out) {
  if (x.missing())
    return fail_field(name, "is missing");
  if (x.type != field::kind::string)
    return fail_field(name, "is not a string");
  out = x.text;
  return {};
}

caf::error read_uint(const field& x, const char* name, uint64_t& out) {
  if (x.missing())
    return {};
  if (x.type != field::kind::unsigned_int)
    return fail_field(name, "is not an unsigned integer");
  out = x.number;
  return {};
}

// The checks and their order are those of the document decoder this one
// replaced, so that both accept and reject alike, with the same reasons.
caf::error to_event(entry_fields& in, event& out) {
  bool tombstone = false;
  if (!in.tombstone.missing()) {
    if (in.tombstone.type != field::kind::boolean)
      return fail_field("tombstone", "is not a boolean");
    tombstone = in.tombstone.flag;
  }
  out.kind = tombstone ? event_kind::erase : event_kind::set;
  if (!in.value.missing()) {
    if (in.value.type != field::kind::string)
      return fail_field("value", "is not a string");
    auto decoded = base64_decode(in.value.text);
    if (!decoded)
      return fail_field("value", "is not base64");
    if (!tombstone)
      out.value = std::move(*decoded);
  }
  if (auto err = read_string(in.origin, "origin", out.version.origin))
    return err;
  std::string stamp;
  if (auto err = read_string(in.timestamp, "timestamp", stamp))
    return err;
  auto ns = parse_rfc3339(stamp);
  if (!ns)
    return fail_field("timestamp", "is not an RFC 3339 time");
  out.version.timestamp = *ns;
  if (auto err = read_uint(in.inc, "inc", out.version.incarnation))
    return err;
  return read_uint(in.seq, "seq", out.version.seq);
}

// One entry of the snapshot, or why it does not decode.
struct read_entry {
  event x;
  caf::error err;
};

// A SAX handler that builds events as the parser goes. Where a key or field
// occurs twice, the last one counts, as in a parsed document.
class snapshot_reader : public nlohmann::json_sax<json> {
public:
  bool null() override {
    scalar(field::kind::null);
    return true;
  }

  bool boolean(bool val) override {
    if (auto* x = scalar(field::kind::boolean))
      x->flag = val;
    return true;
  }

  bool number_integer(number_integer_t) override {
    scalar(field::kind::other);
    return true;
  }

  bool number_unsigned(number_unsigned_t val) override {
    if (auto* x = scalar(field::kind::unsigned_int))
      x->number = val;
    return true;
  }

  bool number_float(number_float_t, const string_t&) override {
    scalar(field::kind::other);
    return true;
  }

  bool string(string_t& val) override {
    if (auto* x = scalar(field::kind::string))
      x->text = std::move(val);
    return true;
  }

  bool binary(binary_t&) override {
    scalar(field::kind::other);
    return true;
  }

  bool start_object(std::size_t) override { return open(true); }

  bool start_array(std::size_t) override { return open(false); }

  bool key(string_t& val) override {
    switch (depth_) {
      case 1:
        target_ = none;
        if (val == "v")
          target_ = version_field;
        else if (val == "entries")
          target_ = entries_field;
        else if (val == "vv")
          target_ = vv_field;
        break;
      case 2:
        if (in_entries_)
          entry_key_ = std::move(val);
        break;
      case 3: field_ = in_entry_ ? fields_.named(val) : nullptr; break;
      default: break;
    }
    return true;
  }

  bool end_object() override { return close(); }

  bool end_array() override { return close(); }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // nlohmann's messages are short and name the offending position, but
    // they quote the last token: cap what reaches the logs.
    error_ = fail(std::string{ex.what()}.substr(0, 160));
    return false;
  }

  caf::expected<std::vector<event>>
  result(std::vector<applied_writes>& applied) {
    if (error_)
      return std::move(error_);
    if (!top_is_object_)
      return fail("a snapshot is not an object");
    if (version_.type != field::kind::absent) {
      uint64_t v = 0;
      if (auto err = read_uint(version_, "v", v))
        return err;
      if (v > wire::protocol_version)
        return caf::make_error(ec::unsupported_protocol_version,
                               "v " + std::to_string(v));
    }
    if (entries_ == entries_state::absent)
      return fail_field("entries", "is missing");
    if (vv_bad_)
      return fail_field("vv", "is not a list of [origin, inc, seq]");
    applied = std::move(vv_);
    std::vector<event> out;
    if (entries_ == entries_state::null)
      return out;
    if (entries_ == entries_state::not_object)
      return fail_field("entries", "is not an object");
    // Of several bad entries the parsed document reported the first in key
    // order (its object is a sorted map).
    const read_entry* first_bad = nullptr;
    for (auto& x : read_)
      if (x.err && (first_bad == nullptr || x.x.key < first_bad->x.key))
        first_bad = &x;
    if (first_bad != nullptr)
      return first_bad->err;
    out.reserve(read_.size());
    for (auto& x : read_)
      out.push_back(std::move(x.x));
    return out;
  }

private:
  enum top_field { none, version_field, entries_field, vv_field };
  enum class entries_state { absent, null, not_object, object };

  // A scalar value at the current position: records what the snapshot
  // needs and returns the entry field to fill, if it is one.
  field* scalar(field::kind type) {
    if (depth_ == 0)
      return nullptr; // the whole document: not an object
    if (depth_ == 1 && target_ == vv_field) {
      vv_.clear();
      vv_bad_ = type != field::kind::null;
      return nullptr;
    }
    if (in_vv_) {
      vv_scalar(type);
      return depth_ == 3 && !vv_bad_ ? &vv_item_[vv_filled_ - 1] : nullptr;
    }
    if (depth_ == 1) {
      if (target_ == version_field) {
        version_ = field{};
        version_.type = type;
        return &version_;
      }
      if (target_ == entries_field)
        begin_entries(type == field::kind::null ? entries_state::null
                                                : entries_state::not_object);
      return nullptr;
    }
    if (depth_ == 2 && in_entries_) {
      add_bad_entry();
      return nullptr;
    }
    if (depth_ == 3 && in_entry_ && field_ != nullptr) {
      *field_ = field{};
      field_->type = type;
      return field_;
    }
    return nullptr;
  }

  bool open(bool object) {
    if (in_vv_ || (depth_ == 1 && target_ == vv_field)) {
      vv_open(object);
      ++depth_;
      return true;
    }
    if (depth_ == 0) {
      top_is_object_ = object;
    } else if (depth_ == 1 && target_ == version_field) {
      version_ = field{};
      version_.type = field::kind::other;
    } else if (depth_ == 1 && target_ == entries_field) {
      begin_entries(object ? entries_state::object : entries_state::not_object);
      in_entries_ = object;
    } else if (depth_ == 2 && in_entries_) {
      if (object) {
        in_entry_ = true;
        fields_ = entry_fields{};
      } else {
        add_bad_entry();
      }
    } else if (depth_ == 3 && in_entry_ && field_ != nullptr) {
      *field_ = field{};
      field_->type = field::kind::other;
      field_ = nullptr;
    }
    ++depth_;
    return true;
  }

  bool close() {
    --depth_;
    if (in_vv_) {
      vv_close();
      return true;
    }
    if (depth_ == 2 && in_entry_) {
      in_entry_ = false;
      read_entry x;
      x.x.key = std::move(entry_key_);
      x.err = to_event(fields_, x.x);
      keep(std::move(x));
    } else if (depth_ == 1 && in_entries_) {
      in_entries_ = false;
    }
    return true;
  }

  // -- the version vector: [[origin, inc, seq], ...] ---------------------

  void vv_open(bool object) {
    if (depth_ == 1) { // a later "vv" replaces an earlier one
      in_vv_ = true;
      vv_.clear();
      vv_bad_ = object;
    } else if (depth_ == 2 && !object) {
      vv_filled_ = 0;
    } else {
      vv_bad_ = true;
    }
  }

  void vv_scalar(field::kind type) {
    if (depth_ != 3 || vv_filled_ == 3) {
      vv_bad_ = true;
      return;
    }
    vv_item_[vv_filled_] = field{};
    vv_item_[vv_filled_++].type = type;
  }

  void vv_close() {
    if (depth_ == 1) {
      in_vv_ = false;
    } else if (depth_ == 2 && !vv_bad_) {
      auto& f = vv_item_;
      if (vv_filled_ != 3 || f[0].type != field::kind::string
          || f[1].type != field::kind::unsigned_int
          || f[2].type != field::kind::unsigned_int)
        vv_bad_ = true;
      else
        vv_.push_back({std::move(f[0].text), f[1].number, f[2].number});
    }
  }

  // A later "entries" replaces an earlier one, as in a parsed document.
  void begin_entries(entries_state state) {
    entries_ = state;
    read_.clear();
    slots_.clear();
    ascending_ = true;
  }

  void add_bad_entry() {
    read_entry x;
    x.x.key = std::move(entry_key_);
    x.err = fail("a snapshot entry is not an object");
    keep(std::move(x));
  }

  // Keeps `x`, replacing an earlier entry of its key in that one's place.
  // While keys arrive in ascending order, as podshare writes them, none can
  // repeat: the index of keys is built only once one does not.
  void keep(read_entry&& x) {
    if (ascending_) {
      if (read_.empty() || read_.back().x.key < x.x.key) {
        read_.push_back(std::move(x));
        return;
      }
      ascending_ = false;
      slots_.reserve(2 * read_.size());
      for (size_t i = 0; i < read_.size(); ++i)
        slots_.emplace(read_[i].x.key, i);
    }
    auto i = slots_.find(x.x.key);
    if (i != slots_.end()) {
      // The key stays: the slot's map key views it.
      auto& slot = read_[i->second];
      slot.err = std::move(x.err);
      slot.x.kind = x.x.kind;
      slot.x.value = std::move(x.x.value);
      slot.x.version = std::move(x.x.version);
      return;
    }
    read_.push_back(std::move(x));
    slots_.emplace(read_.back().x.key, read_.size() - 1);
  }

  size_t depth_ = 0;
  bool top_is_object_ = false;
  top_field target_ = none;
  field version_;
  entries_state entries_ = entries_state::absent;
  bool in_entries_ = false;
  bool in_entry_ = false;
  std::string entry_key_;
  entry_fields fields_;
  field* field_ = nullptr;
  // Entries in the order of the text; a deque never moves them, so the
  // index can view their keys.
  std::deque<read_entry> read_;
  bool ascending_ = true;
  std::unordered_map<std::string_view, size_t> slots_;
  bool in_vv_ = false;
  bool vv_bad_ = false;
  field vv_item_[3];
  size_t vv_filled_ = 0;
  std::vector<applied_writes> vv_;
  caf::error error_;
};

} // namespace

void begin_json_snapshot(bytes& out) {
  append(out, R"({"v":)");
  append(out, std::to_string(wire::protocol_version));
  append(out, R"(,"entries":{)");
}

void add_json_snapshot_entry(bytes& out, const wire::entry_view& x,
                             bool first) {
  // Field order as the spec and Go's struct write them.
  if (!first)
    out.push_back(',');
  append_string(out, x.key);
  out.push_back(':');
  out.push_back('{');
  if (!x.tombstone()) {
    append(out, R"("value":")");
    append(out, base64_encode(*x.value));
    append(out, R"(",)");
  }
  append(out, R"("timestamp":")");
  append(out, format_rfc3339(x.timestamp));
  append(out, R"(","origin":)");
  append_string(out, x.origin);
  if (x.tombstone())
    append(out, R"(,"tombstone":true)");
  append(out, R"(,"seq":)");
  append(out, std::to_string(x.seq));
  if (x.incarnation != 0) {
    append(out, R"(,"inc":)");
    append(out, std::to_string(x.incarnation));
  }
  out.push_back('}');
}

void end_json_snapshot(bytes& out, const std::vector<applied_writes>& applied) {
  out.push_back('}');
  if (!applied.empty()) {
    append(out, R"(,"vv":[)");
    for (size_t i = 0; i < applied.size(); ++i) {
      if (i > 0)
        out.push_back(',');
      out.push_back('[');
      append_string(out, applied[i].origin);
      out.push_back(',');
      append(out, std::to_string(applied[i].incarnation));
      out.push_back(',');
      append(out, std::to_string(applied[i].seq));
      out.push_back(']');
    }
    out.push_back(']');
  }
  out.push_back('}');
}

caf::expected<std::vector<event>>
decode_json_snapshot(const uint8_t* data, size_t size,
                     std::vector<applied_writes>& applied) {
  if (!depth_within_limit(data, size))
    return fail("JSON nested too deeply");
  snapshot_reader reader;
  try {
    json::sax_parse(data, data + size, &reader);
  } catch (const std::exception& ex) {
    // The SAX parser reports through `parse_error`; this is for the rest.
    return fail(std::string{ex.what()}.substr(0, 160));
  }
  return reader.result(applied);
}

} // namespace podshare::detail
