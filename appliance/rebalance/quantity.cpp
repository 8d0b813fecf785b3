#include "rebalance/quantity.h"

#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

namespace floe::appliance::rebalance {
namespace {

// The number times its suffix's multiplier, as a long double: enough precision for
// every quantity a real object carries (exabytes at most), and simple.
Result<long double> parseQuantity(std::string_view text) {
  std::string quantity(text);
  if (quantity.empty()) return invalidArgument("empty resource quantity");
  size_t numberEnd = 0;
  while (numberEnd < quantity.size() &&
         (std::isdigit(static_cast<unsigned char>(quantity[numberEnd])) || quantity[numberEnd] == '.' ||
          quantity[numberEnd] == '+' || quantity[numberEnd] == '-')) {
    ++numberEnd;
  }
  std::string number = quantity.substr(0, numberEnd);
  std::string suffix = quantity.substr(numberEnd);
  if (number.empty() || number == "." || number == "+" || number == "-") {
    return invalidArgument("resource quantity '" + quantity + "' does not start with a number");
  }
  long double value = 0;
  try {
    size_t used = 0;
    value = std::stold(number, &used);
    if (used != number.size()) throw std::invalid_argument(number);
  } catch (const std::exception&) {
    return invalidArgument("resource quantity '" + quantity + "' has a malformed number");
  }
  if (value < 0) return invalidArgument("resource quantity '" + quantity + "' is negative");
  long double multiplier = 1;
  if (suffix.empty()) {
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    try {
      size_t used = 0;
      int exponent = std::stoi(suffix.substr(1), &used);
      if (used != suffix.size() - 1) throw std::invalid_argument(suffix);
      multiplier = std::pow(10.0L, exponent);
    } catch (const std::exception&) {
      return invalidArgument("resource quantity '" + quantity + "' has a malformed exponent");
    }
  } else {
    static const std::pair<const char*, long double> kSuffixes[] = {
        {"n", 1e-9L}, {"u", 1e-6L}, {"m", 1e-3L}, {"k", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L},
        {"P", 1e15L}, {"E", 1e18L}, {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L},
        {"Ti", 1099511627776.0L}, {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L}};
    bool known = false;
    for (const auto& [name, factor] : kSuffixes) {
      if (suffix == name) {
        multiplier = factor;
        known = true;
        break;
      }
    }
    if (!known) return invalidArgument("resource quantity '" + quantity + "' has an unknown suffix '" + suffix + "'");
  }
  return value * multiplier;
}

Result<int64_t> roundUp(long double value, std::string_view quantity) {
  // Quantities are computed in decimal: shave float noise before rounding up.
  long double rounded = std::ceil(value - 1e-9L);
  if (rounded > 9.2e18L) return invalidArgument("resource quantity '" + std::string(quantity) + "' is too large");
  return static_cast<int64_t>(rounded);
}

}  // namespace

Result<int64_t> parseCpuMillis(std::string_view quantity) {
  FLOE_ASSIGN_OR_RETURN(long double cores, parseQuantity(quantity));
  return roundUp(cores * 1000.0L, quantity);
}

Result<int64_t> parseQuantityUnits(std::string_view quantity) {
  FLOE_ASSIGN_OR_RETURN(long double units, parseQuantity(quantity));
  return roundUp(units, quantity);
}

}  // namespace floe::appliance::rebalance
