#include "cli/config_file.h"

#include <fstream>

namespace bulwark::cli {

Status ApplyConfigFile(CLI::App& app, const std::string& path) {
  std::ifstream in(path);
  if (!in) return InvalidArgumentError("cannot read the configuration file " + path);
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return InvalidArgumentError("the configuration file " + path + " is malformed: " + e.what());
  }
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    CLI::App* scope = &app;
    for (const std::string& parent : item.parents) {
      if (scope == nullptr) break;
      std::vector<CLI::App*> found =
          scope->get_subcommands([&](CLI::App* sub) { return sub->get_name() == parent; });
      scope = found.empty() ? nullptr : found.front();
    }
    CLI::Option* option = scope == nullptr ? nullptr : scope->get_option_no_throw("--" + item.name);
    if (option == nullptr || item.name == "config") {
      return InvalidArgumentError("the configuration file " + path + " has an unknown key '" +
                                  item.fullname() + "'; run with --help for the options");
    }
    if (option->count() > 0) continue;  // Set by a flag or the environment.
    for (const std::string& value : item.inputs) option->add_result(value);
    try {
      option->run_callback();
    } catch (const CLI::Error& e) {
      return InvalidArgumentError("the configuration file " + path + " has a bad value for '" +
                                  item.fullname() + "': " + e.what());
    }
  }
  return OkStatus();
}

}  // namespace bulwark::cli
