// An HTTPS client on Boost.Beast + OpenSSL: one kept-alive connection, every phase
// bounded by the request's timeout. The agent uses it instead of libcurl, whose
// dependency tree (LDAP, Kerberos, GnuTLS, ...) would triple its memory footprint.
#pragma once

#include <memory>

#include "floe/http/http_client.h"

namespace floe::http {

std::unique_ptr<HttpClient> makeBeastHttpClient(ClientTlsOptions tls);

}  // namespace floe::http
