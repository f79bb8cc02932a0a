#include "engine/cli/gen_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/record.h"
#include "engine/io/kafka_log.h"
#include "engine/runtime/engine.h"

namespace eddy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kGenUsage = R"(usage: eddy gen nexmark|trucks|marketplace [options]

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

eddy gen marketplace: a day (or more) of the service marketplace's traffic, every topic of the
data contract in queries/README.md: jobs across eight trades and nine cities (some depending on
an earlier job of the same customer), tradespeople's profiles (skills, base, radius, availability
toggling through the day), quotes (some with promo codes: valid, expired, unknown), promo codes,
currency rates (a tick every 15 minutes), payments (PENDING, AUTHORIZED, then a tombstone when
settled or voided; some never settle), appointments (BOOKED; some RESCHEDULED or CANCELLED, a few
double bookings and a few starting before the job they depend on ends), job status (ACCEPTED,
EN_ROUTE, STARTED, COMPLETED, some late, or CANCELLED), feedback (most completed jobs; a few
arrive hours late, out of order), job locations and the GPS pings of trucks driving to their
jobs. Files: TOPIC.jsonl per topic (key: the topic's key as a string; timestamp: the event
time). Each topic is in event-time order but for the late feedback; profiles, promo codes and
rates come an hour before the first job. A day of 50,000 jobs is about 3.7 million records.
  --jobs-per-day N    jobs posted per day (default 50000)
  --days D            how long jobs are posted for, in days (default 1; 0.5 is half a day)
  --jobs N            this many jobs instead (at the daily rate)
  --tradespeople N    tradespeople (default a quarter of the jobs per day, at least 400)
  --ping-interval-s N seconds between a truck's GPS pings (default 30)
  --start-ms T        when the first job may be posted (default 1772582400000, a Wednesday
                      00:00 UTC; with --bootstrap-servers, whole days before now so that the
                      last record is in the past: give it to get the same records again)
  --bootstrap-servers H:P  produce to this Kafka cluster instead of writing files: topics of
                      6 partitions created if missing (the compacted ones, tradespeople,
                      promo_codes, currency_rates, payments, appointments and joblocation, with
                      cleanup.policy=compact), keys as the string's bytes, values JSON,
                      tombstones as null values, record timestamps the event times
  --topic-prefix P    with --bootstrap-servers: topic names start with P

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

// ---- Marketplace ---------------------------------------------------------------------------
//
// A discrete-event simulation of the marketplace (../queries/README.md, the data contract): jobs
// are posted at random (exponential gaps at the given daily rate); planning a job draws its whole
// life at once (quotes, the tradesperson who wins it, booking, reschedule or cancellation, travel,
// completion, payment, feedback), and every record it will produce goes into one time-ordered
// queue with the tradespeople's availability toggles, promo-code changes and currency-rate ticks.
// Records leave the queue in event-time order, so every topic is in event-time order except the
// few feedback records that arrive late on purpose. One random stream, consumed in that order,
// makes the output a function of the options alone.

enum MarketTopic : uint8_t {
  kJobsTopic,
  kTradespeopleTopic,
  kQuotesTopic,
  kPromoCodesTopic,
  kCurrencyRatesTopic,
  kPaymentsTopic,
  kAppointmentsTopic,
  kJobStatusTopic,
  kFeedbackTopic,
  kJobLocationTopic,
  kTruckLocationTopic,
  kMarketTopics
};

struct MarketTopicInfo {
  std::string_view name;
  bool compacted;
};
constexpr MarketTopicInfo kMarketTopicInfo[kMarketTopics] = {
    {"jobs", false},          {"tradespeople", true}, {"quotes", false},        {"promo_codes", true},
    {"currency_rates", true}, {"payments", true},     {"appointments", true},   {"job_status", false},
    {"feedback", false},      {"joblocation", true},  {"tradie_truck_location", false}};

constexpr int64_t kMinute = 60'000, kHour = 60 * kMinute, kDay = 24 * kHour;
// Wednesday 2026-03-04 00:00 UTC: a day of traffic from here crosses the Thursday 00:00 UTC
// boundary of epoch-aligned weekly windows.
constexpr int64_t kMarketDefaultStart = 1772582400000LL;
// How far past the last posting a job's records can reach (start within 26 h, reschedule up to a
// day, 8 h of work, 4 h late, feedback up to 8 h later and 30 h late): the default start on Kafka
// puts the last record before now.
constexpr int64_t kMarketTail = 4 * kDay;

enum Currency : uint8_t { kUsd, kAud, kInr, kGbp, kEur, kCurrencies };
constexpr std::string_view kCurrencyNames[kCurrencies] = {"USD", "AUD", "INR", "GBP", "EUR"};
constexpr double kCurrencyStartRate[kCurrencies] = {1.0, 0.652, 0.01198, 1.268, 1.083};

struct MarketRegion {
  std::string_view name, city;
  double lat, lon;
  Currency currency;
  int weight;  // share of the jobs
};
constexpr MarketRegion kMarketRegions[] = {
    {"sydney", "Sydney", -33.8688, 151.2093, kAud, 14},     {"melbourne", "Melbourne", -37.8136, 144.9631, kAud, 10},
    {"london", "London", 51.5074, -0.1278, kGbp, 14},       {"new_york", "New York", 40.7128, -74.0060, kUsd, 16},
    {"austin", "Austin", 30.2672, -97.7431, kUsd, 8},       {"mumbai", "Mumbai", 19.0760, 72.8777, kInr, 12},
    {"bengaluru", "Bengaluru", 12.9716, 77.5946, kInr, 9}, {"berlin", "Berlin", 52.5200, 13.4050, kEur, 8},
    {"paris", "Paris", 48.8566, 2.3522, kEur, 9}};
constexpr int kNumRegions = static_cast<int>(std::size(kMarketRegions));

struct MarketService {
  std::string_view name;
  int min_hours, max_hours;     // length of the job
  double min_usd, max_usd;      // customer's budget
};
constexpr MarketService kServices[] = {
    {"electrician", 1, 3, 150, 900},  {"plumbing", 1, 3, 120, 800},    {"painting", 3, 8, 300, 3000},
    {"carpenter", 2, 6, 200, 2500},   {"hvac", 2, 5, 200, 3000},       {"bricklaying", 4, 8, 500, 5000},
    {"roofing", 4, 8, 500, 8000},     {"landscaping", 2, 6, 150, 2000}};
constexpr int kNumServices = static_cast<int>(std::size(kServices));
constexpr int kPainting = 2, kLandscaping = 7;

