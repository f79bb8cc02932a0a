// GEO_DISTANCE: the great-circle distance by the haversine formula, as ksqlDB computes it.
#include <cmath>

#include "engine/function/builtin_util.h"

namespace eddy {
namespace {

constexpr double kEarthRadiusKm = 6371;
constexpr double kEarthRadiusMiles = 3959;

// Unit names are trimmed and case-insensitive; NULL or empty means kilometres.
bool RadiusFor(const Value& unit, double* radius, std::string* error) {
  if (unit.is_null()) {
    *radius = kEarthRadiusKm;
    return true;
  }
  std::string u = unit.as_string();
  size_t b = u.find_first_not_of(" \t\r\n");
  size_t e = u.find_last_not_of(" \t\r\n");
  u = b == std::string::npos ? "" : u.substr(b, e - b + 1);
  for (auto& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.empty() || u == "km" || u == "kilometer" || u == "kilometers" || u == "kilometre" || u == "kilometres") {
    *radius = kEarthRadiusKm;
    return true;
  }
  if (u == "mi" || u == "mile" || u == "miles") {
    *radius = kEarthRadiusMiles;
    return true;
  }
  *error = "GeoDistance function units parameter must be one of 'MI', 'MILES', 'KM', 'KILOMETERS', 'KILOMETRES'. Values are case-insensitive";
  return false;
}

Value GeoDistance(const Value* v, size_t n, EvalContext& ctx) {
  for (size_t i = 0; i < 4; ++i)
    if (v[i].is_null()) return Value();
  double lat1 = v[0].as_double(), lon1 = v[1].as_double(), lat2 = v[2].as_double(), lon2 = v[3].as_double();
  if (lat1 < -90 || lat1 > 90 || lat2 < -90 || lat2 > 90) {
    ctx.Fail("valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees");
    return Value();
  }
  if (lon1 < -180 || lon1 > 180 || lon2 < -180 || lon2 > 180) {
    ctx.Fail("valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees");
    return Value();
  }
  double radius = kEarthRadiusKm;
  std::string error;
  if (n > 4 && !RadiusFor(v[4], &radius, &error)) {
    ctx.Fail(error);
    return Value();
  }
  // Degrees to radians as ksqlDB's Math.toRadians rounds it (angdeg / 180.0 * PI), so that
  // the result agrees with ksqlDB's to the last bit.
  const auto radians = [](double deg) { return deg / 180.0 * M_PI; };
  double dlat = radians(lat2 - lat1);
  double dlon = radians(lon2 - lon1);
  double rlat1 = radians(lat1);
  double rlat2 = radians(lat2);
  double a = std::pow(std::sin(dlat / 2), 2) + std::pow(std::sin(dlon / 2), 2) * std::cos(rlat1) * std::cos(rlat2);
  double c = 2 * std::asin(std::sqrt(a));
  return Value::Double(radius * c);
}

}  // namespace

void RegisterGeoFunctions(FunctionRegistry& r) {
  ScalarFunction geo{"GEO_DISTANCE",
                     "GEO_DISTANCE(lat1 DOUBLE, lon1 DOUBLE, lat2 DOUBLE, lon2 DOUBLE [, unit STRING])",
                     "The great-circle distance between two points (haversine; earth radius 6371 km or 3959 mi). "
                     "unit is 'KM' (default) or 'MI'; latitudes must lie in [-90, 90], longitudes in [-180, 180].",
                     "GEO_DISTANCE(37.4439, -122.1663, 51.5257, -0.1122, 'KM') = 8634.659796579544",
                     nullptr};
  // The unit may be NULL (meaning km), so nulls are handled inside.
  TypePtr d = Type::Double();
  geo.bind = builtin::Overloaded("geo_distance", {builtin::Sig({d, d, d, d}, d, GeoDistance, false),
                                                  builtin::Sig({d, d, d, d, Type::String()}, d, GeoDistance, false)});
  r.AddScalar(std::move(geo));
}

}  // namespace eddy
