#include "rebalance/report_store.h"

namespace floe::appliance::rebalance {
namespace {

// The summary's fields as stored (times as unix milliseconds, unlike the API's RFC 3339).
std::string storedSummary(const RoundReport& r) {
  return nlohmann::json{{"trigger", r.trigger},          {"dry_run", r.dryRun},
                        {"message", r.message},          {"finished_at", r.finishedAtMillis},
                        {"spread_before", r.spreadBefore}, {"spread_after", r.spreadAfter},
                        {"evictions", r.evictions}}
      .dump();
}

RoundReport fromRow(int64_t id, int64_t startedAt, std::string outcome, const std::string& summary,
                    const std::string* detail) {
  RoundReport r;
  r.id = id;
  r.startedAtMillis = startedAt;
  r.outcome = std::move(outcome);
  auto s = nlohmann::json::parse(summary, nullptr, false);
  if (s.is_object()) {
    r.trigger = s.value("trigger", "");
    r.dryRun = s.value("dry_run", false);
    r.message = s.value("message", "");
    r.finishedAtMillis = s.value("finished_at", int64_t{0});
    r.spreadBefore = s.value("spread_before", 0.0);
    r.spreadAfter = s.value("spread_after", 0.0);
    r.evictions = s.value("evictions", 0);
  }
  if (detail) {
    auto d = nlohmann::json::parse(*detail, nullptr, false);
    r.detail = d.is_discarded() ? nlohmann::json::object() : d;
  }
  return r;
}

}  // namespace

Result<int64_t> ReportStore::insert(const RoundReport& report) {
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Result<int64_t> {
    FLOE_ASSIGN_OR_RETURN(auto insert, db.prepare("INSERT INTO rebalance_reports (started_at, outcome, summary, detail) "
                                                  "VALUES (?, ?, ?, ?)"));
    std::string summary = storedSummary(report), detail = report.detail.dump();
    insert.bind(1, report.startedAtMillis).bind(2, std::string_view(report.outcome)).bind(3, std::string_view(summary))
        .bind(4, std::string_view(detail));
    FLOE_RETURN_IF_ERROR(insert.run().withContext("recording a rebalance round"));
    FLOE_ASSIGN_OR_RETURN(auto last, db.prepare("SELECT last_insert_rowid()"));
    FLOE_ASSIGN_OR_RETURN(bool row, last.step());
    if (!row) return internalError("no rowid after inserting a rebalance report");
    return last.columnInt(0);
  });
}

Status ReportStore::update(const RoundReport& report) {
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    FLOE_ASSIGN_OR_RETURN(auto update,
                          db.prepare("UPDATE rebalance_reports SET outcome = ?, summary = ?, detail = ? WHERE id = ?"));
    std::string summary = storedSummary(report), detail = report.detail.dump();
    update.bind(1, std::string_view(report.outcome)).bind(2, std::string_view(summary)).bind(3, std::string_view(detail))
        .bind(4, report.id);
    return update.run().withContext("updating rebalance report " + std::to_string(report.id));
  });
}

Result<RoundReport> ReportStore::get(int64_t id) {
  return store_.read([&](sqlite::Database& db) -> Result<RoundReport> {
    FLOE_ASSIGN_OR_RETURN(auto select,
                          db.prepare("SELECT id, started_at, outcome, summary, detail FROM rebalance_reports WHERE id = ?"));
    select.bind(1, id);
    FLOE_ASSIGN_OR_RETURN(bool row, select.step());
    if (!row) return notFound("no rebalance report with id " + std::to_string(id));
    std::string detail = select.columnText(4);
    return fromRow(select.columnInt(0), select.columnInt(1), select.columnText(2), select.columnText(3), &detail);
  });
}

Result<std::vector<RoundReport>> ReportStore::list(int limit) {
  return store_.read([&](sqlite::Database& db) -> Result<std::vector<RoundReport>> {
    FLOE_ASSIGN_OR_RETURN(auto select, db.prepare("SELECT id, started_at, outcome, summary FROM rebalance_reports "
                                                  "ORDER BY id DESC LIMIT ?"));
    select.bind(1, static_cast<int64_t>(limit));
    std::vector<RoundReport> out;
    while (true) {
      FLOE_ASSIGN_OR_RETURN(bool row, select.step());
      if (!row) break;
      out.push_back(fromRow(select.columnInt(0), select.columnInt(1), select.columnText(2), select.columnText(3), nullptr));
    }
    return out;
  });
}

Status ReportStore::markInterrupted() {
  return store_.write(Durability::kFull, [&](sqlite::Database& db) -> Status {
    return db.execute("UPDATE rebalance_reports SET outcome = 'interrupted' WHERE outcome = 'running'");
  });
}

}  // namespace floe::appliance::rebalance