constexpr std::string_view kStreets[] = {"Maple Drive", "High Street", "Station Road", "Church Lane", "Park Avenue",
                                         "Oak Street",  "Mill Road",   "King Street",  "Victoria Road", "Elm Close",
                                         "River Walk",  "Hill Crest"};

struct PromoCode {
  std::string_view code;
  double pct;
  int64_t from, until;  // relative to the start
};
// Valid all run, ending half a day in, starting half a day in, and long expired.
constexpr PromoCode kPromoCodes[] = {
    {"WELCOME10", 10, -30 * kDay, 60 * kDay}, {"SPRING15", 15, -10 * kDay, 20 * kDay},
    {"TRADIE20", 20, -5 * kDay, 5 * kDay},    {"FIRSTJOB25", 25, -60 * kDay, 90 * kDay},
    {"FLASH30", 30, -1 * kDay, 12 * kHour},   {"LATEDEAL12", 12, 12 * kHour, 10 * kDay},
    {"SUMMER5", 5, -120 * kDay, -30 * kDay},  {"BLACKFRIDAY40", 40, -100 * kDay, -95 * kDay}};
constexpr std::string_view kUnknownCodes[] = {"FREESTUFF", "SAVE50", "WELCOME100", "TRADIE99"};
constexpr int kTradie20 = 2;  // its discount goes up half way through the run

constexpr std::string_view kComments[6][3] = {
    {"", "", ""},
    {"Did not finish the work", "Arrived very late and left a mess", "Would not hire again"},
    {"Job done but sloppy", "Late and over budget", "Had to call twice"},
    {"OK job", "Fine, a bit slow", "Average work"},
    {"Good work, on time", "Tidy and friendly", "Would hire again"},
    {"Excellent, highly recommend", "Fast, clean and fair price", "Brilliant job"}};

struct MarketOptions {
  int64_t jobs_per_day = 50000;
  double days = 1;
  int64_t jobs = -1;          // -1: days * jobs_per_day
  int64_t tradespeople = -1;  // -1: jobs_per_day / 4, at least 400
  int64_t ping_interval_ms = 30000;
  int64_t start_ms = -1;      // -1: kMarketDefaultStart, or on Kafka before now
  std::string bootstrap;
  std::string topic_prefix;
};

double Haversine(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::min(1.0, std::sqrt(a)));
}

int64_t Uniform(Rng& r, int64_t lo, int64_t hi) {  // [lo, hi]
  return hi <= lo ? lo : lo + static_cast<int64_t>(r.Below(static_cast<uint64_t>(hi - lo + 1)));
}
double UniformD(Rng& r, double lo, double hi) { return lo + (hi - lo) * r.Unit(); }
int64_t RoundUp(int64_t t, int64_t step) { return (t + step - 1) / step * step; }
double Round2(double x) { return std::round(x * 100.0) / 100.0; }

// A point about `sd_km` from the centre (a sum of uniforms: near normal, never far out).
void Scatter(Rng& r, double lat, double lon, double sd_km, double* out_lat, double* out_lon) {
  double dy = (r.Unit() + r.Unit() + r.Unit() - 1.5) * 2 * sd_km;
  double dx = (r.Unit() + r.Unit() + r.Unit() - 1.5) * 2 * sd_km;
  *out_lat = lat + dy / 111.32;
  *out_lon = lon + dx / (111.32 * std::cos(lat * 3.14159265358979323846 / 180.0));
}

struct Tradesperson {
  uint16_t skills = 0;  // bit per service
  uint8_t region = 0;
  bool available = true;
  uint8_t first = 0, last = 0;
  double base_lat = 0, base_lon = 0, radius_km = 0;
  int64_t busy_until = 0;                  // end of the latest booking
  int64_t last_start = 0, last_end = 0;    // that booking
};

struct MarketJob {
  int32_t customer = 0, depends_on = -1, tradesperson = -1;
  uint8_t region = 0, service = 0, street = 0, n_quotes = 0, winner = 0;
  uint8_t rating = 0;
  bool cancelled = false, rescheduled = false;
  uint16_t street_no = 0;
  double lat = 0, lon = 0, price = 0, pay_amount = 0;
  double origin_lat = 0, origin_lon = 0;
  int64_t posted = 0, req_start = 0, req_end = 0;  // what the customer asked for
  int64_t booked_start = 0, booked_end = 0, start = 0, end = 0;  // as booked; after a reschedule
  int64_t en_route = 0, arrival = 0, completed = 0, feedback_at = 0;
  int32_t quoter[5] = {};
  double amount[5] = {}, cost[5] = {};
  int8_t promo[5] = {};  // -1 none; 0..7 kPromoCodes; 8+ kUnknownCodes
  int64_t quoted_at[5] = {};
};

enum MarketEventKind : uint8_t {
  kPostJob,
  kQuote,
  kBooked,
  kPaymentPending,
  kRescheduled,
  kCancelled,
  kPaymentVoided,
  kEnRoute,
  kPing,
  kStarted,
  kCompleted,
  kPaymentAuthorized,
  kPaymentSettled,
  kFeedback,
  kToggle,
  kRateTick,
  kPromoChange,
};

