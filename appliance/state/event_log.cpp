#include "state/event_log.h"

#include <spdlog/spdlog.h>

namespace floe::appliance {

Status recordEvent(sqlite::Database& db, const Event& event) {
  FLOE_ASSIGN_OR_RETURN(auto insert,
                        db.prepare("INSERT INTO events (at, kind, node_id, token_id, actor, message) "
                                   "VALUES (?, ?, ?, ?, ?, ?)"));
  insert.bind(1, event.atMillis)
      .bind(2, std::string_view(event.kind))
      .bind(3, event.nodeId)
      .bind(4, event.tokenId)
      .bind(5, std::string_view(event.actor))
      .bind(6, std::string_view(event.message));
  FLOE_RETURN_IF_ERROR(insert.run().withContext("recording event " + event.kind));
  spdlog::info("event kind={} node_id={} token_id={} actor={} message=\"{}\"", event.kind,
               event.nodeId.value_or("-"), event.tokenId.value_or("-"), event.actor, event.message);
  return Status::ok();
}

Result<std::vector<Event>> listEvents(Store& store, const EventFilter& filter) {
  return store.read([&](sqlite::Database& db) -> Result<std::vector<Event>> {
    FLOE_ASSIGN_OR_RETURN(
        auto select,
        db.prepare("SELECT id, at, kind, node_id, token_id, actor, message FROM events "
                   "WHERE (?1 IS NULL OR node_id = ?1) AND (?2 IS NULL OR kind = ?2) "
                   "ORDER BY id DESC LIMIT ?3"));
    select.bind(1, filter.nodeId).bind(2, filter.kind).bind(3, static_cast<int64_t>(filter.limit));
    std::vector<Event> events;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      events.push_back(Event{select.columnInt(0), select.columnInt(1), select.columnText(2),
                             select.columnOptionalText(3), select.columnOptionalText(4),
                             select.columnText(5), select.columnText(6)});
    }
    return events;
  });
}

}  // namespace floe::appliance
