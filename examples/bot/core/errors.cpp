#include "errors.hpp"

namespace bot {
namespace {

class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "hanabi.bot"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::malformed_time: return "the time is not 1:23, 1:02:03, 83, +30 or -10";
      case errc::time_out_of_range: return "the time is outside the track";
      case errc::malformed_position: return "the position list does not parse";
      case errc::position_out_of_range: return "the position is out of range";
      case errc::malformed_volume: return "the volume setting is not N, +N or -N";
      case errc::volume_out_of_range: return "the volume must be between 0 and 1000";
      case errc::unknown_choice: return "the value is not one of the allowed choices";
      case errc::page_out_of_range: return "the page does not exist";
      case errc::malformed_snowflake: return "the value is not a Discord id or mention";
      case errc::not_allowed: return "you are not allowed to do that";
      case errc::not_in_voice: return "you are not in a voice channel";
      case errc::conflicting_options: return "these options cannot be used together";
      case errc::missing_option: return "a required option is missing";
      case errc::config_unreadable: return "the file cannot be read";
      case errc::config_syntax: return "the TOML does not parse";
      case errc::config_missing_key: return "a required key is missing";
      case errc::config_wrong_type: return "a key has the wrong type";
      case errc::config_invalid_value: return "a key has a value that is not allowed";
      case errc::config_unknown_key: return "the key is unknown";
      case errc::secret_in_config: return "secrets are never read from the config file";
      case errc::secret_missing: return "the environment variable holding a secret is not set";
      case errc::env_syntax: return "the .env line is not KEY=VALUE";
      case errc::config_unsupported: return "this build cannot honour the setting";
      case errc::script_syntax: return "the script line does not tokenize";
      case errc::script_unknown_directive: return "the script line is not a command, a bot or a directive";
      case errc::script_bad_context: return "a context key of the script line has a bad value";
      case errc::script_no_target: return "no message of that bot has this component";
      case errc::unknown_message: return "the message does not exist";
      case errc::unknown_interaction: return "the interaction is unknown or already answered";
    }
    return "unknown hanabi.bot error";
  }
};

}  // namespace

const boost::system::error_category& bot_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace bot
