#include "deploy/stack_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "floe/common/crypto.h"

namespace floe::appliance {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kClientIdBytes = 8;

}  // namespace

Status saveStackComponent(Store& store, const StackComponent& component) {
  // Relaxed: the next reconcile pass writes the state again after a power cut.
  return store.write(Durability::kRelaxed, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(
        auto upsert,
        db.prepare("INSERT INTO stack_components (name, position, version, state, message, endpoint, updated_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position, "
                   "version = excluded.version, state = excluded.state, message = excluded.message, "
                   "endpoint = excluded.endpoint, updated_at = excluded.updated_at"));
    upsert.bind(1, std::string_view(component.name))
        .bind(2, static_cast<int64_t>(component.position))
        .bind(3, std::string_view(component.version))
        .bind(4, std::string_view(component.state))
        .bind(5, std::string_view(component.message))
        .bind(6, std::string_view(component.endpoint))
        .bind(7, component.updatedAtMillis);
    return upsert.run().withContext("recording stack component " + component.name);
  });
}

Result<std::vector<StackComponent>> listStackComponents(Store& store) {
  return store.read([](sqlite::Database& db) -> Result<std::vector<StackComponent>> {
    FLOE_ASSIGN_OR_RETURN(auto select,
                          db.prepare("SELECT name, position, version, state, message, endpoint, updated_at "
                                     "FROM stack_components ORDER BY position, name"));
    std::vector<StackComponent> out;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      out.push_back({select.columnText(0), static_cast<int>(select.columnInt(1)), select.columnText(2),
                     select.columnText(3), select.columnText(4), select.columnText(5), select.columnInt(6)});
    }
    return out;
  });
}

Status forgetStackComponentsExcept(Store& store, const std::vector<std::string>& names) {
  auto existing = listStackComponents(store);
  if (!existing.isOk()) return existing.status();
  return store.write(Durability::kRelaxed, [&](sqlite::Database& db) -> Status {
    for (const auto& component : *existing) {
      if (std::find(names.begin(), names.end(), component.name) != names.end()) continue;
      FLOE_ASSIGN_OR_RETURN(auto remove, db.prepare("DELETE FROM stack_components WHERE name = ?"));
      remove.bind(1, std::string_view(component.name));
      FLOE_RETURN_IF_ERROR(remove.run().withContext("forgetting stack component " + component.name));
    }
    return Status::ok();
  });
}

Result<std::map<std::string, std::string>> ensureStackSecrets(Store& store, const std::vector<std::string>& names,
                                                              const Clock& clock) {
  return store.write(Durability::kFull, [&](sqlite::Database& db) -> Result<std::map<std::string, std::string>> {
    std::map<std::string, std::string> secrets;
    {
      FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT name, value FROM stack_secrets"));
      while (true) {
        FLOE_ASSIGN_OR_RETURN(bool row, select.step());
        if (!row) break;
        secrets[select.columnText(0)] = select.columnText(1);
      }
    }
    for (const auto& name : names) {
      if (secrets.count(name)) continue;
      bool clientId = name.ends_with("ClientId");
      FLOE_ASSIGN_OR_RETURN(std::string value, secureRandomHex(clientId ? kClientIdBytes : kSecretBytes));
      FLOE_ASSIGN_OR_RETURN(auto insert,
                            db.prepare("INSERT INTO stack_secrets (name, value, created_at) VALUES (?, ?, ?)"));
      insert.bind(1, std::string_view(name)).bind(2, std::string_view(value)).bind(3, clock.nowUnixMillis());
      FLOE_RETURN_IF_ERROR(insert.run().withContext("storing generated secret " + name));
      spdlog::info("generated stack secret name={}", name);
      secrets[name] = std::move(value);
    }
    return secrets;
  });
}

}  // namespace floe::appliance
