// bulwark ledger: keys, checkpoints, verification and proofs of the transparency log.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "base/encoding.h"
#include "cli/commands.h"
#include "cli/http_client.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/tlog_proof.h"
#include "ledger/transparency_log.h"

namespace bulwark::cli {
namespace {

using ledger::Hash;

// The exit code of a verification that ran and found the claim false.
constexpr int kDoesNotHold = 1;

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

StatusOr<Hash> DecodeHash(std::string_view what, const std::string& text) {
  StatusOr<std::string> bytes = Base64Decode(text);
  if (!bytes.ok() || bytes->size() != Hash().size()) {
    return InvalidArgumentError(std::string(what) + " must be 32 bytes in base64 (44 characters)");
  }
  Hash h;
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

// "a,b,c" -> hashes; "" is the empty proof. Every element must be a hash: an empty one ("a,,b",
// ",a", "a,") is an error, not a hash to skip, so that what is checked is what was given.
StatusOr<std::vector<Hash>> DecodeProof(const std::string& text) {
  std::vector<Hash> out;
  if (text.empty()) return out;
  size_t start = 0;
  for (size_t element = 1;; ++element) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (part.empty()) {
      return InvalidArgumentError("--proof element " + std::to_string(element) +
                                  " is empty; give the hashes separated by single commas");
    }
    BW_ASSIGN_OR_RETURN(Hash h, DecodeHash("--proof element " + std::to_string(element), part));
    out.push_back(h);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::string EncodeHash(const Hash& h) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// The key file holds the private key on its first line and the verifier key on its second.
struct LedgerKey {
  std::string private_key;
  std::string verifier_key;
};

StatusOr<LedgerKey> ReadKey(const std::string& path) {
  BW_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::stringstream in(text);
  LedgerKey key;
  std::getline(in, key.private_key);
  std::getline(in, key.verifier_key);
  if (key.private_key.rfind("PRIVATE+KEY+", 0) != 0 || key.verifier_key.empty()) {
    return InvalidArgumentError(path + " is not a ledger key file (bulwark ledger keygen)");
  }
  return key;
}

Status WriteKey(const std::string& path, const ledger::GeneratedKey& key) {
  std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  {
    std::ofstream out(path, std::ios::trunc);
    out << key.private_key << "\n" << key.verifier_key << "\n";
    if (!out) return InternalError("cannot write " + path);
  }
  chmod(path.c_str(), 0600);
  return OkStatus();
}

}  // namespace

std::string LedgerKeyPath(const GlobalOptions& global) {
  if (!global.ledger_key.empty()) return global.ledger_key;
  if (global.database.rfind("sqlite:", 0) == 0) {
    std::filesystem::path db(global.database.substr(7));
    return (db.parent_path() / "ledger.key").string();
  }
  return "var/ledger.key";
}

StatusOr<std::unique_ptr<ledger::TransparencyLog>> OpenLedger(const GlobalOptions& global,
                                                              store::Database& db,
                                                              bool create_key) {
  const std::string path = LedgerKeyPath(global);
  StatusOr<LedgerKey> key = ReadKey(path);
  if (!key.ok()) {
    if (!create_key || std::filesystem::exists(path)) return key.status();
    BW_ASSIGN_OR_RETURN(ledger::GeneratedKey generated,
                        ledger::GenerateEd25519Key("bulwark.local/ledger"));
    BW_RETURN_IF_ERROR(WriteKey(path, generated));
    std::cerr << "bulwark: made a new ledger key in " << path << "; its verifier key is "
              << generated.verifier_key << "\n";
    key = LedgerKey{generated.private_key, generated.verifier_key};
  }
  BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::NoteSigner> signer,
                      ledger::NewEd25519Signer(key->private_key));
  std::string origin(signer->name());
  return std::make_unique<ledger::TransparencyLog>(db, origin, std::move(signer), key->verifier_key,
                                                   SystemClock::Get());
}

namespace {

// Where `ledger verify` reads a log from: the database, or a server's API.
struct LogSource {
  std::string verifier_key;
  // Entries from `start` on, in order; empty at the end.
  std::function<StatusOr<std::vector<ledger::Entry>>(uint64_t start)> entries;
  std::optional<std::string> latest_checkpoint;  // the latest signed note, if any
  // Database only: the stored subtree hashes, to find edits that hash consistently.
  ledger::TransparencyLog* stored = nullptr;
};

// Walks the whole log: recomputes every leaf hash and the tree, and checks them against the
// stored hashes, the latest signed checkpoint and (optionally) a checkpoint saved earlier.
Status VerifyLog(const LogSource& source, const std::string& saved_checkpoint_path) {
  BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::NoteVerifier> verifier,
                      ledger::NewEd25519Verifier(source.verifier_key));
  const ledger::NoteVerifier* verifiers[] = {verifier.get()};

