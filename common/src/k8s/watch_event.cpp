#include "floe/k8s/watch_event.h"

namespace floe::k8s {

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded: return "ADDED";
    case WatchEventType::kModified: return "MODIFIED";
    case WatchEventType::kDeleted: return "DELETED";
    case WatchEventType::kBookmark: return "BOOKMARK";
    case WatchEventType::kError: return "ERROR";
  }
  return "UNKNOWN";
}

long WatchEvent::errorCode() const {
  if (type != WatchEventType::kError || !object.is_object()) return 0;
  auto code = object.find("code");
  return code != object.end() && code->is_number_integer() ? code->get<long>() : 0;
}

std::string WatchEvent::resourceVersion() const {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  return metadata->value("resourceVersion", "");
}

Result<WatchEvent> parseWatchEvent(std::string_view line) {
  nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return invalidArgument("watch event is not valid JSON");
  if (!parsed.is_object()) return invalidArgument("watch event is not a JSON object");
  auto type = parsed.find("type");
  if (type == parsed.end() || !type->is_string()) return invalidArgument("watch event has no type");
  auto object = parsed.find("object");
  if (object == parsed.end() || !object->is_object()) {
    return invalidArgument("watch event " + type->get<std::string>() + " has no object");
  }

  WatchEvent event;
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (name == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (name == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (name == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (name == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return invalidArgument("watch event has unknown type " + name.substr(0, 32));
  }
  event.object = std::move(*object);
  return event;
}

}  // namespace floe::k8s
