// Tells systemd (Type=notify units) when the head is ready and when it is stopping,
// by sending the sd_notify datagram protocol to $NOTIFY_SOCKET ourselves: a few lines
// instead of a libsystemd dependency the packages would then have to carry.
#pragma once

#include <string_view>

#include "floe/common/status.h"

namespace floe::appliance {

// Sends `state` (e.g. "READY=1") to the unix datagram socket named by $NOTIFY_SOCKET;
// a name starting with '@' is in the abstract namespace. Does nothing and returns ok
// when $NOTIFY_SOCKET is unset or empty (not started by systemd).
Status notifySystemd(std::string_view state);

}  // namespace floe::appliance