  ledger::MemoryTree tree;
  uint64_t next = 0;
  for (;;) {
    BW_ASSIGN_OR_RETURN(std::vector<ledger::Entry> entries, source.entries(next));
    if (entries.empty()) break;
    for (const ledger::Entry& e : entries) {
      if (e.index != next) {
        return DataLossError("entry " + std::to_string(next) +
                             " is missing (next stored entry is " + std::to_string(e.index) + ")");
      }
      if (ledger::HashLeaf(e.leaf) != e.leaf_hash) {
        return DataLossError("entry " + std::to_string(e.index) +
                             " was changed: its bytes no longer hash to its stored leaf hash");
      }
      tree.Append(e.leaf);
      ++next;
    }
  }
  if (source.stored != nullptr) {
    BW_ASSIGN_OR_RETURN(Hash stored_root, source.stored->Root(tree.size()));
    if (stored_root != tree.Root()) {
      for (uint64_t i = 0; i < tree.size(); ++i) {
        StatusOr<Hash> recorded = source.stored->RecordedLeafHash(i);
        BW_ASSIGN_OR_RETURN(Hash now, tree.ReadNode({0, i}));
        if (!recorded.ok() || *recorded != now) {
          return DataLossError("entry " + std::to_string(i) +
                               " is not the entry the log recorded at that index: entries were "
                               "changed, moved or replaced");
        }
      }
      return DataLossError("the stored subtree hashes do not match the entries (size " +
                           std::to_string(tree.size()) + ")");
    }
  }
  auto check_note = [&](const std::string& note, std::string_view what) -> Status {
    BW_RETURN_IF_ERROR(ledger::VerifyNote(note, verifiers).status().WithPrefix(what));
    BW_ASSIGN_OR_RETURN(ledger::Note parsed, ledger::ParseNote(note));
    BW_ASSIGN_OR_RETURN(ledger::Checkpoint c, ledger::ParseCheckpoint(parsed.text));
    if (c.size > tree.size()) {
      return DataLossError(std::string(what) + " covers " + std::to_string(c.size) +
                           " entries but the log has " + std::to_string(tree.size()) +
                           ": entries were removed");
    }
    BW_ASSIGN_OR_RETURN(Hash root, ledger::RootHash(c.size, tree));
    if (root != c.root) {
      return DataLossError(std::string(what) + " of size " + std::to_string(c.size) +
                           " does not match the log's entries: the log was rewritten");
    }
    std::cout << what << ": size " << c.size << ", consistent\n";
    return OkStatus();
  };
  if (source.latest_checkpoint) {
    BW_RETURN_IF_ERROR(check_note(*source.latest_checkpoint, "the latest checkpoint"));
  }
  if (!saved_checkpoint_path.empty()) {
    BW_ASSIGN_OR_RETURN(std::string saved, ReadFile(saved_checkpoint_path));
    BW_RETURN_IF_ERROR(check_note(saved, "the saved checkpoint"));
  }
  std::cout << "ledger verified: " << tree.size() << " entries, root " << EncodeHash(tree.Root())
            << "\n";
  return OkStatus();
}

Status VerifyDatabaseLog(const GlobalOptions& global, const std::string& saved) {
  BW_ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, OpenAndMigrate(global));
  BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::TransparencyLog> log, OpenLedger(global, *db, false));
  LogSource source;
  source.verifier_key = log->verifier_key();
  source.entries = [&](uint64_t start) { return log->Entries(start, 10000); };
  BW_ASSIGN_OR_RETURN(std::optional<ledger::SignedCheckpoint> latest, log->LatestCheckpoint());
  if (latest) source.latest_checkpoint = latest->note;
  source.stored = log.get();
  return VerifyLog(source, saved);
}