struct MarketEvent {
  int64_t at;     // when the record is written (its event time, but for late feedback)
  uint64_t seq;   // ties broken by scheduling order
  int32_t id;     // job, tradesperson
  uint32_t arg;   // quote or ping number
  MarketEventKind kind;
  bool operator>(const MarketEvent& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// Where records go: JSON Lines files or a Kafka cluster.
class MarketSink {
 public:
  virtual ~MarketSink() = default;
  // value == nullptr: a tombstone.
  virtual Status Write(MarketTopic t, std::string_view key, const fmt::memory_buffer* value, int64_t ts) = 0;
  virtual Status Close() = 0;
};

class FileSink final : public MarketSink {
 public:
  Status Open(const fs::path& dir) {
    for (int t = 0; t < kMarketTopics; ++t) {
      fs::path p = dir / (std::string(kMarketTopicInfo[t].name) + ".jsonl");
      if (!outs_[t].Open(p)) return Status::IoError(fmt::format("cannot write {}", p.string()));
    }
    dir_ = dir.string();
    return Status::Ok();
  }
  Status Write(MarketTopic t, std::string_view key, const fmt::memory_buffer* value, int64_t ts) override {
    auto& b = outs_[t].buf();
    Append(b, R"({"key": ")");
    Append(b, key);
    Append(b, R"(", "value": )");
    if (value) b.append(value->data(), value->data() + value->size());
    else Append(b, "null");
    fmt::format_to(std::back_inserter(b), ", \"timestamp\": {}}}\n", ts);
    outs_[t].MaybeFlush();
    return Status::Ok();
  }
  Status Close() override {
    bool ok = true;
    for (auto& o : outs_) ok = o.Close() && ok;
    return ok ? Status::Ok() : Status::IoError(fmt::format("writing to {} failed", dir_));
  }

 private:
  Out outs_[kMarketTopics];
  std::string dir_;
};

class KafkaSink final : public MarketSink {
 public:
  Status Open(const std::string& bootstrap, const std::string& prefix) {
    KafkaSettings s;
    s.client = {{"bootstrap.servers", bootstrap},
                {"linger.ms", "20"},
                {"queue.buffering.max.messages", "1000000"},
                {"queue.buffering.max.kbytes", "1048576"}};
    ASSIGN_OR_RETURN(log_, KafkaLog::Open(std::move(s)));
    for (int t = 0; t < kMarketTopics; ++t) {
      names_[t] = prefix + std::string(kMarketTopicInfo[t].name);
      RETURN_IF_ERROR(kMarketTopicInfo[t].compacted ? log_->CreateCompactedTopic(names_[t], 6)
                                                    : log_->CreateTopic(names_[t], 6));
      partitions_[t] = log_->Partitions(names_[t]);
      if (partitions_[t] <= 0) return Status::IoError(fmt::format("Kafka: topic {} has no partitions", names_[t]));
    }
    rec_.key.emplace();
    return Status::Ok();
  }
  Status Write(MarketTopic t, std::string_view key, const fmt::memory_buffer* value, int64_t ts) override {
    rec_.key->assign(key.data(), key.size());
    if (value) {
      if (!rec_.value) rec_.value.emplace();
      rec_.value->assign(value->data(), value->size());
    } else {
      rec_.value.reset();
    }
    rec_.timestamp = ts;
    rec_.partition = KafkaPartition(key, partitions_[t]);
    return log_->Append(names_[t], rec_);
  }
  Status Close() override { return log_->CommitOutputs({}); }  // waits for every record's acknowledgement

 private:
  std::unique_ptr<KafkaLog> log_;
  std::string names_[kMarketTopics];
  int partitions_[kMarketTopics] = {};
  RawRecord rec_;
};

class MarketGen {
 public:
  MarketGen(const MarketOptions& o, uint64_t seed, MarketSink& sink) : o_(o), r_(seed), sink_(sink) {}
  Status Run();
  const int64_t* counts() const { return counts_; }
  int64_t jobs() const { return n_jobs_; }

 private:
  void Push(int64_t at, MarketEventKind kind, int32_t id, uint32_t arg = 0) {
    queue_.push_back({at, seq_++, id, arg, kind});
    std::push_heap(queue_.begin(), queue_.end(), std::greater<>());
  }
  Status Emit(MarketTopic t, std::string_view key, int64_t ts, bool tombstone = false) {
    ++counts_[t];
    return sink_.Write(t, key, tombstone ? nullptr : &v_, ts);
  }
  fmt::memory_buffer& Value() {
    v_.clear();
    return v_;
  }
  std::string_view JobId(int32_t j) { return Id(job_id_, 'J', 7, j); }
  std::string_view TpId(int32_t t) { return Id(tp_id_, 'T', 5, t); }
  std::string_view CustomerId(int32_t c) { return Id(customer_id_, 'C', 7, c); }
  static std::string_view Id(fmt::memory_buffer& b, char prefix, int width, int32_t n) {
    b.clear();
    fmt::format_to(std::back_inserter(b), "{}{:0{}}", prefix, n + 1, width);
    return {b.data(), b.size()};
  }

  Status EmitProfile(int32_t t, int64_t ts);
  Status EmitRate(int c, int64_t ts);
  Status EmitPromo(int p, double pct, int64_t ts);
  void PlanJob(int32_t j, int64_t posted);
  int32_t PickTradesperson(MarketJob& job, int64_t* start, int64_t duration);
  Status EmitJob(int32_t j);
  Status EmitQuote(int32_t j, uint32_t q);
  Status EmitAppointment(int32_t j, std::string_view status, int64_t s, int64_t e, int64_t ts);
  Status EmitStatus(int32_t j, std::string_view status, int64_t ts);
  Status EmitPayment(int32_t j, std::string_view status, int64_t ts);
  Status EmitPing(int32_t j, uint32_t k, int64_t ts);
  Status EmitFeedback(int32_t j);
  Status Handle(const MarketEvent& e);

  MarketOptions o_;
  Rng r_;
  MarketSink& sink_;
  int64_t start_ = 0, horizon_ = 0, n_jobs_ = 0;
  std::vector<MarketEvent> queue_;
  uint64_t seq_ = 0;
  std::vector<MarketJob> jobs_;
  std::vector<Tradesperson> tps_;
  std::vector<int32_t> by_skill_[kNumRegions][kNumServices];  // tradespeople per region and service
  std::vector<int32_t> recent_[kNumRegions];                  // ring of recent jobs per region
  size_t recent_next_[kNumRegions] = {};
  int region_weight_total_ = 0;
  int32_t customers_ = 0;
  double rates_[kCurrencies] = {};
  int64_t counts_[kMarketTopics] = {};
  fmt::memory_buffer v_, key_, job_id_, tp_id_, customer_id_;
};

Status MarketGen::EmitProfile(int32_t t, int64_t ts) {
  const Tradesperson& p = tps_[static_cast<size_t>(t)];
  auto& b = Value();
  fmt::format_to(std::back_inserter(b), R"({{"tradesperson_id": "{}", "name": "{} {}", "region": "{}", "skills": [)",
                 TpId(t), kFirstNames[p.first], kLastNames[p.last], kMarketRegions[p.region].name);
  bool first = true;
  for (int s = 0; s < kNumServices; ++s) {
    if (!(p.skills & (1u << s))) continue;
    fmt::format_to(std::back_inserter(b), "{}\"{}\"", first ? "" : ", ", kServices[s].name);
    first = false;
  }
  fmt::format_to(std::back_inserter(b),
                 R"(], "base_lat": {:.6f}, "base_lon": {:.6f}, "radius_km": {:.1f}, "available": {}, "updated_at": {}}})",
                 p.base_lat, p.base_lon, p.radius_km, p.available, ts);
  return Emit(kTradespeopleTopic, TpId(t), ts);
}

Status MarketGen::EmitRate(int c, int64_t ts) {
  fmt::format_to(std::back_inserter(Value()), R"({{"currency": "{}", "usd_rate": {:.8f}, "updated_at": {}}})",
                 kCurrencyNames[c], rates_[c], ts);
  return Emit(kCurrencyRatesTopic, kCurrencyNames[c], ts);
}

Status MarketGen::EmitPromo(int p, double pct, int64_t ts) {
  const PromoCode& c = kPromoCodes[p];
  fmt::format_to(std::back_inserter(Value()),
                 R"({{"code": "{}", "discount_pct": {:.1f}, "valid_from": {}, "valid_until": {}}})", c.code, pct,
                 start_ + c.from, start_ + c.until);
  return Emit(kPromoCodesTopic, c.code, ts);
}

// A free tradesperson of the job's region and trade: first one available and within reach,
// then one available, then anyone; failing a free one, the one free soonest (the start moves to
// then). Books the job in the tradesperson's calendar.
int32_t MarketGen::PickTradesperson(MarketJob& job, int64_t* start, int64_t duration) {
  const auto& list = by_skill_[job.region][job.service];
  size_t n = list.size();
  size_t off = r_.Below(n);
  int32_t best = -1;
  for (int pass = 0; pass < 3 && best < 0; ++pass) {
    int32_t soonest = -1;
    for (size_t i = 0; i < n; ++i) {
      int32_t t = list[(off + i) % n];
      const Tradesperson& p = tps_[static_cast<size_t>(t)];
      if (pass < 2 && !p.available) continue;
      if (pass == 0 && Haversine(p.base_lat, p.base_lon, job.lat, job.lon) > p.radius_km) continue;
      if (p.busy_until + 30 * kMinute <= *start) {
        best = t;
        break;
      }
      if (soonest < 0 || p.busy_until < tps_[static_cast<size_t>(soonest)].busy_until) soonest = t;
    }
    if (best < 0 && soonest >= 0) {
      best = soonest;
      *start = std::max(*start, RoundUp(tps_[static_cast<size_t>(best)].busy_until + 30 * kMinute, 15 * kMinute));
    }
  }
  Tradesperson& p = tps_[static_cast<size_t>(best)];
  p.busy_until = std::max(p.busy_until, *start + duration);
  p.last_start = *start;
  p.last_end = *start + duration;
  return best;
}

void MarketGen::PlanJob(int32_t j, int64_t posted) {
  MarketJob& job = jobs_[static_cast<size_t>(j)];
  job.posted = posted;
  int w = static_cast<int>(r_.Below(static_cast<uint64_t>(region_weight_total_)));
  int region = 0;
  while (w >= kMarketRegions[region].weight) w -= kMarketRegions[region++].weight;
  job.region = static_cast<uint8_t>(region);
  auto& recent = recent_[region];
  // A follow-up of a job of the same customer that is not over yet (the painter after the brick
  // wall), a repeat customer, or a new one.
  const MarketJob* dep = nullptr;
  uint64_t kind = r_.Below(100);
  if (!recent.empty() && kind < 8) {
    const MarketJob& d = jobs_[static_cast<size_t>(recent[r_.Below(recent.size())])];
    if (!d.cancelled && d.depends_on < 0 && d.end > posted + 4 * kHour) dep = &d;
  }
  if (dep) {
    job.depends_on = static_cast<int32_t>(dep - jobs_.data());
    job.customer = dep->customer;
    job.street = dep->street;
    job.street_no = dep->street_no;
    job.lat = dep->lat;
    job.lon = dep->lon;
    job.service = static_cast<uint8_t>(dep->service == kPainting ? kLandscaping
                                       : r_.Below(10) < 7        ? kPainting
                                                                 : r_.Below(kNumServices));
  } else {
    if (!recent.empty() && kind >= 8 && kind < 23) {
      const MarketJob& c = jobs_[static_cast<size_t>(recent[r_.Below(recent.size())])];
      job.customer = c.customer;
      job.street = c.street;
      job.street_no = c.street_no;
      job.lat = c.lat;
      job.lon = c.lon;
    } else {
      job.customer = customers_++;
      job.street = static_cast<uint8_t>(r_.Below(std::size(kStreets)));
      job.street_no = static_cast<uint16_t>(1 + r_.Below(240));
      Scatter(r_, kMarketRegions[region].lat, kMarketRegions[region].lon, 12, &job.lat, &job.lon);
    }
    job.service = static_cast<uint8_t>(r_.Below(kNumServices));
  }
  const MarketService& sv = kServices[job.service];
  Currency cur = kMarketRegions[region].currency;
  job.price = Round2(UniformD(r_, sv.min_usd, sv.max_usd) / rates_[cur]);
  int64_t duration = Uniform(r_, sv.min_hours * 4, sv.max_hours * 4) * 15 * kMinute;
  int64_t start = RoundUp(posted + Uniform(r_, 2 * kHour, 26 * kHour), 15 * kMinute);
  bool dep_conflict = false;
  if (dep) {
    if (r_.Below(100) < 12) {  // scheduled before the job it depends on ends
      dep_conflict = true;
      start = std::max(RoundUp(posted + kHour, 15 * kMinute), RoundUp(dep->end - (dep->end - dep->start) / 2, 15 * kMinute));
    } else {
      start = std::max(start, RoundUp(dep->end + Uniform(r_, 0, 4 * kHour), 15 * kMinute));
    }
  }
  job.req_start = start;
  job.req_end = start + duration;
  // Quotes over the next 90 minutes; the booking follows the last one.
  job.n_quotes = static_cast<uint8_t>(2 + r_.Below(4));
  for (int q = 0; q < job.n_quotes; ++q) job.quoted_at[q] = posted + Uniform(r_, 2 * kMinute, 90 * kMinute);
  std::sort(job.quoted_at, job.quoted_at + job.n_quotes);
  int64_t booked = job.quoted_at[job.n_quotes - 1] + Uniform(r_, 5 * kMinute, 45 * kMinute);
  start = std::max(start, RoundUp(booked + kHour, 15 * kMinute));
  // The winner: free in time, but now and then one already booked then (a double booking).
  const auto& list = by_skill_[region][job.service];
  bool double_book = !dep_conflict && r_.Below(1000) < 6;
  if (double_book) {
    double_book = false;
    size_t off = r_.Below(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      int32_t t = list[(off + i) % list.size()];
      Tradesperson& p = tps_[static_cast<size_t>(t)];
      if (p.available && p.last_start > booked + kHour) {
        start = RoundUp(p.last_start + (p.last_end - p.last_start) / 3, 15 * kMinute);
        job.tradesperson = t;
        p.busy_until = std::max(p.busy_until, start + duration);
        double_book = true;
        break;
      }
    }
  }
  if (!double_book) job.tradesperson = PickTradesperson(job, &start, duration);
  job.start = job.booked_start = start;
  job.end = job.booked_end = start + duration;
  // The other quoters: others of the trade in the region.
  uint64_t winner_q = r_.Below(job.n_quotes);
  int quoters = 0;
  for (int q = 0; q < job.n_quotes; ++q) {
    int32_t t = job.tradesperson;
    if (static_cast<uint64_t>(q) != winner_q) {
      for (int tries = 0; tries < 4 && t == job.tradesperson; ++tries) t = list[r_.Below(list.size())];
      if (t == job.tradesperson) continue;  // too few of the trade: fewer quotes
    }
    job.quoter[quoters] = t;
    job.quoted_at[quoters] = job.quoted_at[q];
    if (static_cast<uint64_t>(q) == winner_q) job.winner = static_cast<uint8_t>(quoters);
    job.amount[quoters] = Round2(job.price * UniformD(r_, 0.8, 1.2));
    job.cost[quoters] = Round2(job.amount[quoters] * UniformD(r_, 0.55, 0.8));
    job.promo[quoters] = -1;
    if (r_.Below(100) < 25) {
      uint64_t p = r_.Below(100);
      int64_t at = job.quoted_at[quoters] - start_;
      // A code valid then, one expired by then, or one nobody issued.
      int valid[std::size(kPromoCodes)], expired[std::size(kPromoCodes)], nv = 0, ne = 0;
      for (int c = 0; c < static_cast<int>(std::size(kPromoCodes)); ++c) {
        if (kPromoCodes[c].from <= at && at <= kPromoCodes[c].until) valid[nv++] = c;
        else if (kPromoCodes[c].until < at) expired[ne++] = c;
      }
      if (p < 60 && nv) job.promo[quoters] = static_cast<int8_t>(valid[r_.Below(static_cast<uint64_t>(nv))]);
      else if (p < 80 && ne) job.promo[quoters] = static_cast<int8_t>(expired[r_.Below(static_cast<uint64_t>(ne))]);
      else job.promo[quoters] = static_cast<int8_t>(std::size(kPromoCodes) + r_.Below(std::size(kUnknownCodes)));
    }
    ++quoters;
  }
  job.n_quotes = static_cast<uint8_t>(quoters);
  {
    int8_t pc = job.promo[job.winner];
    double pct = 0;
    if (pc >= 0 && pc < static_cast<int8_t>(std::size(kPromoCodes))) {
      int64_t at = job.quoted_at[job.winner] - start_;
      if (kPromoCodes[pc].from <= at && at <= kPromoCodes[pc].until) pct = kPromoCodes[pc].pct;
    }
    job.pay_amount = Round2(job.amount[job.winner] * (1 - pct / 100));
  }
  for (int q = 0; q < job.n_quotes; ++q) Push(job.quoted_at[q], kQuote, j, static_cast<uint32_t>(q));
  Push(booked, kBooked, j);
  int64_t pending = booked + Uniform(r_, kMinute, 10 * kMinute);
  Push(pending, kPaymentPending, j);
  // Cancelled (some at the last minute), rescheduled, or as booked.
  uint64_t fate = r_.Below(100);
  if (fate < 5 && !double_book) {
    job.cancelled = true;
    int64_t at = r_.Below(10) < 3 ? job.start - Uniform(r_, 5 * kMinute, kHour)
                                  : Uniform(r_, booked + 5 * kMinute, job.start - 5 * kMinute);
    at = std::max(at, booked + kMinute);
    Push(at, kCancelled, j);
    Push(std::max(at, pending) + Uniform(r_, kMinute, 10 * kMinute), kPaymentVoided, j);
    return;
  }
  if (fate < 13 && !double_book && job.start - 30 * kMinute > booked + 5 * kMinute) {
    job.rescheduled = true;
    int64_t at = Uniform(r_, booked + 5 * kMinute, job.start - 30 * kMinute);
    Tradesperson& p = tps_[static_cast<size_t>(job.tradesperson)];
    int64_t s = RoundUp(std::max(job.start + Uniform(r_, kHour, 24 * kHour), p.busy_until + 30 * kMinute), 15 * kMinute);
    p.busy_until = std::max(p.busy_until, s + duration);
    p.last_start = s;
    p.last_end = s + duration;
    job.start = s;
    job.end = s + duration;
    Push(at, kRescheduled, j);
  }
  // Travel from the tradesperson's base, arriving about at the start.
  const Tradesperson& p = tps_[static_cast<size_t>(job.tradesperson)];
  job.origin_lat = p.base_lat;
  job.origin_lon = p.base_lon;
  double km = Haversine(p.base_lat, p.base_lon, job.lat, job.lon);
  int64_t travel = static_cast<int64_t>(km / UniformD(r_, 25, 45) * kHour) + Uniform(r_, 3 * kMinute, 10 * kMinute);
  job.arrival = job.start + Uniform(r_, -10 * kMinute, 10 * kMinute);
  job.en_route = std::max(job.arrival - travel, booked + kMinute);
  bool late = r_.Below(100) < 15;
  job.completed = late ? job.end + Uniform(r_, 30 * kMinute, 4 * kHour)
                       : std::max(job.end - Uniform(r_, 0, 45 * kMinute), job.arrival + 30 * kMinute);
  Push(job.en_route, kEnRoute, j);
  Push(job.en_route, kPing, j, 0);
  Push(job.arrival, kStarted, j);
  Push(job.completed, kCompleted, j);
  // Payment: most are authorized after the work and settle later; a few never settle.
  uint64_t pay = r_.Below(100);
  if (pay >= 3) {
    int64_t auth = job.completed + Uniform(r_, kMinute, 30 * kMinute);
    Push(auth, kPaymentAuthorized, j);
    if (pay >= 8) Push(auth + Uniform(r_, 30 * kMinute, 12 * kHour), kPaymentSettled, j);
  }
  // Feedback for most; worse when late; a few arrive hours after they were written.
  if (r_.Below(100) < 80) {
    uint64_t x = r_.Below(100);
    job.rating = static_cast<uint8_t>(late ? (x < 15 ? 1 : x < 35 ? 2 : x < 65 ? 3 : x < 90 ? 4 : 5)
                                           : (x < 3 ? 1 : x < 7 ? 2 : x < 20 ? 3 : x < 50 ? 4 : 5));
    job.feedback_at = job.completed + Uniform(r_, 10 * kMinute, 8 * kHour);
    int64_t emit = job.feedback_at;
    if (r_.Below(100) < 3) emit += Uniform(r_, 2 * kHour, 30 * kHour);
    Push(emit, kFeedback, j);
  }
}

Status MarketGen::EmitJob(int32_t j) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  const MarketRegion& reg = kMarketRegions[job.region];
  auto& b = Value();
  fmt::format_to(std::back_inserter(b),
                 R"({{"job_id": "{}", "customer_id": "{}", "service_option": "{}", "region": "{}", "address": "{} {}, {}", "lat": {:.6f}, "lon": {:.6f}, "posted_at": {}, "job_start": {}, "job_target_end": {}, "depends_on": )",
                 JobId(j), CustomerId(job.customer), kServices[job.service].name, reg.name, job.street_no,
                 kStreets[job.street], reg.city, job.lat, job.lon, job.posted, job.req_start, job.req_end);
  if (job.depends_on >= 0) fmt::format_to(std::back_inserter(b), "\"{}\"", JobId(job.depends_on));
  else Append(b, "null");
  fmt::format_to(std::back_inserter(b), R"(, "total_price": {:.2f}, "currency": "{}"}})", job.price,
                 kCurrencyNames[reg.currency]);
  RETURN_IF_ERROR(Emit(kJobsTopic, JobId(j), job.posted));
  // The truck tracker's table of job locations.
  uint32_t h = static_cast<uint32_t>(job.customer) * 2654435761u;
  auto& l = Value();
  fmt::format_to(std::back_inserter(l),
                 R"({{"ID": "{}", "CUSTOMERNAME": "{} {}", "EMAIL": "{}@example.com", "ADDRESS": "{} {}, {}", "DEST_LAT": {:.6f}, "DEST_LONG": {:.6f}, "REPORTING_TIME": {}}})",
                 JobId(j), kFirstNames[(h >> 8) % std::size(kFirstNames)], kLastNames[(h >> 16) % std::size(kLastNames)],
                 CustomerId(job.customer), job.street_no, kStreets[job.street], reg.city, job.lat, job.lon, job.posted);
  return Emit(kJobLocationTopic, JobId(j), job.posted);
}

Status MarketGen::EmitQuote(int32_t j, uint32_t q) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  auto& b = Value();
  fmt::format_to(std::back_inserter(b),
                 R"({{"quote_id": "Q{:07}-{}", "job_id": "{}", "customer_id": "{}", "tradesperson_id": "{}", "amount": {:.2f}, "cost": {:.2f}, "currency": "{}", "promo_code": )",
                 j + 1, q + 1, JobId(j), CustomerId(job.customer), TpId(job.quoter[q]), job.amount[q], job.cost[q],
                 kCurrencyNames[kMarketRegions[job.region].currency]);
  int8_t p = job.promo[q];
  if (p < 0) Append(b, "null");
  else if (p < static_cast<int8_t>(std::size(kPromoCodes))) fmt::format_to(std::back_inserter(b), "\"{}\"", kPromoCodes[p].code);
  else fmt::format_to(std::back_inserter(b), "\"{}\"", kUnknownCodes[p - std::size(kPromoCodes)]);
  fmt::format_to(std::back_inserter(b), R"(, "quoted_at": {}}})", job.quoted_at[q]);
  key_.clear();
  fmt::format_to(std::back_inserter(key_), "Q{:07}-{}", j + 1, q + 1);
  return Emit(kQuotesTopic, {key_.data(), key_.size()}, job.quoted_at[q]);
}

