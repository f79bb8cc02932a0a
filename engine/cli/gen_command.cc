#include "engine/cli/gen_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

namespace eddy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGenUsage = R"(usage: eddy gen nexmark|trucks [options]

Writes deterministic test data as JSON Lines files that `eddy run --input TOPIC=FILE` reads, one
object a line: {"key": ..., "value": {...}, "timestamp": ...}. The same seed and sizes always give
the same bytes.

eddy gen nexmark: the Nexmark auction benchmark's events, Person, Auction and Bid in the standard
1:3:46 proportions (per 50 events: 1 person, 3 auctions, 46 bids), with the standard fields, hot
auctions, hot sellers and hot bidders (1 in 100 not hot). Files: person.jsonl (key ID),
auction.jsonl (key ID), bid.jsonl (no key). Field names are upper case; DATETIME and EXPIRES are
epoch milliseconds, and the record timestamp is DATETIME.
  --events N          events in all (default 1000000)
  --rate N            events per second of event time (default 10000)
  --start-ms T        event time of the first event (default 1700000000000)

eddy gen trucks: the truck tracker's input: joblocation.jsonl (one row per job, key job id) and
pings.jsonl (GPS pings keyed by truck id; each truck drives towards its job's location).
  --events N          pings in all (default 1000000)
  --jobs N            jobs, one truck each (default 1000)
  --rate N            pings per second of event time (default 10000)
  --start-ms T        event time of the first record (default 1700000000000)

common options:
  --seed N            random seed (default 42)
  --out DIR           directory for the files (default .); created if missing
  --help              this text
)";

// splitmix64: small, fast, and the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t s_;
};

