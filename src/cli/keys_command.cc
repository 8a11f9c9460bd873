// bulwark keys: the key-encryption keys that wrap every secret stored at rest (docs/secrets.md):
// making one, rotating to a new one, checking that every secret opens, and letting go of the
// secrets of a key that is lost. Also the start-up check `bulwark serve` runs.
#include <filesystem>
#include <iostream>

#include "base/clock.h"
#include "cli/commands.h"
#include "secrets/key_file.h"
#include "secrets/secret_store.h"

namespace bulwark::cli {

std::string SecretsKeyPath(const GlobalOptions& global) {
  if (!global.secrets_key.empty()) return global.secrets_key;
  if (global.database.rfind("sqlite:", 0) == 0) {
    std::filesystem::path db(global.database.substr(7));
    return (db.parent_path() / "secrets.key").string();
  }
  return "var/secrets.key";
}

StatusOr<secrets::Keyring> OpenSecretsKeyring(const GlobalOptions& global, store::Database& db) {
  const std::string path = SecretsKeyPath(global);
  StatusOr<secrets::Keyring> keyring = secrets::OpenKeyring(path, global.secrets_previous_key);
  if (!keyring.ok()) {
    if (keyring.status().code() != StatusCode::kNotFound) return keyring.status();
    return Status(StatusCode::kFailedPrecondition,
                  keyring.status().message() +
                      ". For a new database, make one with `bulwark keys init --key-file " + path +
                      "`. For a database that already holds secrets, restore the key file they "
                      "were written with: without it they cannot be read (nothing else is lost)");
  }
  secrets::SecretStore store(*keyring, SystemClock::Get());
  if (Status s = store.CheckKeyring(db); !s.ok()) {
    return Status(s.code(), "the secrets key does not fit this database: " + s.message());
  }
  return keyring;
}

namespace {

struct KeysOptions {
  std::string key_file;
  bool if_missing = false;
  std::string new_key_file;
  int batch_size = 200;
  std::string forget_key_id;
};

std::string Describe(const secrets::SecretRef& ref) {
  if (ref.table == "secrets") return "the key check row";
  return ref.table + "." + ref.column + " of " + ref.row_id;
}

void PrintFailures(const std::vector<secrets::SecretFailure>& failures) {
  for (const secrets::SecretFailure& f : failures) {
    std::cerr << "  " << Describe(f.ref) << " (key " << f.kek_id << "): " << f.status.message()
              << "\n";
  }
}

int Init(const GlobalOptions& global, const KeysOptions& options) {
  const std::string path = options.key_file.empty() ? SecretsKeyPath(global) : options.key_file;
  StatusOr<std::string> id = secrets::CreateKeyFile(path);
  if (!id.ok() && options.if_missing && id.status().code() == StatusCode::kAlreadyExists) {
    // Made earlier, or a moment ago by another process: it must be a valid key.
    StatusOr<secrets::KeyEncryptionKey> key = secrets::ReadKeyFile(path);
    if (!key.ok()) return Fail(key.status());
    std::cout << "secrets key " << key->Describe() << " already exists\n";
    return 0;
  }
  if (!id.ok()) return Fail(id.status());
  std::cout << "made secrets key " << *id << " in " << path
            << " (mode 0600). Keep a copy apart from the database and its backups: losing it "
               "loses the secrets it wraps, and nothing else.\n";
  return 0;
}

int Rotate(const GlobalOptions& global, const KeysOptions& options) {
  const std::string current_path = SecretsKeyPath(global);
  StatusOr<secrets::Keyring> keyring = secrets::OpenKeyring(options.new_key_file);
  if (!keyring.ok()) return Fail(keyring.status());
  for (const std::string& path : {current_path, global.secrets_previous_key}) {
    if (path.empty()) continue;
    StatusOr<secrets::KeyEncryptionKey> key = secrets::ReadKeyFile(path);
    if (!key.ok()) return Fail(key.status());
    keyring->AddPreviousKey(std::move(key).value());
  }
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  secrets::SecretStore store(*keyring, SystemClock::Get());
  secrets::RotateOptions rotate;
  rotate.batch_size = options.batch_size;
  StatusOr<secrets::RotationReport> report = store.Rotate(**db, rotate);
  if (!report.ok()) return Fail(report.status());
  const secrets::KeyEncryptionKey& to = keyring->primary();
  std::cout << "re-wrapped " << report->rewrapped << " secrets with " << to.Describe() << "; "
            << report->current << " were already wrapped by it.\n";
  if (!report->failures.empty()) {
    std::cerr << "bulwark: " << report->failures.size()
              << " secrets could not be re-wrapped and are left as they were:\n";
    PrintFailures(report->failures);
    return 1;
  }
  if (to.path() != current_path) {
    std::cout << "Every secret is now wrapped by " << to.id() << ". Next: make "
              << options.new_key_file << " the secrets key (--secrets-key or BULWARK_SECRETS_KEY, "
              << "or move it to " << current_path << ") and restart every server and worker. "
              << "Keep the old key until `bulwark keys check` passes with the new one.\n";
  }
  return 0;
}

int Check(const GlobalOptions& global) {
  StatusOr<secrets::Keyring> keyring =
      secrets::OpenKeyring(SecretsKeyPath(global), global.secrets_previous_key);
  if (!keyring.ok()) return Fail(keyring.status());
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  secrets::SecretStore store(*keyring, SystemClock::Get());
  StatusOr<secrets::CheckReport> report = store.CheckAll(**db);
  if (!report.ok()) return Fail(report.status());
  std::cout << "checked " << report->checked << " secrets with " << keyring->Describe() << "\n";
  int64_t not_primary = 0;
  for (const auto& [kek_id, count] : report->by_key) {
    const secrets::KeyEncryptionKey* key = keyring->Find(kek_id);
    std::cout << "  " << count << " wrapped by " << kek_id << " ("
              << (key != nullptr ? key->path() : "not among the key files given") << ")\n";
    if (kek_id != keyring->primary().id()) not_primary += count;
  }
  if (!report->failures.empty()) {
    std::cerr << "bulwark: " << report->failures.size() << " secrets do not open:\n";
    PrintFailures(report->failures);
    return 1;
  }
  if (not_primary > 0) {
    std::cout << not_primary << " secrets are not wrapped by the primary key yet: finish "
              << "`bulwark keys rotate`.\n";
  }
  std::cout << "every secret opens.\n";
  return 0;
}

int Forget(const GlobalOptions& global, const KeysOptions& options) {
  StatusOr<secrets::Keyring> keyring =
      secrets::OpenKeyring(SecretsKeyPath(global), global.secrets_previous_key);
  if (!keyring.ok()) return Fail(keyring.status());
  StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
  if (!db.ok()) return Fail(db.status());
  secrets::SecretStore store(*keyring, SystemClock::Get());
  StatusOr<int64_t> forgotten = store.ForgetKey(**db, options.forget_key_id);
  if (!forgotten.ok()) return Fail(forgotten.status());
  std::cout << "deleted " << *forgotten << " secrets wrapped by the lost key "
            << options.forget_key_id << "; whoever stored them must enter them again.\n";
  return 0;
}

}  // namespace

void AddKeysCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  auto options = std::make_shared<KeysOptions>();
  CLI::App* keys = app.add_subcommand(
      "keys", "The key files that encrypt secrets at rest: make, rotate and check them");
  keys->require_subcommand(1);