Status MarketGen::EmitAppointment(int32_t j, std::string_view status, int64_t s, int64_t e, int64_t ts) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  auto& b = Value();
  fmt::format_to(std::back_inserter(b),
                 R"({{"job_id": "{}", "tradesperson_id": "{}", "start_ts": {}, "end_ts": {}, "status": "{}", "depends_on": )",
                 JobId(j), TpId(job.tradesperson), s, e, status);
  if (job.depends_on >= 0) fmt::format_to(std::back_inserter(b), "\"{}\"", JobId(job.depends_on));
  else Append(b, "null");
  fmt::format_to(std::back_inserter(b), R"(, "updated_at": {}}})", ts);
  return Emit(kAppointmentsTopic, JobId(j), ts);
}

Status MarketGen::EmitStatus(int32_t j, std::string_view status, int64_t ts) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  fmt::format_to(std::back_inserter(Value()),
                 R"({{"job_id": "{}", "tradesperson_id": "{}", "status": "{}", "status_at": {}, "job_target_end": {}}})",
                 JobId(j), TpId(job.tradesperson), status, ts, job.end);
  return Emit(kJobStatusTopic, JobId(j), ts);
}

Status MarketGen::EmitPayment(int32_t j, std::string_view status, int64_t ts) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  fmt::format_to(std::back_inserter(Value()),
                 R"({{"job_id": "{}", "customer_id": "{}", "quote_id": "Q{:07}-{}", "amount": {:.2f}, "currency": "{}", "status": "{}", "updated_at": {}}})",
                 JobId(j), CustomerId(job.customer), j + 1, job.winner + 1, job.pay_amount,
                 kCurrencyNames[kMarketRegions[job.region].currency], status, ts);
  return Emit(kPaymentsTopic, JobId(j), ts);
}

