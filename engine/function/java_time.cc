#include "engine/function/java_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "engine/function/temporal.h"

namespace eddy::javatime {
namespace {

constexpr int64_t kDaySeconds = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

std::string OffsetId(int32_t off) {
  if (off == 0) return "Z";
  int32_t a = std::abs(off);
  std::string s = fmt::format("{}{:02}:{:02}", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  if (a % 60) s += fmt::format(":{:02}", a % 60);
  return s;
}

class FixedZone final : public Zone {
 public:
  FixedZone(std::string id, int32_t offset) : Zone(std::move(id)), offset_(offset) {}
  int32_t OffsetAt(int64_t) const override { return offset_; }
  std::string AbbrevAt(int64_t) const override { return id() == "UTC" || id() == "GMT" ? id() : OffsetId(offset_); }

 private:
  int32_t offset_;
};

// A region zone from a TZif file: transitions and the local time types between them.
class RegionZone final : public Zone {
 public:
  struct Type {
    int32_t offset;
    std::string abbrev;
  };
  RegionZone(std::string id, std::vector<int64_t> times, std::vector<uint8_t> idx, std::vector<Type> types)
      : Zone(std::move(id)), times_(std::move(times)), idx_(std::move(idx)), types_(std::move(types)) {
    // Before the first transition: the first standard type (as zic writes type 0).
    initial_ = 0;
  }
  int32_t OffsetAt(int64_t t) const override { return TypeAt(t).offset; }
  std::string AbbrevAt(int64_t t) const override { return TypeAt(t).abbrev; }

 private:
  const Type& TypeAt(int64_t t) const {
    auto it = std::upper_bound(times_.begin(), times_.end(), t);
    if (it == times_.begin()) return types_[initial_];
    return types_[idx_[static_cast<size_t>(it - times_.begin() - 1)]];
  }
  std::vector<int64_t> times_;
  std::vector<uint8_t> idx_;
  std::vector<Type> types_;
  size_t initial_;
};

uint32_t Be32(const unsigned char* p) { return (uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }
int64_t Be64(const unsigned char* p) {
  return static_cast<int64_t>((static_cast<uint64_t>(Be32(p)) << 32) | Be32(p + 4));
}

std::optional<ZonePtr> LoadTzif(const std::string& id) {
  if (id.empty() || id.find("..") != std::string::npos || id[0] == '/') return std::nullopt;
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + id;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n < 44 || data.compare(0, 4, "TZif") != 0) return std::nullopt;
  auto counts = [&](size_t at, uint32_t c[6]) {
    for (int i = 0; i < 6; ++i) c[i] = Be32(p + at + 20 + 4 * i);
  };
  uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  counts(0, c);
  size_t at = 44;
  int time_size = 4;
  if (data[4] >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    at += c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
    if (at + 44 > n) return std::nullopt;
    counts(at, c);
    at += 44;
    time_size = 8;
  }
  size_t need = at + c[3] * time_size + c[3] + c[4] * 6 + c[5];
  if (need > n || c[4] == 0) return std::nullopt;
  std::vector<int64_t> times(c[3]);
  for (uint32_t i = 0; i < c[3]; ++i)
    times[i] = time_size == 8 ? Be64(p + at + 8 * i) : static_cast<int32_t>(Be32(p + at + 4 * i));
  at += c[3] * time_size;
  std::vector<uint8_t> idx(p + at, p + at + c[3]);
  at += c[3];
  std::vector<RegionZone::Type> types;
  size_t abbr_at = at + c[4] * 6;
  for (uint32_t i = 0; i < c[4]; ++i) {
    const unsigned char* t = p + at + 6 * i;
    size_t ai = t[5];
    std::string abbrev;
    for (size_t k = abbr_at + ai; k < abbr_at + c[5] && p[k]; ++k) abbrev += static_cast<char>(p[k]);
    types.push_back({static_cast<int32_t>(Be32(t)), abbrev});
  }
  for (uint8_t i : idx)
    if (i >= types.size()) return std::nullopt;
  return std::make_shared<RegionZone>(id, std::move(times), std::move(idx), std::move(types));
}

// "+h", "+hh", "+hh:mm", "+hhmm", "+hh:mm:ss", "+hhmmss" (Java's ZoneOffset.of).
std::optional<int32_t> ParseOffset(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int sign = s[0] == '-' ? -1 : 1;
  std::string_view d = s.substr(1);
  auto two = [](std::string_view x, size_t i) -> int {
    if (i + 2 > x.size() || !std::isdigit(static_cast<unsigned char>(x[i])) ||
        !std::isdigit(static_cast<unsigned char>(x[i + 1])))
      return -1;
    return (x[i] - '0') * 10 + (x[i + 1] - '0');
  };
  int h = 0, m = 0, sec = 0;
  if (d.size() == 1 && std::isdigit(static_cast<unsigned char>(d[0]))) h = d[0] - '0';
  else if (d.size() == 2) h = two(d, 0);
  else if (d.size() == 5 && d[2] == ':') h = two(d, 0), m = two(d, 3);
  else if (d.size() == 4) h = two(d, 0), m = two(d, 2);
  else if (d.size() == 8 && d[2] == ':' && d[5] == ':') h = two(d, 0), m = two(d, 3), sec = two(d, 6);
  else if (d.size() == 6) h = two(d, 0), m = two(d, 2), sec = two(d, 4);
  else return std::nullopt;
  if (h < 0 || m < 0 || sec < 0 || h > 18 || m > 59 || sec > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60 + sec);
}

Result<ZonePtr> MakeZone(const std::string& id) {
  if (id == "Z" || id == "UTC" || id == "GMT" || id == "UT") return ZonePtr(std::make_shared<FixedZone>(id == "Z" ? "Z" : id, 0));
  if (id[0] == '+' || id[0] == '-') {
    if (auto off = ParseOffset(id)) return ZonePtr(std::make_shared<FixedZone>(OffsetId(*off), *off));
    return Status::Invalid(fmt::format("Invalid ID for ZoneOffset, invalid format: {}", id));
  }
  for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
    if (id.size() > prefix.size() && id.compare(0, prefix.size(), prefix) == 0 &&
        (id[prefix.size()] == '+' || id[prefix.size()] == '-')) {
      if (auto off = ParseOffset(std::string_view(id).substr(prefix.size())))
        return ZonePtr(std::make_shared<FixedZone>(std::string(prefix) + OffsetId(*off), *off));
      return Status::Invalid(fmt::format("Invalid ID for offset-based ZoneId: {}", id));
    }
  }
  if (auto z = LoadTzif(id)) return *z;
  return Status::Invalid(fmt::format("Unknown time-zone ID: {}", id));
}

const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};
const char* const kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// Common zone abbreviations a pattern's 'z' reads, as Java maps them to regions.
const std::pair<const char*, const char*> kZoneNames[] = {
    {"UTC", "UTC"},           {"GMT", "GMT"},           {"Z", "UTC"},
    {"PST", "America/Los_Angeles"}, {"PDT", "America/Los_Angeles"}, {"MST", "America/Denver"},
    {"MDT", "America/Denver"}, {"CST", "America/Chicago"}, {"CDT", "America/Chicago"},
    {"EST", "America/New_York"}, {"EDT", "America/New_York"}, {"BST", "Europe/London"},
    {"CET", "Europe/Paris"},   {"CEST", "Europe/Paris"},  {"IST", "Asia/Kolkata"},
    {"JST", "Asia/Tokyo"},     {"AEST", "Australia/Sydney"}, {"AEDT", "Australia/Sydney"}};

bool IsTimeLetter(char c) { return std::strchr("HhkKmsSnaA", c) != nullptr; }

struct Fields {
  int64_t year = 1970;
  int month = 1, day = 1, doy = 0;
  int hour = 0, hour12 = -1, minute = 0, second = 0;
  int64_t nanos = 0;
  int ampm = -1;
  std::optional<int32_t> offset;
  ZonePtr zone;
};

bool IEquals(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != std::tolower(static_cast<unsigned char>(word[i])))
      return false;
  return true;
}