// Reads the log through a server's API with an auditor's token.
Status VerifyServerLog(const std::string& server, const std::string& token, const std::string& vkey,
                       const std::string& saved) {
  std::string base = server;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + token}};
  auto get = [&](const std::string& path) -> StatusOr<std::string> {
    BW_ASSIGN_OR_RETURN(HttpReply reply, HttpGet(base + path, auth));
    if (reply.status != 200) {
      return UnavailableError(path + " answered " + std::to_string(reply.status) + ": " +
                              reply.body.substr(0, 300));
    }
    return reply.body;
  };
  LogSource source;
  source.verifier_key = vkey;
  if (source.verifier_key.empty()) {
    BW_ASSIGN_OR_RETURN(std::string served, get("/api/v1/ledger/key"));
    source.verifier_key = served.substr(0, served.find('\n'));
    std::cerr << "bulwark: trusting the key the server serves (" << source.verifier_key
              << "); pass --vkey with a key you hold to check the server itself\n";
  }
  BW_ASSIGN_OR_RETURN(std::string latest, get("/api/v1/ledger/checkpoint"));
  source.latest_checkpoint = latest;
  source.entries = [&](uint64_t start) -> StatusOr<std::vector<ledger::Entry>> {
    BW_ASSIGN_OR_RETURN(std::string body,
                        get("/api/v1/ledger/entries?limit=1000&start=" + std::to_string(start)));
    boost::system::error_code ec;
    boost::json::value page = boost::json::parse(body, ec);
    const boost::json::object* o = page.if_object();
    const boost::json::value* items = o == nullptr ? nullptr : o->if_contains("items");
    if (ec || items == nullptr || !items->is_array()) {
      return DataLossError("the server's ledger entries are not the documented JSON");
    }
    std::vector<ledger::Entry> out;
    for (const boost::json::value& item : items->get_array()) {
      const boost::json::object* e = item.if_object();
      if (e == nullptr || !e->contains("index") || !e->at("index").is_int64() ||
          !e->contains("leaf") || !e->at("leaf").is_string() || !e->contains("leaf_hash") ||
          !e->at("leaf_hash").is_string()) {
        return DataLossError("a ledger entry from the server lacks index, leaf or leaf_hash");
      }
      ledger::Entry entry;
      entry.index = static_cast<uint64_t>(e->at("index").get_int64());
      BW_ASSIGN_OR_RETURN(entry.leaf, Base64Decode(e->at("leaf").get_string()));
      BW_ASSIGN_OR_RETURN(entry.leaf_hash,
                          DecodeHash("leaf_hash", std::string(e->at("leaf_hash").get_string())));
      out.push_back(std::move(entry));
    }
    return out;
  };
  return VerifyLog(source, saved);
}

int Report(const Status& s) {
  if (s.ok()) return 0;
  std::cerr << "bulwark: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : kDoesNotHold;
}

}  // namespace