// Ping k of the truck on job j: a straight drive from the base to the job, with GPS noise that
// fades as the truck gets close; the last one at the job, "arrived".
Status MarketGen::EmitPing(int32_t j, uint32_t k, int64_t ts) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  bool arrived = ts >= job.arrival;
  double f = arrived ? 1.0 : static_cast<double>(ts - job.en_route) / static_cast<double>(job.arrival - job.en_route);
  double noise = arrived ? 0.00005 : 0.002 * (1 - f);
  double lat = job.origin_lat + (job.lat - job.origin_lat) * f + (r_.Unit() - 0.5) * noise;
  double lon = job.origin_lon + (job.lon - job.origin_lon) * f + (r_.Unit() - 0.5) * noise;
  key_.clear();
  fmt::format_to(std::back_inserter(key_), "TRUCK-{}", TpId(job.tradesperson));
  std::string_view truck{key_.data(), key_.size()};
  fmt::format_to(std::back_inserter(Value()),
                 R"({{"ID": "{}", "JOB_ID": "{}", "STATE": "{}", "LAT": {:.6f}, "LONG": {:.6f}}})", truck, JobId(j),
                 arrived ? "arrived" : "driving", lat, lon);
  RETURN_IF_ERROR(Emit(kTruckLocationTopic, truck, ts));
  if (!arrived) Push(std::min(ts + o_.ping_interval_ms, job.arrival), kPing, j, k + 1);
  return Status::Ok();
}

