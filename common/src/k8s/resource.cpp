#include "floe/k8s/resource.h"

namespace floe::k8s {
namespace {

bool isUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string groupPrefix(const ResourceType& type) {
  return type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
}

}  // namespace

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (isUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

Result<std::string> collectionPath(const ResourceType& type, std::string_view ns) {
  if (type.version.empty() || type.plural.empty()) {
    return invalidArgument("resource type " + type.apiVersion() + "/" + type.plural + " is incomplete");
  }
  if (!type.namespaced && !ns.empty()) {
    return invalidArgument(type.plural + " are cluster-scoped; no namespace may be given (got " +
                           std::string(ns) + ")");
  }
  std::string path = groupPrefix(type);
  if (!ns.empty()) path += "/namespaces/" + percentEncode(ns);
  return path + "/" + type.plural;
}

Result<std::string> objectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                               std::string_view subresource) {
  if (type.namespaced && ns.empty()) {
    return invalidArgument(type.plural + " are namespaced; a namespace is needed for " + std::string(name));
  }
  if (name.empty()) return invalidArgument("a " + type.plural + " object needs a name");
  FLOE_ASSIGN_OR_RETURN(std::string path, collectionPath(type, ns));
  path += "/" + percentEncode(name);
  if (!subresource.empty()) path += "/" + std::string(subresource);
  return path;
}

}  // namespace floe::k8s