  CLI::App* init = keys->add_subcommand(
      "init", "Make a new secrets key file (mode 0600); never overwrites an existing file");
  init->add_option("--key-file", options->key_file,
                   "Where to write it; default: the --secrets-key path");
  init->add_flag("--if-missing", options->if_missing,
                 "Succeed without writing when a valid key file is already there");
  actions[init] = [&global, options] { return Init(global, *options); };

  CLI::App* rotate = keys->add_subcommand(
      "rotate",
      "Re-wrap every secret's data key with a new key file, in batches; safe to stop and run "
      "again");
  rotate->add_option("--new-key-file", options->new_key_file, "The new key (`bulwark keys init`)")
      ->required();
  rotate->add_option("--batch-size", options->batch_size, "Secrets re-wrapped per transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  actions[rotate] = [&global, options] { return Rotate(global, *options); };

  CLI::App* check = keys->add_subcommand(
      "check", "Open every stored secret with the key files given and report those that fail");
  actions[check] = [&global] { return Check(global); };

  CLI::App* forget = keys->add_subcommand(
      "forget",
      "Delete every secret wrapped by a lost key, so that the server starts with a new one");
  forget->add_option("--key-id", options->forget_key_id, "The lost key's id (kek_...)")->required();
  actions[forget] = [&global, options] { return Forget(global, *options); };
}

}  // namespace bulwark::cli
