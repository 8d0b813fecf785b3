#pragma once

#include <string_view>
#include <vector>

#include "floe/common/status.h"
#include "floe/sqlite/database.h"

namespace floe::appliance {

// Migration N (1-based) is kMigrations[N-1]. Append only: never edit a shipped one.
const std::vector<std::string_view>& schemaMigrations();

// Brings the database to the newest schema, one transaction per migration. Refuses a
// database written by a newer floe instead of guessing.
Status migrateSchema(sqlite::Database& db);

}  // namespace floe::appliance
