// Keeps the agent's resident memory to the pages it actually uses.
//
// Why: when a process touches one page of a shared library's code, Linux maps the
// 64 KiB around it ("fault-around"). Start-up (OpenSSL's provider init, option parsing,
// the first inventory) touches code all over libcrypto and libstdc++, so a steady-state
// agent that only heartbeats would carry several MB of code it never runs again. After
// start-up we drop the read-only file-backed pages (they are re-read from the page cache
// if needed) and mark those mappings random-access, so later faults map single pages.
#pragma once

#include <cstddef>

namespace floe::agent {

// Returns the number of bytes of mappings advised. Safe to call at any time: only
// mappings without write permission are touched, so no data can be lost.
size_t trimResidentCode();

}  // namespace floe::agent
