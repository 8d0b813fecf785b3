#include "wire.h"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

namespace floe::bench {

std::string errorKind(const std::string& phase, const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  if (ec == boost::beast::error::timeout) return phase + "_timeout";
  if (ec == asio::error::connection_refused) return phase + "_refused";
  if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) return phase + "_reset";
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
      ec == boost::beast::http::error::end_of_stream) {
    return phase + "_closed";
  }
  return phase + "_" + ec.category().name() + "_" + std::to_string(ec.value());
}

void setServerName(SSL* ssl, const std::string& host) {
  SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(host.c_str()));
}

}  // namespace floe::bench
