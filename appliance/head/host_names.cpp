#include "head/host_names.h"

#include <unistd.h>

#include <boost/asio/ip/address.hpp>

namespace floe::appliance {

bool isIpAddress(const std::string& text) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(text, ec);
  return !ec;
}

std::string hostForUrl(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return (!ec && address.is_v6()) ? "[" + host + "]" : host;
}

std::string machineHostname() {
  char buffer[256] = {0};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "";
  return buffer;
}

}  // namespace floe::appliance