bool IsNumeric(const Token& t, Dialect d) {
  if (!t.letter) return false;
  if ((t.letter == 'M' || t.letter == 'L') && t.count >= 3) return false;
  if (d == Dialect::kSimple && t.letter == 'u') return true;
  return std::strchr("yuMLdDhHkKmsSn", t.letter) != nullptr;
}

}  // namespace

int32_t Zone::OffsetForLocal(int64_t local) const {
  // Try the offsets around the local time; prefer the earlier (larger) valid one.
  int32_t before = OffsetAt(local - kDaySeconds), after = OffsetAt(local + kDaySeconds);
  int32_t a = std::max(before, after), b = std::min(before, after);
  if (OffsetAt(local - a) == a) return a;
  if (OffsetAt(local - b) == b) return b;
  return before;  // a gap: the offset before it pushes the time forward
}

ZonePtr Utc() {
  static const ZonePtr utc = std::make_shared<FixedZone>("UTC", 0);
  return utc;
}

Result<ZonePtr> ZoneOf(std::string_view id_view) {
  static std::mutex mu;
  static std::unordered_map<std::string, ZonePtr> cache;
  std::string id(id_view);
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(id);
    if (it != cache.end()) return it->second;
  }
  ASSIGN_OR_RETURN(ZonePtr z, MakeZone(id));
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() < 1000) cache.emplace(id, z);
  return z;
}

