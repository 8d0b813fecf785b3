// Aligned plain-text tables for human CLI output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace floe::appliance {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : rows_{std::move(headers)} {}
  void addRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace floe::appliance