void AddLedgerCommand(CLI::App& app, const GlobalOptions& global, Actions& actions) {
  CLI::App* cmd = app.add_subcommand(
      "ledger", "The tamper-evident ledger: keys, checkpoints, verification and proofs");
  cmd->require_subcommand(1);
  {
    auto* sub = cmd->add_subcommand("keygen", "Make the ledger's Ed25519 signing key");
    auto name = std::make_shared<std::string>("bulwark.local/ledger");
    sub->add_option("--name", *name, "The log's origin, also the key's name")
        ->capture_default_str();
    actions[sub] = [&global, name] {
      const std::string path = LedgerKeyPath(global);
      if (std::filesystem::exists(path)) {
        return Fail(FailedPreconditionError(path + " exists; not overwriting it"));
      }
      StatusOr<ledger::GeneratedKey> key = ledger::GenerateEd25519Key(*name);
      if (!key.ok()) return Fail(key.status());
      if (Status s = WriteKey(path, *key); !s.ok()) return Fail(s);
      std::cout << key->verifier_key << "\n";
      return 0;
    };
  }
  {
    auto* sub = cmd->add_subcommand("checkpoint", "Sign a checkpoint of the log now and print it");
    actions[sub] = [&global] {
      StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
      if (!db.ok()) return Fail(db.status());
      auto log = OpenLedger(global, **db, true);
      if (!log.ok()) return Fail(log.status());
      StatusOr<ledger::SignedCheckpoint> c = (*log)->SignCheckpoint();
      if (!c.ok()) return Report(c.status());
      std::cout << c->note;
      return 0;
    };
  }
  {
    auto* sub = cmd->add_subcommand(
        "verify", "Recompute every hash of the log and check its checkpoints; exit 1 on tampering");
    auto saved = std::make_shared<std::string>();
    auto server = std::make_shared<std::string>();
    auto token = std::make_shared<std::string>();
    auto vkey = std::make_shared<std::string>();
    sub->add_option("--checkpoint", *saved,
                    "A checkpoint saved earlier (a signed note) that the log must still match");
    sub->add_option("--server", *server,
                    "Verify a server's log through its API (https://...) instead of a database");
    sub->add_option("--token", *token, "With --server: a token allowed to read the whole ledger")
        ->envname("BULWARK_TOKEN");
    sub->add_option("--vkey", *vkey, "With --server: the log's verifier key you trust");
    actions[sub] = [&global, saved, server, token, vkey] {
      if (server->empty()) return Report(VerifyDatabaseLog(global, *saved));
      return Report(VerifyServerLog(*server, *token, *vkey, *saved));
    };
  }
  {
    auto* sub = cmd->add_subcommand("prove", "Write a c2sp.org/tlog-proof@v1 file for entry N");
    auto index = std::make_shared<uint64_t>(0);
    sub->add_option("index", *index, "The entry's index")->required();
    actions[sub] = [&global, index] {
      StatusOr<std::unique_ptr<store::Database>> db = OpenAndMigrate(global);
      if (!db.ok()) return Fail(db.status());
      auto log = OpenLedger(global, **db, false);
      if (!log.ok()) return Fail(log.status());
      StatusOr<ledger::SignedCheckpoint> c = (*log)->SignCheckpoint();
      if (!c.ok()) return Report(c.status());
      StatusOr<std::vector<Hash>> proof = (*log)->InclusionProof(*index, c->size);
      if (!proof.ok()) return Report(proof.status());
      std::cout << ledger::FormatTlogProof({"", *index, *proof, c->note});
      return 0;
    };
  }
  {
    auto* sub = cmd->add_subcommand("check-proof", "Check a tlog-proof file offline");
    auto file = std::make_shared<std::string>();
    auto vkey = std::make_shared<std::string>();
    auto leaf_hash = std::make_shared<std::string>();
    auto leaf_file = std::make_shared<std::string>();
    sub->add_option("file", *file, "The proof file")->required();
    sub->add_option("--vkey", *vkey, "The log's verifier key (name+keyid+base64)")->required();
    sub->add_option("--leaf-hash", *leaf_hash, "The entry's RFC 9162 leaf hash, base64");
    sub->add_option("--leaf-file", *leaf_file, "A file holding the entry's bytes");
    actions[sub] = [file, vkey, leaf_hash, leaf_file] {
      Status s = [&]() -> Status {
        BW_ASSIGN_OR_RETURN(std::string text, ReadFile(*file));
        BW_ASSIGN_OR_RETURN(ledger::TlogProof proof, ledger::ParseTlogProof(text));
        BW_ASSIGN_OR_RETURN(std::unique_ptr<ledger::NoteVerifier> verifier,
                            ledger::NewEd25519Verifier(*vkey));
        Hash hash;
        if (!leaf_file->empty()) {
          BW_ASSIGN_OR_RETURN(std::string leaf, ReadFile(*leaf_file));
          hash = ledger::HashLeaf(leaf);
        } else if (!leaf_hash->empty()) {
          BW_ASSIGN_OR_RETURN(hash, DecodeHash("--leaf-hash", *leaf_hash));
        } else {
          return InvalidArgumentError("give --leaf-hash or --leaf-file");
        }
        const ledger::NoteVerifier* verifiers[] = {verifier.get()};
        BW_ASSIGN_OR_RETURN(ledger::Checkpoint c,
                            ledger::CheckTlogProof(proof, hash, verifier->name(), verifiers));
        std::cout << "proof holds: entry " << proof.index << " is in " << c.origin << " at size "
                  << c.size << "\n";
        return OkStatus();
      }();
      // A proof that parsed but does not verify (a bad signature, or a path that does not lead
      // to the root) is a "no", not a usage error.
      if (s.code() == StatusCode::kUnauthenticated || s.detail("reason")) {
        std::cerr << "bulwark: " << s.message() << "\n";
        return kDoesNotHold;
      }
      return Report(s);
    };
  }
  {
    auto* sub = cmd->add_subcommand(
        "verify-inclusion", "Check an RFC 9162 inclusion proof from numbers alone; exit 0 or 1");
    auto leaf = std::make_shared<std::string>();
    auto index = std::make_shared<uint64_t>(0);
    auto size = std::make_shared<uint64_t>(0);
    auto root = std::make_shared<std::string>();
    auto proof = std::make_shared<std::string>();
    sub->add_option("--leaf-hash", *leaf, "Leaf hash, base64")->required();
    sub->add_option("--index", *index, "Leaf index")->required();
    sub->add_option("--size", *size, "Tree size")->required();
    sub->add_option("--root", *root, "Root hash at that size, base64")->required();
    sub->add_option("--proof", *proof, "Proof hashes, base64, comma-separated (may be empty)")
        ->required();
    actions[sub] = [leaf, index, size, root, proof] {
      Status s = [&]() -> Status {
        BW_ASSIGN_OR_RETURN(Hash l, DecodeHash("--leaf-hash", *leaf));
        BW_ASSIGN_OR_RETURN(Hash r, DecodeHash("--root", *root));
        BW_ASSIGN_OR_RETURN(std::vector<Hash> p, DecodeProof(*proof));
        Status v = ledger::VerifyInclusion(l, *index, *size, p, r);
        if (!v.ok()) return DataLossError("the proof does not hold: " + v.message());
        std::cout << "the proof holds\n";
        return OkStatus();
      }();
      return Report(s);
    };
  }
  {
    auto* sub =
        cmd->add_subcommand("verify-consistency",
                            "Check an RFC 9162 consistency proof from numbers alone; exit 0 or 1");
    auto size1 = std::make_shared<uint64_t>(0);
    auto size2 = std::make_shared<uint64_t>(0);
    auto root1 = std::make_shared<std::string>();
    auto root2 = std::make_shared<std::string>();
    auto proof = std::make_shared<std::string>();
    sub->add_option("--size1", *size1, "The older tree size")->required();
    sub->add_option("--size2", *size2, "The newer tree size")->required();
    sub->add_option("--root1", *root1, "Root hash at size1, base64")->required();
    sub->add_option("--root2", *root2, "Root hash at size2, base64")->required();
    sub->add_option("--proof", *proof, "Proof hashes, base64, comma-separated (may be empty)")
        ->required();
    actions[sub] = [size1, size2, root1, root2, proof] {
      Status s = [&]() -> Status {
        BW_ASSIGN_OR_RETURN(Hash r1, DecodeHash("--root1", *root1));
        BW_ASSIGN_OR_RETURN(Hash r2, DecodeHash("--root2", *root2));
        BW_ASSIGN_OR_RETURN(std::vector<Hash> p, DecodeProof(*proof));
        Status v = ledger::VerifyConsistency(*size1, *size2, p, r1, r2);
        if (!v.ok()) return DataLossError("the proof does not hold: " + v.message());
        std::cout << "the proof holds\n";
        return OkStatus();
      }();
      return Report(s);
    };
  }
}

}  // namespace bulwark::cli
