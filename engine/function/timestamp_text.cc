#include "engine/function/timestamp_text.h"

#include <fmt/format.h>

#include "engine/function/java_time.h"

namespace eddy {

Result<TimestampTextParser> TimestampTextParser::Make(const std::string& pattern) {
  ASSIGN_OR_RETURN(javatime::Pattern p, javatime::Pattern::Compile(pattern, javatime::Dialect::kFormatter));
  TimestampTextParser out;
  out.pattern_ = std::make_shared<const javatime::Pattern>(std::move(p));
  out.pattern_text_ = pattern;
  return out;
}

Result<int64_t> TimestampTextParser::Parse(std::string_view text) const {
  static const javatime::ZonePtr utc = javatime::Utc();
  return pattern_->Parse(text, *utc);
}

namespace {

// ksqlDB's default time pattern, whose letters become zeros where a partial time stops.
constexpr std::string_view kTimePattern = "HH:mm:ss.SSS";

std::string CompleteTime(std::string_view time) {
  std::string out(time);
  if (out.size() >= kTimePattern.size()) return out;
  for (size_t i = out.size(); i < kTimePattern.size(); ++i) {
    char c = kTimePattern[i];
    out.push_back((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? '0' : c);
  }
  return out;
}

// Java's String.split("-"): trailing empty parts are dropped.
size_t DashParts(std::string_view s) {
  size_t end = s.size();
  while (end > 0 && s[end - 1] == '-') --end;
  if (end == 0) return s.empty() ? 1 : 0;
  size_t parts = 1;
  for (size_t i = 0; i < end; ++i)
    if (s[i] == '-') ++parts;
  return parts;
}

std::string CompleteDate(std::string_view date) {
  size_t parts = DashParts(date);
  if (parts == 1) return std::string(date) + "-01-01";
  if (parts == 2) return std::string(date) + "-01";
  return std::string(date);  // complete, or wrong in a way the parser reports
}

// The zone at the end of a time: from the first '+', else from the first '-'.
std::string_view TimezoneOf(std::string_view time) {
  size_t at = time.find('+');
  if (at == std::string_view::npos) at = time.find('-');
  return at == std::string_view::npos ? std::string_view() : time.substr(at);
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

Result<int64_t> ParsePartialTimestamp(std::string_view text) {
  static const Result<javatime::Pattern> pattern =
      javatime::Pattern::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS", javatime::Dialect::kFormatter);
  std::string date, time;
  std::string zone;
  size_t t = text.find('T');
  if (t != std::string_view::npos) {
    date = std::string(text.substr(0, t));
    std::string with_zone = CompleteTime(text.substr(t + 1));
    zone = std::string(TimezoneOf(with_zone));
    time = CompleteTime(std::string_view(with_zone).substr(0, with_zone.size() - zone.size()));
  } else {
    date = CompleteDate(text);
    time = CompleteTime("");
  }
  auto fail = [&](const std::string& why) {
    return Status::Invalid(fmt::format(
        "Failed to parse timestamp '{}': {}\nRequired format is: \"yyyy-MM-dd'T'HH:mm:ss.SSS\", with an optional "
        "numeric 4-digit timezone, for example: '2020-05-26T23.59.58.000' or with tz: "
        "'2020-05-26T23.59.58.000+0200'. Partials are also supported, for example \"2020-05-26\"",
        text, why));
  };
  Result<javatime::ZonePtr> z = javatime::ZoneOf(Blank(zone) ? std::string("+0000") : zone);
  if (!z.ok()) return fail(fmt::format("Failed to parse timezone '{}': {}", zone, z.status().message()));
  if (!pattern.ok()) return fail(pattern.status().message());
  Result<int64_t> ms = pattern.value().Parse(date + "T" + time, *z.value());
  if (!ms.ok()) return fail(ms.status().message());
  return ms.value();
}

}  // namespace eddy
