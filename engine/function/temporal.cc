#include "engine/function/temporal.h"

#include <fmt/format.h>

#include <cctype>

namespace eddy::temporal {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string Year(int64_t y) {
  // java.time prints years beyond 9999 with a sign.
  if (y > 9999) return fmt::format("+{}", y);
  if (y < 0) return fmt::format("-{:04}", -y);
  return fmt::format("{:04}", y);
}

// A small cursor over the text being parsed.
struct Scan {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i >= s.size(); }
  bool Eat(char c) {
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  }
  // Exactly n digits.
  std::optional<int> Digits(size_t n) {
    if (i + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + (c - '0');
    }
    i += n;
    return v;
  }
};

bool ValidDate(int64_t y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// HH:mm[:ss[.fraction]] -> millis of day.
std::optional<int32_t> ParseClock(Scan& sc, bool minutes_required) {
  auto h = sc.Digits(2);
  if (!h || *h > 23) return std::nullopt;
  int mi = 0, se = 0, ms = 0;
  if (sc.Eat(':')) {
    auto m = sc.Digits(2);
    if (!m || *m > 59) return std::nullopt;
    mi = *m;
    if (sc.Eat(':')) {
      auto s = sc.Digits(2);
      if (!s || *s > 59) return std::nullopt;
      se = *s;
      if (sc.Eat('.')) {
        int digits = 0, frac = 0;
        while (!sc.Done() && std::isdigit(static_cast<unsigned char>(sc.s[sc.i]))) {
          if (digits < 3) frac = frac * 10 + (sc.s[sc.i] - '0');
          ++digits;
          ++sc.i;
        }
        if (digits == 0 || digits > 9) return std::nullopt;
        for (int k = digits; k < 3; ++k) frac *= 10;
        ms = frac;
      }
    }
  } else if (minutes_required) {
    return std::nullopt;
  }
  return ((*h * 60 + mi) * 60 + se) * 1000 + ms;
}

}  // namespace

std::string FormatDate(int32_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{}-{:02}-{:02}", Year(y), m, d);
}

std::string FormatTime(int32_t millis_of_day) {
  int h = millis_of_day / 3600000, mi = millis_of_day / 60000 % 60, s = millis_of_day / 1000 % 60,
      ms = millis_of_day % 1000;
  std::string out = fmt::format("{:02}:{:02}:{:02}", h, mi, s);
  if (ms != 0) {
    // ISO_LOCAL_TIME prints the fraction without trailing zeros.
    std::string f = fmt::format("{:03}", ms);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

std::string FormatTimestamp(int64_t millis) {
  int64_t days = FloorDiv(millis, 86400000);
  int64_t rem = millis - days * 86400000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}", Year(y), m, d, rem / 3600000, rem / 60000 % 60,
                     rem / 1000 % 60, rem % 1000);
}

std::optional<int32_t> ParseDate(std::string_view s) {
  Scan sc{s};
  auto y = sc.Digits(4);
  if (!y || !sc.Eat('-')) return std::nullopt;
  auto m = sc.Digits(2);
  if (!m || !sc.Eat('-')) return std::nullopt;
  auto d = sc.Digits(2);
  if (!d || !sc.Done() || !ValidDate(*y, *m, *d)) return std::nullopt;
  return static_cast<int32_t>(DaysFromCivil(*y, *m, *d));
}

std::optional<int32_t> ParseTime(std::string_view s) {
  Scan sc{s};
  auto t = ParseClock(sc, true);
  if (!t || !sc.Done()) return std::nullopt;
  return t;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  Scan sc{s};
  auto y = sc.Digits(4);
  if (!y) return std::nullopt;
  int m = 1, d = 1;
  int64_t clock = 0;
  if (sc.Eat('-')) {
    auto mm = sc.Digits(2);
    if (!mm) return std::nullopt;
    m = *mm;
    if (sc.Eat('-')) {
      auto dd = sc.Digits(2);
      if (!dd) return std::nullopt;
      d = *dd;
      if (sc.Eat('T')) {
        auto c = ParseClock(sc, false);
        if (!c) return std::nullopt;
        clock = *c;
      }
    }
  }
  if (!ValidDate(*y, m, d)) return std::nullopt;
  int64_t offset_ms = 0;
  if (sc.Eat('Z')) {
  } else if (!sc.Done() && (sc.s[sc.i] == '+' || sc.s[sc.i] == '-')) {
    int sign = sc.s[sc.i] == '-' ? -1 : 1;
    ++sc.i;
    auto hh = sc.Digits(2);
    if (!hh) return std::nullopt;
    sc.Eat(':');
    int mm = 0;
    if (!sc.Done()) {
      auto x = sc.Digits(2);
      if (!x) return std::nullopt;
      mm = *x;
    }
    offset_ms = sign * (*hh * 60 + mm) * 60000LL;
  }
  if (!sc.Done()) return std::nullopt;
  return DaysFromCivil(*y, m, d) * 86400000 + clock - offset_ms;
}

}  // namespace eddy::temporal
