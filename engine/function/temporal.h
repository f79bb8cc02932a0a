#pragma once
// DATE, TIME and TIMESTAMP text as ksqlDB reads and writes it in CAST and implicit casts
// (its SqlTimeTypes): dates ISO 'yyyy-MM-dd', times ISO local time, timestamps
// 'yyyy-MM-ddTHH:mm:ss.SSS' in UTC, parsed from any prefix of that form with an optional zone.
// Private to engine/function.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::temporal {

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

std::string FormatDate(int32_t days);
std::string FormatTime(int32_t millis_of_day);
std::string FormatTimestamp(int64_t millis);

std::optional<int32_t> ParseDate(std::string_view s);
std::optional<int32_t> ParseTime(std::string_view s);
std::optional<int64_t> ParseTimestamp(std::string_view s);

}  // namespace eddy::temporal