Status MarketGen::EmitFeedback(int32_t j) {
  const MarketJob& job = jobs_[static_cast<size_t>(j)];
  std::string_view comment = kComments[job.rating][r_.Below(3)];
  fmt::format_to(std::back_inserter(Value()),
                 R"({{"job_id": "{}", "tradesperson_id": "{}", "customer_id": "{}", "rating": {}, "comment": "{}", "submitted_at": {}}})",
                 JobId(j), TpId(job.tradesperson), CustomerId(job.customer), job.rating, comment, job.feedback_at);
  return Emit(kFeedbackTopic, JobId(j), job.feedback_at);
}

Status MarketGen::Handle(const MarketEvent& e) {
  int32_t j = e.id;
  switch (e.kind) {
    case kPostJob: {
      PlanJob(j, e.at);
      RETURN_IF_ERROR(EmitJob(j));
      auto& recent = recent_[jobs_[static_cast<size_t>(j)].region];
      size_t& next = recent_next_[jobs_[static_cast<size_t>(j)].region];
      if (recent.size() < 64) recent.push_back(j);
      else recent[next++ % 64] = j;
      if (j + 1 < n_jobs_) {
        // Exponential gaps at the daily rate.
        double gap = -std::log(1.0 - r_.Unit()) * static_cast<double>(kDay) / static_cast<double>(o_.jobs_per_day);
        Push(e.at + std::max<int64_t>(1, std::llround(gap)), kPostJob, j + 1);
      }
      return Status::Ok();
    }
    case kQuote:
      return EmitQuote(j, e.arg);
    case kBooked: {
      const MarketJob& job = jobs_[static_cast<size_t>(j)];
      RETURN_IF_ERROR(EmitStatus(j, "ACCEPTED", e.at));
      return EmitAppointment(j, "BOOKED", job.booked_start, job.booked_end, e.at);
    }
    case kRescheduled: {
      const MarketJob& job = jobs_[static_cast<size_t>(j)];
      return EmitAppointment(j, "RESCHEDULED", job.start, job.end, e.at);
    }
    case kCancelled: {
      const MarketJob& job = jobs_[static_cast<size_t>(j)];
      RETURN_IF_ERROR(EmitAppointment(j, "CANCELLED", job.start, job.end, e.at));
      return EmitStatus(j, "CANCELLED", e.at);
    }
    case kPaymentPending:
      return EmitPayment(j, "PENDING", e.at);
    case kPaymentAuthorized:
      return EmitPayment(j, "AUTHORIZED", e.at);
    case kPaymentVoided:
    case kPaymentSettled:
      return Emit(kPaymentsTopic, JobId(j), e.at, /*tombstone=*/true);
    case kEnRoute:
      return EmitStatus(j, "EN_ROUTE", e.at);
    case kPing:
      return EmitPing(j, e.arg, e.at);
    case kStarted:
      return EmitStatus(j, "STARTED", e.at);
    case kCompleted:
      return EmitStatus(j, "COMPLETED", e.at);
    case kFeedback:
      return EmitFeedback(j);
    case kToggle: {
      Tradesperson& p = tps_[static_cast<size_t>(j)];
      p.available = !p.available;
      // Now and then a new skill (a profile never loses one).
      if (r_.Below(100) < 5) {
        int s = static_cast<int>(r_.Below(kNumServices));
        if (!(p.skills & (1u << s))) {
          p.skills = static_cast<uint16_t>(p.skills | (1u << s));
          by_skill_[p.region][s].push_back(j);
        }
      }
      RETURN_IF_ERROR(EmitProfile(j, e.at));
      int64_t next = e.at + (p.available ? Uniform(r_, 6 * kHour, 30 * kHour) : Uniform(r_, kHour, 8 * kHour));
      if (next < horizon_) Push(next, kToggle, j);
      return Status::Ok();
    }
    case kRateTick:
      for (int c = 1; c < kCurrencies; ++c) {
        rates_[c] *= 1 + (r_.Unit() - 0.5) * 0.003;
        RETURN_IF_ERROR(EmitRate(c, e.at));
      }
      if (e.at + 15 * kMinute < horizon_) Push(e.at + 15 * kMinute, kRateTick, 0);
      return Status::Ok();
    case kPromoChange:
      return EmitPromo(kTradie20, kPromoCodes[kTradie20].pct + 5, e.at);
  }
  return Status::Ok();
}

