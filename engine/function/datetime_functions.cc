// ksqlDB's date and time UDFs (function/udf/datetime). Patterns: engine/function/java_time.h.
// DATE and TIME functions use SimpleDateFormat patterns in GMT (as ksqlDB's FastDateFormat),
// TIMESTAMP functions DateTimeFormatter patterns in a zone (default UTC). A pattern or text that
// does not parse makes the call NULL with a processing-log entry, in ksqlDB's words.
#include <cctype>
#include <chrono>

#include "engine/function/builtin_util.h"
#include "engine/function/java_time.h"
#include "engine/function/temporal.h"

namespace eddy {
namespace {

using javatime::Dialect;

constexpr int64_t kDayMs = 86400 * 1000;

// Resolves the zone argument at `i` (UTC when absent).
Result<javatime::ZonePtr> ZoneArg(const Value* v, size_t n, size_t i) {
  if (n <= i) return javatime::Utc();
  return javatime::ZoneOf(v[i].as_string());
}

Result<std::string> FormatMillis(int64_t ms, const std::string& pattern, Dialect d, const javatime::Zone& zone) {
  ASSIGN_OR_RETURN(const javatime::Pattern* p, javatime::CachedPattern(pattern, d));
  return p->Format(ms, zone);
}

// DATE / TIME text: SimpleDateFormat in GMT. kind: "date" or "time".
Value ParseLocal(const Value* v, const char* kind, EvalContext& ctx, bool date) {
  const std::string& text = v[0].as_string();
  const std::string& pattern = v[1].as_string();
  auto fail = [&](const std::string& why) {
    ctx.Fail(fmt::format("Failed to parse {} '{}' with formatter '{}': {}", kind, text, pattern, why));
    return Value();
  };
  Result<const javatime::Pattern*> p = javatime::CachedPattern(pattern, Dialect::kSimple);
  if (!p.ok()) return fail(p.status().message());
  Result<int64_t> ms = p.value()->Parse(text, *javatime::Utc());
  if (!ms.ok()) return fail(ms.status().message());
  if (date) {
    if (ms.value() % kDayMs != 0) return fail("Date format contains time field.");
    return Value::Dt(static_cast<int32_t>(ms.value() / kDayMs));
  }
  if (ms.value() < 0 || ms.value() >= kDayMs) return fail("Time format contains date field.");
  return Value::Tm(static_cast<int32_t>(ms.value()));
}

Value ParseDate(const Value* v, size_t, EvalContext& ctx) { return ParseLocal(v, "date", ctx, true); }
Value ParseTime(const Value* v, size_t, EvalContext& ctx) { return ParseLocal(v, "time", ctx, false); }
Value StringToDate(const Value* v, size_t n, EvalContext& ctx) {
  Value d = ParseDate(v, n, ctx);
  return d.is_null() ? d : Value::Int(d.as_date());
}

Value FormatLocal(int64_t ms, const std::string& pattern, const char* kind, EvalContext& ctx) {
  Result<std::string> s = FormatMillis(ms, pattern, Dialect::kSimple, *javatime::Utc());
  if (!s.ok()) {
    ctx.Fail(fmt::format("Failed to format {} with formatter '{}': {}", kind, pattern, s.status().message()));
    return Value();
  }
  return Value::String(std::move(s).value());
}

Value FormatDate(const Value* v, size_t, EvalContext& ctx) {
  return FormatLocal(static_cast<int64_t>(v[0].as_date()) * kDayMs, v[1].as_string(), "date", ctx);
}
Value DateToString(const Value* v, size_t, EvalContext& ctx) {
  return FormatLocal(static_cast<int64_t>(v[0].as_int()) * kDayMs, v[1].as_string(), "date", ctx);
}
Value FormatTime(const Value* v, size_t, EvalContext& ctx) {
  return FormatLocal(v[0].as_time(), v[1].as_string(), "time", ctx);
}

// TIMESTAMP text: DateTimeFormatter in a zone.
Value ParseTs(const Value* v, size_t n, EvalContext& ctx, bool as_bigint) {
  const std::string& text = v[0].as_string();
  const std::string& pattern = v[1].as_string();
  auto fail = [&](const std::string& why) {
    ctx.Fail(fmt::format("Failed to parse timestamp '{}' at timezone '{}' with formatter '{}': {}", text,
                         n > 2 ? v[2].as_string() : "UTC", pattern, why));
    return Value();
  };
  Result<javatime::ZonePtr> zone = ZoneArg(v, n, 2);
  if (!zone.ok()) return fail(zone.status().message());
  Result<const javatime::Pattern*> p = javatime::CachedPattern(pattern, Dialect::kFormatter);
  if (!p.ok()) return fail(p.status().message());
  Result<int64_t> ms = p.value()->Parse(text, *zone.value());
  if (!ms.ok()) return fail(ms.status().message());
  return as_bigint ? Value::Bigint(ms.value()) : Value::Ts(ms.value());
}
Value ParseTimestamp(const Value* v, size_t n, EvalContext& ctx) { return ParseTs(v, n, ctx, false); }
Value StringToTimestamp(const Value* v, size_t n, EvalContext& ctx) { return ParseTs(v, n, ctx, true); }

Value FormatTs(int64_t ms, const Value* v, size_t n, EvalContext& ctx) {
  const std::string& pattern = v[1].as_string();
  Result<javatime::ZonePtr> zone = ZoneArg(v, n, 2);
  Result<std::string> s = zone.ok() ? FormatMillis(ms, pattern, Dialect::kFormatter, *zone.value())
                                    : Result<std::string>(zone.status());
  if (!s.ok()) {
    ctx.Fail(fmt::format("Failed to format timestamp {} with formatter '{}': {}", ms, pattern, s.status().message()));
    return Value();
  }
  return Value::String(std::move(s).value());
}
Value FormatTimestamp(const Value* v, size_t n, EvalContext& ctx) { return FormatTs(v[0].as_timestamp(), v, n, ctx); }
Value TimestampToString(const Value* v, size_t n, EvalContext& ctx) { return FormatTs(v[0].as_bigint(), v, n, ctx); }

// CONVERT_TZ: the timestamp moved by the difference of the two zones' offsets at that instant.
Value ConvertTz(const Value* v, size_t, EvalContext& ctx) {
  Result<javatime::ZonePtr> from = javatime::ZoneOf(v[1].as_string());
  Result<javatime::ZonePtr> to = javatime::ZoneOf(v[2].as_string());
  if (!from.ok() || !to.ok()) {
    ctx.Fail((from.ok() ? to : from).status().message());
    return Value();
  }
  int64_t ms = v[0].as_timestamp();
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t diff = static_cast<int64_t>(to.value()->OffsetAt(secs)) - from.value()->OffsetAt(secs);
  return Value::Ts(ms + diff * 1000);
}

// Milliseconds in one of Java's TimeUnits, as the time-unit argument names it; 0 when unknown.
int64_t UnitMillis(const std::string& unit) {
  if (unit == "MILLISECONDS") return 1;
  if (unit == "SECONDS") return 1000;
  if (unit == "MINUTES") return 60 * 1000;
  if (unit == "HOURS") return 3600 * 1000;
  if (unit == "DAYS") return 86400 * 1000;
  return 0;
}

constexpr int64_t kDayMillis = 86400 * 1000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

// TIMESTAMPADD / DATEADD / TIMEADD and their SUB twins: Java's TimeUnit.toMillis(interval)
// added to (subtracted from) the value; a DATE moves by whole days (the millis floored to a
// day), a TIME wraps around midnight.
template <int kSign>
Value AddToTimestamp(const Value* v, size_t, EvalContext& ctx) {
  int64_t unit = UnitMillis(v[0].as_string());
  if (!unit) {
    ctx.Fail("unknown time unit " + v[0].as_string());
    return Value();
  }
  return Value::Ts(v[2].as_timestamp() + kSign * v[1].ToInt64() * unit);
}
template <int kSign>
Value AddToDate(const Value* v, size_t, EvalContext& ctx) {
  int64_t unit = UnitMillis(v[0].as_string());
  if (!unit) {
    ctx.Fail("unknown time unit " + v[0].as_string());
    return Value();
  }
  int64_t ms = static_cast<int64_t>(v[2].as_date()) * kDayMillis + kSign * v[1].ToInt64() * unit;
  return Value::Dt(static_cast<int32_t>(FloorDiv(ms, kDayMillis)));
}
template <int kSign>
Value AddToTime(const Value* v, size_t, EvalContext& ctx) {
  int64_t unit = UnitMillis(v[0].as_string());
  if (!unit) {
    ctx.Fail("unknown time unit " + v[0].as_string());
    return Value();
  }
  int64_t ms = v[2].as_time() + kSign * v[1].ToInt64() * unit;
  return Value::Tm(static_cast<int32_t>(FloorMod(ms, kDayMillis)));
}

}  // namespace

void RegisterDateTimeFunctions(FunctionRegistry& r) {
  TypePtr s = Type::String(), dt = Type::Date();
  TypePtr ts = Type::Timestamp(), tm = Type::Time(), i = Type::Int(), bi = Type::Bigint();
  struct Arith {
    const char* name;
    const char* what;
    TypePtr type;
    TypePtr interval;
    ScalarImpl impl;
    const char* example;
  };
  const Arith arith[] = {
      {"TIMESTAMPADD", "Adds", ts, bi, AddToTimestamp<1>, "TIMESTAMPADD(SECONDS, 5, ts)"},
      {"TIMESTAMPSUB", "Subtracts", ts, bi, AddToTimestamp<-1>, "TIMESTAMPSUB(HOURS, 1, ts)"},
      {"DATEADD", "Adds", dt, i, AddToDate<1>, "DATEADD(DAYS, 10, d)"},
      {"DATESUB", "Subtracts", dt, i, AddToDate<-1>, "DATESUB(DAYS, 10, d)"},
      {"TIMEADD", "Adds", tm, i, AddToTime<1>, "TIMEADD(MINUTES, 30, t)"},
      {"TIMESUB", "Subtracts", tm, i, AddToTime<-1>, "TIMESUB(MINUTES, 30, t)"},
  };
  for (const Arith& a : arith) {
    std::string lower = a.name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string t = a.type->ToString();
    r.AddScalar({a.name,
                 fmt::format("{}(unit, interval {}, value {})", a.name, a.interval->ToString(), t),
                 fmt::format("{} interval units (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS) {} the {}{}; NULL if "
                             "any argument is NULL.",
                             a.what, a.what[0] == 'A' ? "to" : "from", t,
                             a.type->kind == TypeKind::kDate   ? " (whole days: the result is floored to a day)"
                             : a.type->kind == TypeKind::kTime ? " (wrapping around midnight)"
                                                               : ""),
                 a.example, builtin::Overloaded(lower, {builtin::Sig({s, a.interval, a.type}, a.type, a.impl)})});
  }
  r.AddScalar({"UNIX_DATE", "UNIX_DATE([d DATE])",
               "The days since 1970-01-01 of d, or of today (UTC) without an argument.", "UNIX_DATE(d)",
               builtin::Overloaded("unix_date",
                                   {builtin::Sig({}, i,
                                                 [](const Value*, size_t, EvalContext&) {
                                                   auto now = std::chrono::system_clock::now().time_since_epoch();
                                                   int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
                                                   return Value::Int(static_cast<int32_t>(FloorDiv(ms, kDayMillis)));
                                                 }),
                                    builtin::Sig({dt}, i, [](const Value* v, size_t, EvalContext&) {
                                      return Value::Int(v[0].as_date());
                                    })})});
  r.AddScalar({"UNIX_TIMESTAMP", "UNIX_TIMESTAMP([ts TIMESTAMP])",
               "The milliseconds since 1970-01-01T00:00:00Z of ts, or of now without an argument.",
               "UNIX_TIMESTAMP(ts)",
               builtin::Overloaded("unix_timestamp",
                                   {builtin::Sig({}, bi,
                                                 [](const Value*, size_t, EvalContext&) {
                                                   auto now = std::chrono::system_clock::now().time_since_epoch();
                                                   return Value::Bigint(
                                                       std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
                                                 }),
                                    builtin::Sig({ts}, bi, [](const Value* v, size_t, EvalContext&) {
                                      return Value::Bigint(v[0].as_timestamp());
                                    })})});
  r.AddScalar({"FROM_DAYS", "FROM_DAYS(days INT)", "The DATE that many days after 1970-01-01.",
               "FROM_DAYS(19000) = 2022-01-08",
               builtin::Overloaded("from_days", {builtin::Sig({i}, dt, [](const Value* v, size_t, EvalContext&) {
                                     return Value::Dt(v[0].as_int());
                                   })})});
  r.AddScalar({"FROM_UNIXTIME", "FROM_UNIXTIME(millis BIGINT)",
               "The TIMESTAMP that many milliseconds after 1970-01-01T00:00:00Z.",
               "FROM_UNIXTIME(1000) = 1970-01-01T00:00:01.000",
               builtin::Overloaded("from_unixtime", {builtin::Sig({bi}, ts, [](const Value* v, size_t, EvalContext&) {
                                     return Value::Ts(v[0].as_bigint());
                                   })})});
  auto sig = [](std::vector<TypePtr> p, TypePtr ret, ScalarImpl impl) { return builtin::Sig(std::move(p), ret, impl); };
  r.AddScalar({"PARSE_DATE", "PARSE_DATE(s STRING, pattern STRING)",
               "Reads a DATE with a java.text.SimpleDateFormat pattern (text after the pattern is ignored; month "
               "and day names in any case). A pattern with a time of day is an error.",
               "PARSE_DATE('2022-02-02', 'yyyy-MM-dd') = 2022-02-02",
               builtin::Overloaded("parse_date", {sig({s, s}, dt, ParseDate)})});
  r.AddScalar({"FORMAT_DATE", "FORMAT_DATE(d DATE, pattern STRING)",
               "Writes a DATE with a java.text.SimpleDateFormat pattern.",
               "FORMAT_DATE(PARSE_DATE('2022-02-02', 'yyyy-MM-dd'), 'dd-MMM-yyyy') = '02-Feb-2022'",
               builtin::Overloaded("format_date", {sig({dt, s}, s, FormatDate)})});
  r.AddScalar({"STRINGTODATE", "STRINGTODATE(s STRING, pattern STRING)",
               "As PARSE_DATE, but the result is the INT number of days since 1970-01-01.",
               "STRINGTODATE('2018-05-11', 'yyyy-MM-dd') = 17662",
               builtin::Overloaded("stringtodate", {sig({s, s}, Type::Int(), StringToDate)})});
  r.AddScalar({"DATETOSTRING", "DATETOSTRING(days INT, pattern STRING)",
               "Writes the date that many days after 1970-01-01 with a java.text.SimpleDateFormat pattern.",
               "DATETOSTRING(17662, 'yyyy-MM-dd') = '2018-05-11'",
               builtin::Overloaded("datetostring", {sig({Type::Int(), s}, s, DateToString)})});
  r.AddScalar({"PARSE_TIME", "PARSE_TIME(s STRING, pattern STRING)",
               "Reads a TIME with a java.text.SimpleDateFormat pattern (AM/PM in any case).",
               "PARSE_TIME('01:00:00 PM', 'hh:mm:ss a') = 13:00",
               builtin::Overloaded("parse_time", {sig({s, s}, tm, ParseTime)})});
  r.AddScalar({"FORMAT_TIME", "FORMAT_TIME(t TIME, pattern STRING)",
               "Writes a TIME with a java.text.SimpleDateFormat pattern.",
               "FORMAT_TIME(PARSE_TIME('00:01:05', 'HH:mm:ss'), 'HH_mm_ss_SSS') = '00_01_05_000'",
               builtin::Overloaded("format_time", {sig({tm, s}, s, FormatTime)})});
  r.AddScalar({"PARSE_TIMESTAMP", "PARSE_TIMESTAMP(s STRING, pattern STRING [, zone STRING])",
               "Reads a TIMESTAMP with a java.time DateTimeFormatter pattern (case-insensitive, the whole text). "
               "Text without a zone or offset is local time in zone (default UTC); missing fields default to "
               "1970-01-01 00:00.",
               "PARSE_TIMESTAMP('2018-05-11T21:58:33', 'yyyy-MM-dd''T''HH:mm:ss') = 2018-05-11T21:58:33.000",
               builtin::Overloaded("parse_timestamp", {sig({s, s}, ts, ParseTimestamp), sig({s, s, s}, ts, ParseTimestamp)})});
  r.AddScalar({"STRINGTOTIMESTAMP", "STRINGTOTIMESTAMP(s STRING, pattern STRING [, zone STRING])",
               "As PARSE_TIMESTAMP, but the result is BIGINT milliseconds since the epoch.",
               "STRINGTOTIMESTAMP('2018-05-11T21:58:33Z', 'yyyy-MM-dd''T''HH:mm:ssX') = 1526075913000",
               builtin::Overloaded("stringtotimestamp",
                                   {sig({s, s}, bi, StringToTimestamp), sig({s, s, s}, bi, StringToTimestamp)})});
  r.AddScalar({"FORMAT_TIMESTAMP", "FORMAT_TIMESTAMP(ts TIMESTAMP, pattern STRING [, zone STRING])",
               "Writes a TIMESTAMP with a java.time DateTimeFormatter pattern, as seen in zone (default UTC).",
               "FORMAT_TIMESTAMP(ts, 'yyyy-MM-dd HH:mm:ss zzz', 'America/Los_Angeles') = '2018-05-11 14:58:33 PDT'",
               builtin::Overloaded("format_timestamp",
                                   {sig({ts, s}, s, FormatTimestamp), sig({ts, s, s}, s, FormatTimestamp)})});
  r.AddScalar({"TIMESTAMPTOSTRING", "TIMESTAMPTOSTRING(millis BIGINT, pattern STRING [, zone STRING])",
               "As FORMAT_TIMESTAMP, for BIGINT milliseconds since the epoch.",
               "TIMESTAMPTOSTRING(1526075913000, 'yyyy-MM-dd HH:mm:ss') = '2018-05-11 21:58:33'",
               builtin::Overloaded("timestamptostring",
                                   {sig({bi, s}, s, TimestampToString), sig({bi, s, s}, s, TimestampToString)})});
  r.AddScalar({"CONVERT_TZ", "CONVERT_TZ(ts TIMESTAMP, from_zone STRING, to_zone STRING)",
               "Moves a TIMESTAMP by the difference between the two zones' UTC offsets at that instant (zones as "
               "Java ZoneIds: 'UTC', '+0200', 'America/Los_Angeles').",
               "CONVERT_TZ(ts, '+0200', '+0500') = ts + 3 hours",
               builtin::Overloaded("convert_tz", {sig({ts, s, s}, ts, ConvertTz)})});
}

}  // namespace eddy
