// The libcurl Transport: TLS material from memory (CURLOPT_*_BLOB, nothing written to
// disk), kept-alive connections, cancellation within ~100 ms, dead-connection detection
// for long watches (TCP keepalive plus an idle limit).
#pragma once

#include <memory>

#include "floe/k8s/kubeconfig.h"
#include "floe/k8s/transport.h"

namespace floe::k8s {

std::shared_ptr<Transport> makeCurlTransport(const KubeConfig& config);

}  // namespace floe::k8s