Status MarketGen::Run() {
  start_ = o_.start_ms;
  n_jobs_ = o_.jobs >= 0 ? o_.jobs : std::llround(o_.days * static_cast<double>(o_.jobs_per_day));
  int64_t span = o_.jobs >= 0 ? n_jobs_ * kDay / o_.jobs_per_day : std::llround(o_.days * static_cast<double>(kDay));
  horizon_ = start_ + std::max<int64_t>(span, kHour);
  int64_t n_tps = o_.tradespeople > 0 ? o_.tradespeople : std::max<int64_t>(400, o_.jobs_per_day / 4);
  n_tps = std::max<int64_t>(n_tps, kNumRegions * kNumServices);
  for (const auto& reg : kMarketRegions) region_weight_total_ += reg.weight;
  for (int c = 0; c < kCurrencies; ++c) rates_[c] = kCurrencyStartRate[c];
  jobs_.resize(static_cast<size_t>(n_jobs_));
  // The tables first, an hour before the first job: profiles, promo codes, currency rates.
  int64_t t0 = start_ - kHour;
  tps_.resize(static_cast<size_t>(n_tps));
  for (int64_t i = 0; i < n_tps; ++i) {
    Tradesperson& p = tps_[static_cast<size_t>(i)];
    // Every region has every trade: the first of them are laid out one per region and trade.
    int region = 0;
    if (i < kNumRegions * kNumServices) {
      region = static_cast<int>(i % kNumRegions);
      p.skills = static_cast<uint16_t>(1u << (i / kNumRegions));
    } else {
      int w = static_cast<int>(r_.Below(static_cast<uint64_t>(region_weight_total_)));
      while (w >= kMarketRegions[region].weight) w -= kMarketRegions[region++].weight;
      p.skills = static_cast<uint16_t>(1u << r_.Below(kNumServices));
    }
    for (uint64_t extra = r_.Below(3); extra > 0; --extra) p.skills = static_cast<uint16_t>(p.skills | (1u << r_.Below(kNumServices)));
    p.region = static_cast<uint8_t>(region);
    p.available = r_.Below(100) < 85 || i < kNumRegions * kNumServices;
    p.first = static_cast<uint8_t>(r_.Below(std::size(kFirstNames)));
    p.last = static_cast<uint8_t>(r_.Below(std::size(kLastNames)));
    Scatter(r_, kMarketRegions[region].lat, kMarketRegions[region].lon, 10, &p.base_lat, &p.base_lon);
    p.radius_km = std::round(UniformD(r_, 8, 35) * 10) / 10;
    for (int s = 0; s < kNumServices; ++s)
      if (p.skills & (1u << s)) by_skill_[region][s].push_back(static_cast<int32_t>(i));
    RETURN_IF_ERROR(EmitProfile(static_cast<int32_t>(i), t0 + i * kHour / 2 / n_tps));
    int64_t toggle = start_ + Uniform(r_, 0, 20 * kHour);
    if (toggle < horizon_) Push(toggle, kToggle, static_cast<int32_t>(i));
  }
  for (int p = 0; p < static_cast<int>(std::size(kPromoCodes)); ++p)
    RETURN_IF_ERROR(EmitPromo(p, kPromoCodes[p].pct, t0 + kHour / 2 + p));
  for (int c = 0; c < kCurrencies; ++c) RETURN_IF_ERROR(EmitRate(c, t0 + kHour / 2 + 100 + c));
  Push(start_ + 15 * kMinute, kRateTick, 0);
  Push(start_ + (horizon_ - start_) / 2, kPromoChange, 0);
  if (n_jobs_ > 0) Push(start_ + static_cast<int64_t>(r_.Below(static_cast<uint64_t>(kDay / o_.jobs_per_day + 1))), kPostJob, 0);
  while (!queue_.empty()) {
    std::pop_heap(queue_.begin(), queue_.end(), std::greater<>());
    MarketEvent e = queue_.back();
    queue_.pop_back();
    RETURN_IF_ERROR(Handle(e));
  }
  return sink_.Close();
}