Result<Pattern> Pattern::Compile(std::string_view p, Dialect dialect) {
  Pattern out;
  out.dialect_ = dialect;
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == '\'') {
      if (i + 1 < p.size() && p[i + 1] == '\'') {
        out.tokens_.push_back({0, 0, "'"});
        i += 2;
        continue;
      }
      std::string lit;
      size_t j = i + 1;
      bool closed = false;
      while (j < p.size()) {
        if (p[j] == '\'') {
          if (j + 1 < p.size() && p[j + 1] == '\'') {
            lit += '\'';
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        lit += p[j++];
      }
      if (!closed) return Status::Invalid(fmt::format("Pattern ends with an incomplete string literal: {}", p));
      out.tokens_.push_back({0, 0, lit});
      i = j + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      if (!std::strchr("GyuMLdDEahHkKmsSnzZXxVO", c))
        return Status::Invalid(fmt::format("Unknown pattern letter: {}", c));
      size_t j = i;
      while (j < p.size() && p[j] == c) ++j;
      out.tokens_.push_back({c, static_cast<int>(j - i), ""});
      i = j;
    } else if (dialect == Dialect::kFormatter && (c == '[' || c == ']' || c == '{' || c == '}' || c == '#')) {
      return Status::Invalid(fmt::format("Pattern character '{}' is not supported: {}", c, p));
    } else {
      if (!out.tokens_.empty() && !out.tokens_.back().letter) out.tokens_.back().literal += c;
      else out.tokens_.push_back({0, 0, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

bool Pattern::has_time_field() const {
  for (const Token& t : tokens_)
    if (t.letter && IsTimeLetter(t.letter)) return true;
  return false;
}

std::string Pattern::Format(int64_t ms, const Zone& zone) const {
  int64_t secs = FloorDiv(ms, 1000);
  int32_t off = zone.OffsetAt(secs);
  int64_t local = ms + static_cast<int64_t>(off) * 1000;
  int64_t days = FloorDiv(local, kDaySeconds * 1000);
  int64_t ms_of_day = local - days * kDaySeconds * 1000;
  int64_t y;
  unsigned m, d;
  temporal::CivilFromDays(days, &y, &m, &d);
  int dow = static_cast<int>(FloorMod(days + 3, 7));  // 1970-01-01 was a Thursday (Monday = 0)
  int doy = static_cast<int>(days - temporal::DaysFromCivil(y, 1, 1) + 1);
  int hour = static_cast<int>(ms_of_day / 3600000), minute = static_cast<int>(ms_of_day / 60000 % 60);
  int second = static_cast<int>(ms_of_day / 1000 % 60), millis = static_cast<int>(ms_of_day % 1000);
  std::string out;
  auto pad = [&out](int64_t v, int width) {
    if (v < 0) {
      out += '-';
      v = -v;
    }
    out += fmt::format("{:0{}}", v, width);
  };
  auto offset = [&out](int32_t o, bool colon, bool z_for_zero, bool minutes_if_needed) {
    if (o == 0 && z_for_zero) {
      out += 'Z';
      return;
    }
    int32_t a = std::abs(o);
    out += o < 0 ? '-' : '+';
    out += fmt::format("{:02}", a / 3600);
    if (!minutes_if_needed || a / 60 % 60) out += fmt::format("{}{:02}", colon ? ":" : "", a / 60 % 60);
  };
  for (const Token& t : tokens_) {
    switch (t.letter) {
      case 0: out += t.literal; break;
      case 'G': out += y > 0 ? "AD" : "BC"; break;
      case 'y':
      case 'u':
        if (t.letter == 'u' && dialect_ == Dialect::kSimple) {
          pad(dow + 1, t.count);
        } else if (t.count == 2) {
          pad(FloorMod(y, 100), 2);
        } else {
          pad(y, t.count);
        }
        break;
      case 'M':
      case 'L':
        if (t.count >= 4) out += kMonths[m - 1];
        else if (t.count == 3) out += std::string_view(kMonths[m - 1]).substr(0, 3);
        else pad(m, t.count);
        break;
      case 'd': pad(d, t.count); break;
      case 'D': pad(doy, t.count); break;
      case 'E': out += t.count >= 4 ? std::string(kDays[dow]) : std::string(std::string_view(kDays[dow]).substr(0, 3)); break;
      case 'a': out += hour < 12 ? "AM" : "PM"; break;
      case 'H': pad(hour, t.count); break;
      case 'k': pad(hour == 0 ? 24 : hour, t.count); break;
      case 'K': pad(hour % 12, t.count); break;
      case 'h': pad(hour % 12 == 0 ? 12 : hour % 12, t.count); break;
      case 'm': pad(minute, t.count); break;
      case 's': pad(second, t.count); break;
      case 'S':
        if (dialect_ == Dialect::kSimple) {
          pad(millis, t.count);
        } else {
          std::string frac = fmt::format("{:03}000000", millis);
          out += t.count <= 9 ? frac.substr(0, static_cast<size_t>(t.count)) : frac + std::string(t.count - 9, '0');
        }
        break;
      case 'n': pad(static_cast<int64_t>(millis) * 1000000, t.count); break;
      case 'z': out += zone.AbbrevAt(secs); break;
      case 'V': out += zone.id(); break;
      case 'O':
        out += "GMT";
        if (off) {
          int32_t a = std::abs(off);
          out += fmt::format("{}{}", off < 0 ? '-' : '+', a / 3600);
          if (t.count == 4 || a / 60 % 60) out += fmt::format(":{:02}", a / 60 % 60);
        }
        break;
      case 'Z':
        if (t.count <= 3) offset(off, false, false, false);
        else if (t.count == 4) {
          out += "GMT";
          if (off) offset(off, true, false, false);
        } else offset(off, true, true, false);
        break;
      case 'X':
      case 'x': {
        bool z = t.letter == 'X';
        if (t.count == 1) offset(off, false, z, true);
        else offset(off, t.count == 3 || t.count == 5, z, false);
        break;
      }
    }
  }
  return out;
}

Result<int64_t> Pattern::Parse(std::string_view text, const Zone& default_zone) const {
  Fields f;
  size_t at = 0;
  auto fail = [&text](size_t pos) {
    return Status::Invalid(fmt::format("Text '{}' could not be parsed at index {}", text, pos));
  };
  for (size_t ti = 0; ti < tokens_.size(); ++ti) {
    const Token& t = tokens_[ti];
    if (!t.letter) {
      if (!IEquals(text, at, t.literal)) return fail(at);
      at += t.literal.size();
      continue;
    }
    bool next_numeric = ti + 1 < tokens_.size() && IsNumeric(tokens_[ti + 1], dialect_);
    if (IsNumeric(t, dialect_)) {
      // Widths: SimpleDateFormat reads exactly `count` digits when another number follows
      // directly, else any number; DateTimeFormatter reads exactly 2 for a doubled letter, 1 or
      // 2 for a single one, and `count` or more for years.
      size_t min = 1, max = 19;
      bool year = t.letter == 'y' || (t.letter == 'u' && dialect_ == Dialect::kFormatter);
      if (dialect_ == Dialect::kSimple) {
        if (next_numeric) min = max = static_cast<size_t>(t.count);
      } else if (year) {
        if (t.count == 2) min = max = 2;
        else {
          min = static_cast<size_t>(t.count);
          if (next_numeric) max = min;
        }
      } else if (t.letter == 'S') {
        min = max = static_cast<size_t>(t.count);
      } else if (t.count >= 2) {
        min = max = static_cast<size_t>(t.count);
      } else {
        max = t.letter == 'D' ? 3 : 2;
        if (next_numeric) max = 1;
      }
      bool neg = year && at < text.size() && (text[at] == '-' || text[at] == '+') && t.count > 2;
      size_t start = at + (neg ? 1 : 0), j = start;
      while (j < text.size() && j - start < max && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
      if (j - start < min || j == start) return fail(at);
      int64_t v = 0;
      for (size_t k = start; k < j; ++k) v = v * 10 + (text[k] - '0');
      if (neg && text[at] == '-') v = -v;
      size_t digits = j - start;
      at = j;
      switch (t.letter) {
        case 'y':
        case 'u':
          if (t.letter == 'u' && dialect_ == Dialect::kSimple) break;  // day of week: ignored
          if (t.count == 2 && digits == 2) v += dialect_ == Dialect::kSimple && v >= 50 ? 1900 : 2000;
          f.year = v;
          break;
        case 'M':
        case 'L': f.month = static_cast<int>(v); break;
        case 'd': f.day = static_cast<int>(v); break;
        case 'D': f.doy = static_cast<int>(v); break;
        case 'H': f.hour = static_cast<int>(v); break;
        case 'k': f.hour = static_cast<int>(v % 24); break;
        case 'K':
        case 'h': f.hour12 = static_cast<int>(v % 12); break;
        case 'm': f.minute = static_cast<int>(v); break;
        case 's': f.second = static_cast<int>(v); break;
        case 'S':
          if (dialect_ == Dialect::kSimple) {
            f.nanos = v * 1000000;
          } else {
            int64_t n = v;
            for (size_t k = digits; k < 9; ++k) n *= 10;
            f.nanos = n;
          }
          break;
        case 'n': f.nanos = v; break;
      }
      continue;
    }
    switch (t.letter) {
      case 'G':
        if (IEquals(text, at, "AD")) at += 2;
        else if (IEquals(text, at, "BC")) at += 2;
        else return fail(at);
        break;
      case 'M':
      case 'L': {
        int found = -1;
        size_t len = 0;
        for (int i = 0; i < 12 && found < 0; ++i) {
          std::string_view full = kMonths[i];
          bool want_full = t.count >= 4 || dialect_ == Dialect::kSimple;
          if (want_full && IEquals(text, at, full)) found = i, len = full.size();
          else if ((t.count == 3 || dialect_ == Dialect::kSimple) && IEquals(text, at, full.substr(0, 3)))
            found = i, len = 3;
        }
        if (found < 0) return fail(at);
        f.month = found + 1;
        at += len;
        break;
      }
      case 'E': {
        bool ok = false;
        for (std::string_view day : kDays) {
          if (IEquals(text, at, day)) {
            at += day.size();
            ok = true;
            break;
          }
          if (IEquals(text, at, day.substr(0, 3))) {
            at += 3;
            ok = true;
            break;
          }
        }
        if (!ok) return fail(at);
        break;
      }
      case 'a':
        if (IEquals(text, at, "AM")) f.ampm = 0;
        else if (IEquals(text, at, "PM")) f.ampm = 1;
        else return fail(at);
        at += 2;
        break;
      case 'z':
      case 'V': {
        // A region id (letters, '/', '_'), or a known abbreviation, or an offset.
        size_t j = at;
        while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '/' ||
                                   text[j] == '_' || text[j] == '+' || text[j] == '-' || text[j] == ':'))
          ++j;
        std::string word(text.substr(at, j - at));
        std::string upper = word;
        for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        ZonePtr z;
        for (const auto& [abbr, region] : kZoneNames) {
          if (upper == abbr) {
            Result<ZonePtr> r = ZoneOf(region);
            if (r.ok()) z = r.value();
            break;
          }
        }
        if (!z) {
          Result<ZonePtr> r = ZoneOf(word);
          if (!r.ok()) return fail(at);
          z = r.value();
        }
        f.zone = z;
        at = j;
        break;
      }
      case 'O':
      case 'Z':
      case 'X':
      case 'x': {
        if (IEquals(text, at, "GMT")) at += 3;
        if ((t.letter == 'X' || t.letter == 'Z') && at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
          f.offset = 0;
          ++at;
          break;
        }
        if (at >= text.size() || (text[at] != '+' && text[at] != '-')) {
          if (t.letter == 'O' || (t.letter == 'Z' && t.count == 4)) {
            f.offset = 0;
            break;
          }
          return fail(at);
        }
        size_t j = at + 1;
        while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ':') && j - at < 9)
          ++j;
        auto o = ParseOffset(text.substr(at, j - at));
        if (!o) return fail(at);
        f.offset = *o;
        at = j;
        break;
      }
    }
  }
  if (dialect_ == Dialect::kFormatter && at != text.size()) {
    return Status::Invalid(fmt::format("Text '{}' could not be parsed, unparsed text found at index {}", text, at));
  }
  if (f.hour12 >= 0) f.hour = f.hour12 + (f.ampm == 1 ? 12 : 0);
  else if (f.ampm == 1 && f.hour < 12) f.hour += 12;
  if (f.month < 1 || f.month > 12 || f.hour > 23 || f.minute > 59 || f.second > 59)
    return Status::Invalid(fmt::format("Text '{}' could not be parsed: a field is out of range", text));
  int64_t days;
  if (f.doy > 0) {
    days = temporal::DaysFromCivil(f.year, 1, 1) + f.doy - 1;
  } else {
    static const int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0;
    int max_day = f.month == 2 && !leap ? 28 : kMonthDays[f.month - 1];
    if (f.day < 1 || f.day > max_day)
      return Status::Invalid(fmt::format("Text '{}' could not be parsed: Invalid date", text));
    days = temporal::DaysFromCivil(f.year, static_cast<unsigned>(f.month), static_cast<unsigned>(f.day));
  }
  int64_t local = days * kDaySeconds + f.hour * 3600 + f.minute * 60 + f.second;
  int32_t off = f.offset ? *f.offset : f.zone ? f.zone->OffsetForLocal(local) : default_zone.OffsetForLocal(local);
  return (local - off) * 1000 + f.nanos / 1000000;
}

Result<const Pattern*> CachedPattern(const std::string& pattern, Dialect dialect) {
  thread_local std::unordered_map<std::string, std::unique_ptr<Pattern>> cache[2];
  auto& c = cache[static_cast<int>(dialect)];
  auto it = c.find(pattern);
  if (it != c.end()) return it->second.get();
  ASSIGN_OR_RETURN(Pattern p, Pattern::Compile(pattern, dialect));
  if (c.size() >= 1000) c.clear();
  auto owned = std::make_unique<Pattern>(std::move(p));
  const Pattern* raw = owned.get();
  c.emplace(pattern, std::move(owned));
  return raw;
}

}  // namespace eddy::javatime