// Buffered writer of one output file.
class Out {
 public:
  bool Open(const fs::path& p) {
    f_ = std::fopen(p.string().c_str(), "wb");
    buf_.reserve(1 << 20);
    return f_ != nullptr;
  }
  ~Out() { Close(); }
  fmt::memory_buffer& buf() { return buf_; }
  void MaybeFlush() {
    if (buf_.size() >= (1 << 20)) Flush();
  }
  void Flush() {
    if (f_ && buf_.size()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }
  bool Close() {
    if (!f_) return true;
    Flush();
    bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    return ok;
  }

 private:
  std::FILE* f_ = nullptr;
  fmt::memory_buffer buf_;
};

void Append(fmt::memory_buffer& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

// Random lower-case text of exactly `len` characters, with a space now and then.
void AppendText(fmt::memory_buffer& b, Rng& r, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    uint64_t x = r.Below(27);
    b.push_back(x == 26 && i > 0 && i + 1 < len ? ' ' : static_cast<char>('a' + (x % 26)));
  }
}

// Padding that brings an event to about `avg` bytes, as Nexmark's "extra" field does.
size_t ExtraLength(Rng& r, size_t current, size_t avg) {
  if (current >= avg) return 0;
  size_t want = avg - current;
  size_t delta = want / 5;
  return want - delta + r.Below(2 * delta + 1);
}

// ---- Nexmark -------------------------------------------------------------------------------

constexpr int64_t kPersonProportion = 1;
constexpr int64_t kAuctionProportion = 3;
constexpr int64_t kBidProportion = 46;
constexpr int64_t kTotalProportion = kPersonProportion + kAuctionProportion + kBidProportion;
constexpr int64_t kFirstPersonId = 1000;
constexpr int64_t kFirstAuctionId = 1000;
constexpr int64_t kFirstCategoryId = 10;
constexpr int64_t kNumCategories = 5;
constexpr int64_t kHotRatio = 100;  // auctions, sellers, bidders: 1 in 100 is not hot
constexpr int64_t kNumActivePeople = 1000;
constexpr int64_t kNumInFlightAuctions = 100;
constexpr int64_t kIdLead = 10;
constexpr size_t kAvgPersonBytes = 200, kAvgAuctionBytes = 500, kAvgBidBytes = 100;

constexpr std::string_view kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::string_view kCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                        "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
constexpr std::string_view kFirstNames[] = {"Peter", "Paul",  "Luke", "John",   "Saul",  "Vicky",
                                            "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::string_view kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                           "Walton", "Smith",  "Jones",   "Noris"};
constexpr std::string_view kChannels[] = {"Google", "Facebook", "Baidu", "Apple"};

template <size_t N>
std::string_view Pick(Rng& r, const std::string_view (&a)[N]) {
  return a[r.Below(N)];
}

// The last person id (base 0) generated at or before event `id`.
int64_t LastPersonId(int64_t id) {
  int64_t epoch = id / kTotalProportion, offset = id % kTotalProportion;
  if (offset >= kPersonProportion) offset = kPersonProportion - 1;
  return epoch * kPersonProportion + offset;
}

// The last auction id (base 0) generated at or before event `id`.
int64_t LastAuctionId(int64_t id) {
  int64_t epoch = id / kTotalProportion, offset = id % kTotalProportion;
  if (offset < kPersonProportion) {
    --epoch;
    offset = kAuctionProportion - 1;
  } else if (offset >= kPersonProportion + kAuctionProportion) {
    offset = kAuctionProportion - 1;
  } else {
    offset -= kPersonProportion;
  }
  return epoch * kAuctionProportion + offset;
}

// A random active person (base 0), a few ids ahead of the last one allowed.
int64_t RandomPersonId(Rng& r, int64_t id) {
  int64_t people = LastPersonId(id) + 1;
  int64_t active = std::min(people, kNumActivePeople);
  return people - active + static_cast<int64_t>(r.Below(static_cast<uint64_t>(active + kIdLead)));
}

// A random in-flight auction (base 0), a few ids ahead of the last one allowed.
int64_t RandomAuctionId(Rng& r, int64_t id) {
  int64_t max_a = LastAuctionId(id);
  int64_t min_a = std::max<int64_t>(max_a - kNumInFlightAuctions, 0);
  return min_a + static_cast<int64_t>(r.Below(static_cast<uint64_t>(max_a - min_a + 1 + kIdLead)));
}

// Prices spread over six orders of magnitude, in cents, as Nexmark's.
int64_t RandomPrice(Rng& r) { return std::llround(std::pow(10.0, r.Unit() * 6.0) * 100.0); }

struct NexmarkOptions {
  int64_t events = 1000000;
  int64_t rate = 10000;
  int64_t start_ms = 1700000000000LL;
};

void WritePerson(Out& o, Rng& r, int64_t event_id, int64_t ts) {
  auto& b = o.buf();
  int64_t id = LastPersonId(event_id) + kFirstPersonId;
  std::string_view first = Pick(r, kFirstNames), last = Pick(r, kLastNames);
  std::string_view city = Pick(r, kCities), state = Pick(r, kStates);
  fmt::format_to(std::back_inserter(b), R"({{"key": {}, "value": {{"ID": {}, "NAME": "{} {}", "EMAILADDRESS": ")", id, id,
                 first, last);
  AppendText(b, r, 7);
  b.push_back('@');
  AppendText(b, r, 5);
  Append(b, R"(.com", "CREDITCARD": ")");
  fmt::format_to(std::back_inserter(b), "{:04} {:04} {:04} {:04}", r.Below(10000), r.Below(10000), r.Below(10000),
                 r.Below(10000));
  fmt::format_to(std::back_inserter(b), R"(", "CITY": "{}", "STATE": "{}", "DATETIME": {}, "EXTRA": ")", city, state,
                 ts);
  size_t current = 8 + first.size() + 1 + last.size() + 17 + 19 + city.size() + state.size();
  AppendText(b, r, ExtraLength(r, current, kAvgPersonBytes));
  fmt::format_to(std::back_inserter(b), "\"}}, \"timestamp\": {}}}\n", ts);
  o.MaybeFlush();
}

void WriteAuction(Out& o, Rng& r, int64_t event_id, int64_t ts, const NexmarkOptions& n) {
  auto& b = o.buf();
  int64_t id = LastAuctionId(event_id) + kFirstAuctionId;
  int64_t seller = r.Below(kHotRatio) > 0 ? (LastPersonId(event_id) / kHotRatio) * kHotRatio
                                          : RandomPersonId(r, event_id);
  seller += kFirstPersonId;
  int64_t category = kFirstCategoryId + static_cast<int64_t>(r.Below(kNumCategories));
  int64_t initial = RandomPrice(r);
  int64_t reserve = initial + RandomPrice(r);
  // Auctions last on average as long as it takes to generate the next kNumInFlightAuctions.
  int64_t horizon_ms = kNumInFlightAuctions * kTotalProportion / kAuctionProportion * 1000 / n.rate;
  int64_t expires = ts + 1 + static_cast<int64_t>(r.Below(static_cast<uint64_t>(std::max<int64_t>(horizon_ms * 2, 1))));
  fmt::format_to(std::back_inserter(b), R"({{"key": {}, "value": {{"ID": {}, "ITEMNAME": ")", id, id);
  AppendText(b, r, 20);
  Append(b, R"(", "DESCRIPTION": ")");
  AppendText(b, r, 100);
  fmt::format_to(std::back_inserter(b),
                 R"(", "INITIALBID": {}, "RESERVE": {}, "DATETIME": {}, "EXPIRES": {}, "SELLER": {}, "CATEGORY": {}, "EXTRA": ")",
                 initial, reserve, ts, expires, seller, category);
  AppendText(b, r, ExtraLength(r, 8 + 20 + 100 + 8 * 5, kAvgAuctionBytes));
  fmt::format_to(std::back_inserter(b), "\"}}, \"timestamp\": {}}}\n", ts);
  o.MaybeFlush();
}

void WriteBid(Out& o, Rng& r, int64_t event_id, int64_t ts) {
  auto& b = o.buf();
  int64_t auction = r.Below(kHotRatio) > 0 ? (LastAuctionId(event_id) / kHotRatio) * kHotRatio
                                           : RandomAuctionId(r, event_id);
  auction += kFirstAuctionId;
  int64_t bidder = r.Below(kHotRatio) > 0 ? (LastPersonId(event_id) / kHotRatio) * kHotRatio + 1
                                          : RandomPersonId(r, event_id);
  bidder += kFirstPersonId;
  int64_t price = RandomPrice(r);
  uint64_t c = r.Below(std::size(kChannels));
  fmt::format_to(std::back_inserter(b),
                 R"({{"key": null, "value": {{"AUCTION": {}, "BIDDER": {}, "PRICE": {}, "CHANNEL": "{}", "URL": "https://www.nexmark.com/)",
                 auction, bidder, price, kChannels[c]);
  AppendText(b, r, 5);
  Append(b, "/item.htm?query=1&channel_id=");
  fmt::format_to(std::back_inserter(b), R"({}", "DATETIME": {}, "EXTRA": ")", c, ts);
  AppendText(b, r, ExtraLength(r, 8 * 4, kAvgBidBytes));
  fmt::format_to(std::back_inserter(b), "\"}}, \"timestamp\": {}}}\n", ts);
  o.MaybeFlush();
}

int GenNexmark(const NexmarkOptions& n, uint64_t seed, const fs::path& dir) {
  Out person, auction, bid;
  if (!person.Open(dir / "person.jsonl") || !auction.Open(dir / "auction.jsonl") || !bid.Open(dir / "bid.jsonl")) {
    std::cerr << "eddy gen: cannot write to " << dir.string() << "\n";
    return 1;
  }
  Rng r(seed);
  for (int64_t id = 0; id < n.events; ++id) {
    // Event time advances by 1/rate seconds an event, rounded down to the millisecond.
    int64_t ts = n.start_ms + id * 1000 / n.rate;
    int64_t offset = id % kTotalProportion;
    if (offset < kPersonProportion) {
      WritePerson(person, r, id, ts);
    } else if (offset < kPersonProportion + kAuctionProportion) {
      WriteAuction(auction, r, id, ts, n);
    } else {
      WriteBid(bid, r, id, ts);
    }
  }
  if (!person.Close() || !auction.Close() || !bid.Close()) {
    std::cerr << "eddy gen: writing to " << dir.string() << " failed\n";
    return 1;
  }
  return 0;
}

// ---- Trucks --------------------------------------------------------------------------------

struct TruckOptions {
  int64_t events = 1000000;
  int64_t jobs = 1000;
  int64_t rate = 10000;
  int64_t start_ms = 1700000000000LL;
};

int GenTrucks(const TruckOptions& t, uint64_t seed, const fs::path& dir) {
  Out jobs, pings;
  if (!jobs.Open(dir / "joblocation.jsonl") || !pings.Open(dir / "pings.jsonl")) {
    std::cerr << "eddy gen: cannot write to " << dir.string() << "\n";
    return 1;
  }
  Rng r(seed);
  struct Truck {
    double lat, lon, dest_lat, dest_lon;
  };
  std::vector<Truck> trucks(static_cast<size_t>(t.jobs));
  // Jobs and trucks around Sydney: within about 0.3 degrees of the centre.
  constexpr double kLat = -33.8688, kLon = 151.2093;
  for (int64_t j = 0; j < t.jobs; ++j) {
    Truck& tr = trucks[static_cast<size_t>(j)];
    tr.dest_lat = kLat + (r.Unit() - 0.5) * 0.6;
    tr.dest_lon = kLon + (r.Unit() - 0.5) * 0.6;
    tr.lat = kLat + (r.Unit() - 0.5) * 0.6;
    tr.lon = kLon + (r.Unit() - 0.5) * 0.6;
    int64_t ts = t.start_ms + j;
    auto& b = jobs.buf();
    fmt::format_to(std::back_inserter(b),
                   R"({{"key": "J-{}", "value": {{"ID": "J-{}", "CUSTOMERNAME": "{} {}", "EMAIL": "customer{}@example.com", "ADDRESS": "{} {} St", "DEST_LAT": {:.6f}, "DEST_LONG": {:.6f}, "REPORTING_TIME": {}}}, "timestamp": {}}})"
                   "\n",
                   j, j, Pick(r, kFirstNames), Pick(r, kLastNames), j, 1 + r.Below(200), Pick(r, kCities), tr.dest_lat,
                   tr.dest_lon, ts, ts);
    jobs.MaybeFlush();
  }
  int64_t start = t.start_ms + t.jobs;
  for (int64_t i = 0; i < t.events; ++i) {
    int64_t j = static_cast<int64_t>(r.Below(static_cast<uint64_t>(t.jobs)));
    Truck& tr = trucks[static_cast<size_t>(j)];
    // Each ping moves the truck a tenth of the way to its job, with a little noise.
    tr.lat += (tr.dest_lat - tr.lat) * 0.1 + (r.Unit() - 0.5) * 0.0002;
    tr.lon += (tr.dest_lon - tr.lon) * 0.1 + (r.Unit() - 0.5) * 0.0002;
    bool arrived = std::abs(tr.dest_lat - tr.lat) < 0.0005 && std::abs(tr.dest_lon - tr.lon) < 0.0005;
    int64_t ts = start + i * 1000 / t.rate;
    auto& b = pings.buf();
    fmt::format_to(std::back_inserter(b),
                   R"({{"key": "TRUCK-{}", "value": {{"ID": "TRUCK-{}", "JOB_ID": "J-{}", "STATE": "{}", "LAT": {:.6f}, "LONG": {:.6f}}}, "timestamp": {}}})"
                   "\n",
                   j, j, j, arrived ? "arrived" : "driving", tr.lat, tr.lon, ts);
    pings.MaybeFlush();
  }
  if (!jobs.Close() || !pings.Close()) {
    std::cerr << "eddy gen: writing to " << dir.string() << " failed\n";
    return 1;
  }
  return 0;
}

int Usage(const std::string& msg) {
  std::cerr << "eddy gen: " << msg << "\n" << kGenUsage;
  return 2;
}

bool ParseCount(const std::string& s, int64_t min, int64_t* out) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used != s.size() || v < min) return false;
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

int RunGenCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("say what to generate: nexmark or trucks");
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << kGenUsage;
    return 0;
  }
  const std::string& what = args[0];
  if (what != "nexmark" && what != "trucks") return Usage("unknown generator '" + what + "'; use nexmark or trucks");
  NexmarkOptions n;
  TruckOptions t;
  int64_t seed = 42;
  std::string out = ".";
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    std::string v;
    bool has_value = false;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    if (a == "--help" || a == "-h") {
      std::cout << kGenUsage;
      return 0;
    }
    if (a.rfind("--", 0) != 0) return Usage("unexpected argument '" + a + "'");
    if (!has_value) {
      if (i + 1 >= args.size()) return Usage(a + " needs a value");
      v = args[++i];
    }
    int64_t x = 0;
    auto count = [&](int64_t min) {
      if (!ParseCount(v, min, &x)) return false;
      return true;
    };
    if (a == "--seed") {
      if (!count(0)) return Usage("--seed needs a whole number, not '" + v + "'");
      seed = x;
    } else if (a == "--out") {
      out = v;
    } else if (a == "--events") {
      if (!count(0)) return Usage("--events needs a whole number of 0 or more, not '" + v + "'");
      n.events = t.events = x;
    } else if (a == "--rate") {
      if (!count(1)) return Usage("--rate needs a whole number of 1 or more, not '" + v + "'");
      n.rate = t.rate = x;
    } else if (a == "--start-ms") {
      if (!count(0)) return Usage("--start-ms needs epoch milliseconds, not '" + v + "'");
      n.start_ms = t.start_ms = x;
    } else if (a == "--jobs" && what == "trucks") {
      if (!count(1)) return Usage("--jobs needs a whole number of 1 or more, not '" + v + "'");
      t.jobs = x;
    } else {
      return Usage("unknown option " + a + " for eddy gen " + what);
    }
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::cerr << "eddy gen: cannot create " << out << ": " << ec.message() << "\n";
    return 1;
  }
  return what == "nexmark" ? GenNexmark(n, static_cast<uint64_t>(seed), out)
                           : GenTrucks(t, static_cast<uint64_t>(seed), out);
}

}  // namespace eddy