int GenMarketplace(MarketOptions o, uint64_t seed, const fs::path& dir) {
  if (o.start_ms < 0) {
    if (o.bootstrap.empty()) {
      o.start_ms = kMarketDefaultStart;
    } else {
      // On Kafka, in the past (the broker refuses timestamps far ahead), whole days before now.
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
      int64_t span = o.jobs >= 0 ? o.jobs * kDay / o.jobs_per_day : std::llround(o.days * static_cast<double>(kDay));
      o.start_ms = (now - span - kMarketTail) / kDay * kDay;
    }
  }
  std::unique_ptr<MarketSink> sink;
  std::string where;
  if (o.bootstrap.empty()) {
    auto f = std::make_unique<FileSink>();
    Status st = f->Open(dir);
    if (!st.ok()) {
      std::cerr << "eddy gen: " << st.message() << "\n";
      return 1;
    }
    sink = std::move(f);
    where = dir.string();
  } else {
    auto k = std::make_unique<KafkaSink>();
    Status st = k->Open(o.bootstrap, o.topic_prefix);
    if (!st.ok()) {
      std::cerr << "eddy gen: " << st.message() << "\n";
      return 1;
    }
    sink = std::move(k);
    where = o.bootstrap;
  }
  auto t0 = std::chrono::steady_clock::now();
  MarketGen g(o, seed, *sink);
  Status st = g.Run();
  if (!st.ok()) {
    std::cerr << "eddy gen: " << st.message() << "\n";
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int64_t total = 0;
  std::string per;
  for (int t = 0; t < kMarketTopics; ++t) {
    total += g.counts()[t];
    per += fmt::format("{}{} {}", t ? ", " : "", kMarketTopicInfo[t].name, g.counts()[t]);
  }
  std::cerr << fmt::format("eddy gen marketplace: {} jobs, {} records to {} in {:.1f} s ({:.0f} records/s; first job at {}): {}\n",
                           g.jobs(), total, where, secs, secs > 0 ? static_cast<double>(total) / secs : 0.0,
                           o.start_ms, per);
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
  if (args.empty()) return Usage("say what to generate: nexmark, trucks or marketplace");
  if (args[0] == "--help" || args[0] == "-h") {
    std::cout << kGenUsage;
    return 0;
  }
  const std::string& what = args[0];
  if (what != "nexmark" && what != "trucks" && what != "marketplace")
    return Usage("unknown generator '" + what + "'; use nexmark, trucks or marketplace");
  NexmarkOptions n;
  TruckOptions t;
  MarketOptions m;
  const bool market = what == "marketplace";
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
    } else if (market && a == "--jobs-per-day") {
      if (!count(1)) return Usage("--jobs-per-day needs a whole number of 1 or more, not '" + v + "'");
      m.jobs_per_day = x;
    } else if (market && a == "--days") {
      try {
        size_t used = 0;
        m.days = std::stod(v, &used);
        if (used != v.size() || !(m.days > 0) || m.days > 3650) throw std::invalid_argument(v);
      } catch (...) {
        return Usage("--days needs a number of days above 0 (at most 3650), not '" + v + "'");
      }
    } else if (market && a == "--jobs") {
      if (!count(0)) return Usage("--jobs needs a whole number of 0 or more, not '" + v + "'");
      m.jobs = x;
    } else if (market && a == "--tradespeople") {
      if (!count(1)) return Usage("--tradespeople needs a whole number of 1 or more, not '" + v + "'");
      m.tradespeople = x;
    } else if (market && a == "--ping-interval-s") {
      if (!count(1)) return Usage("--ping-interval-s needs a whole number of seconds, 1 or more, not '" + v + "'");
      m.ping_interval_ms = x * 1000;
    } else if (market && a == "--bootstrap-servers") {
      if (v.empty()) return Usage("--bootstrap-servers needs HOST:PORT");
      m.bootstrap = v;
    } else if (market && a == "--topic-prefix") {
      m.topic_prefix = v;
    } else if (a == "--events" && !market) {
      if (!count(0)) return Usage("--events needs a whole number of 0 or more, not '" + v + "'");
      n.events = t.events = x;
    } else if (a == "--rate" && !market) {
      if (!count(1)) return Usage("--rate needs a whole number of 1 or more, not '" + v + "'");
      n.rate = t.rate = x;
    } else if (a == "--start-ms") {
      if (!count(0)) return Usage("--start-ms needs epoch milliseconds, not '" + v + "'");
      n.start_ms = t.start_ms = m.start_ms = x;
    } else if (a == "--jobs" && what == "trucks") {
      if (!count(1)) return Usage("--jobs needs a whole number of 1 or more, not '" + v + "'");
      t.jobs = x;
    } else {
      return Usage("unknown option " + a + " for eddy gen " + what);
    }
  }
  if (market && !m.bootstrap.empty()) return GenMarketplace(m, static_cast<uint64_t>(seed), out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    std::cerr << "eddy gen: cannot create " << out << ": " << ec.message() << "\n";
    return 1;
  }
  if (market) return GenMarketplace(m, static_cast<uint64_t>(seed), out);
  return what == "nexmark" ? GenNexmark(n, static_cast<uint64_t>(seed), out)
                           : GenTrucks(t, static_cast<uint64_t>(seed), out);
}

}  // namespace eddy
