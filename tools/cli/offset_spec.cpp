#include "cli/offset_spec.h"

#include "cli/cli.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace klog::cli {
namespace {

// Parses all of `s` as a non-negative decimal integer.
bool ParseUint(std::string_view s, int64_t* out) {
  if (s.empty() || s[0] == '+' || s[0] == '-') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && *out >= 0;
}

// Reads exactly `n` digits at s[*pos].
bool Digits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + size_t(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = s[*pos + size_t(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  *pos += size_t(n);
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parses "Z", "+HH:MM", "+HHMM", "+HH" (or '-') at s[pos..]; the offset east of UTC.
bool ParseZone(std::string_view s, size_t pos, int64_t* offset_ms) {
  *offset_ms = 0;
  if (pos == s.size()) return true;
  if (s[pos] == 'Z' || s[pos] == 'z') return pos + 1 == s.size();
  if (s[pos] != '+' && s[pos] != '-') return false;
  int sign = s[pos] == '-' ? -1 : 1;
  pos++;
  int hh = 0, mm = 0;
  if (!Digits(s, &pos, 2, &hh)) return false;
  if (pos < s.size() && s[pos] == ':') pos++;
  if (pos < s.size() && !Digits(s, &pos, 2, &mm)) return false;
  if (pos != s.size() || hh > 23 || mm > 59) return false;
  *offset_ms = sign * (int64_t(hh) * 3600 + mm * 60) * 1000;
  return true;
}

// Parses "hh:mm[:ss[.fff]]" at s[*pos]; milliseconds since midnight.
bool ParseTime(std::string_view s, size_t* pos, int64_t* ms) {
  int hh = 0, mi = 0, ss = 0, frac = 0;
  if (!Digits(s, pos, 2, &hh) || *pos >= s.size() || s[*pos] != ':') return false;
  ++*pos;
  if (!Digits(s, pos, 2, &mi)) return false;
  if (*pos < s.size() && s[*pos] == ':') {
    ++*pos;
    if (!Digits(s, pos, 2, &ss)) return false;
    if (*pos < s.size() && (s[*pos] == '.' || s[*pos] == ',')) {
      ++*pos;
      int n = 0;
      while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') {
        if (n < 3) frac = frac * 10 + (s[*pos] - '0');
        n++;
        ++*pos;
      }
      if (n == 0) return false;
      for (; n < 3; n++) frac *= 10;
    }
  }
  if (hh > 23 || mi > 59 || ss > 59) return false;
  *ms = ((int64_t(hh) * 60 + mi) * 60 + ss) * 1000 + frac;
  return true;
}

}  // namespace

Result<int64_t> ParseIsoTimestamp(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("timestamp '" + std::string(s) +
                                   "': expected ISO-8601 like 2026-11-22T10:00:00Z");
  };
  size_t pos = 0;
  int y = 0, m = 0, d = 0;
  if (!Digits(s, &pos, 4, &y) || pos >= s.size() || s[pos++] != '-') return bad();
  if (!Digits(s, &pos, 2, &m) || pos >= s.size() || s[pos++] != '-') return bad();
  if (!Digits(s, &pos, 2, &d)) return bad();
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return bad();
  int64_t ms = DaysFromCivil(y, m, d) * 86400000;
  if (pos == s.size()) return ms;
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return bad();
  pos++;
  int64_t time_ms = 0, zone_ms = 0;
  if (!ParseTime(s, &pos, &time_ms) || !ParseZone(s, pos, &zone_ms)) return bad();
  return ms + time_ms - zone_ms;
}

Result<OffsetSpec> ParseOffsetSpec(std::string_view in) {
  OffsetSpec spec;
  if (in == "beginning") return spec;
  if (in == "end") {
    spec.kind = OffsetSpec::Kind::kEnd;
    return spec;
  }
  if (!in.empty() && in[0] == '@') {
    std::string_view t = in.substr(1);
    spec.kind = OffsetSpec::Kind::kTimestamp;
    if (ParseUint(t, &spec.value)) return spec;
    auto ts = ParseIsoTimestamp(t);
    if (!ts.ok()) {
      return Status::InvalidArgument("offset '" + std::string(in) +
                                     "': expected @MS (epoch milliseconds) or @ISO-8601");
    }
    spec.value = *ts;
    return spec;
  }
  if (!in.empty() && in[0] == '-' && ParseUint(in.substr(1), &spec.value)) {
    spec.kind = OffsetSpec::Kind::kFromEnd;
    return spec;
  }
  if (ParseUint(in, &spec.value)) {
    spec.kind = OffsetSpec::Kind::kAbsolute;
    return spec;
  }
  return Status::InvalidArgument("offset '" + std::string(in) +
                                 "': expected beginning, end, N, -N, @MS or @ISO-8601");
}

Result<OffsetSpec> ParseUntilSpec(std::string_view in) {
  auto spec = ParseOffsetSpec(in);
  if (!spec.ok() ||
      (spec->kind != OffsetSpec::Kind::kAbsolute && spec->kind != OffsetSpec::Kind::kTimestamp)) {
    return Status::InvalidArgument("until '" + std::string(in) + "': expected N, @MS or @ISO-8601");
  }
  return spec;
}

Result<int64_t> ResolveStartOffset(const Tool& tool, const OffsetSpec& spec, LogReader& reader) {
  const int64_t start = reader.start_offset();
  const int64_t end = reader.end_offset();
  switch (spec.kind) {
    case OffsetSpec::Kind::kBeginning:
      return start;
    case OffsetSpec::Kind::kEnd:
      return end;
    case OffsetSpec::Kind::kAbsolute:
      if (spec.value < start) {
        // Deleted by retention or truncate-before: say so, then read from the start.
        tool.Diag("offset " + std::to_string(spec.value) + " is below the log start offset " +
                  std::to_string(start) + " of " + reader.dir() + "; starting at " +
                  std::to_string(start));
      }
      return std::max(start, spec.value);
    case OffsetSpec::Kind::kFromEnd:
      return std::max(start, end - std::min(spec.value, end));
    case OffsetSpec::Kind::kTimestamp:
      return reader.OffsetForTimestamp(spec.value);
  }
  return start;
}

}  // namespace klog::cli
