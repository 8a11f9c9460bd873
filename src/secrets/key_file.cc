#include "secrets/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/ids.h"

namespace bulwark::secrets {
namespace {

// A key file is a few dozen bytes; anything much larger is not one.
constexpr size_t kMaxKeyFileBytes = 4096;
// BLAKE2b personalization of key ids (exactly crypto_generichash_blake2b_PERSONALBYTES).
constexpr char kKeyIdPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {
    'b', 'u', 'l', 'w', 'a', 'r', 'k', '.', 'k', 'e', 'k', '-', 'i', 'd', '.', '1'};
constexpr size_t kBase64KeyChars = 44;

bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Splits off the next line of `text` (without its '\n'); false when nothing is left.
bool NextLine(std::string_view& text, std::string_view* line) {
  if (text.empty()) return false;
  size_t end = text.find('\n');
  *line = text.substr(0, end);
  text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  return true;
}

Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return InternalError(ErrnoText(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

}  // namespace

std::string KeyEncryptionKey::Describe() const {
  if (path_.empty()) return "key " + id_;
  return path_ + " (key " + id_ + ")";
}

std::string KeyIdOf(std::span<const uint8_t> key) {
  unsigned char hash[16];
  crypto_generichash_blake2b_salt_personal(hash, sizeof(hash), key.data(), key.size(), nullptr, 0,
                                           nullptr,
                                           reinterpret_cast<const unsigned char*>(kKeyIdPersonal));
  return "kek_" + Base32(std::string_view(reinterpret_cast<const char*>(hash), sizeof(hash)));
}

StatusOr<KeyEncryptionKey> GenerateKey() {
  if (!SodiumReady()) return InternalError("libsodium could not be initialized");
  BW_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(kKeyBytes));
  crypto_aead_xchacha20poly1305_ietf_keygen(key.data());
  std::string id = KeyIdOf(key.span());
  return KeyEncryptionKey(std::move(id), "", std::move(key));
}

StatusOr<KeyEncryptionKey> ParseKeyFile(std::string_view text, const std::string& path) {
  if (!SodiumReady()) return InternalError("libsodium could not be initialized");
  const std::string what = "secrets key file " + path;
  std::string_view header, id_line, key_line, rest = text;
  if (text.find('\r') != std::string_view::npos) {
    return InvalidArgumentError(what + " is malformed: it has carriage returns (CRLF line ends); " +
                                "its lines must end with a line feed alone");
  }
  if (!NextLine(rest, &header) || header != kKeyFileHeader) {
    if (header.substr(0, 21) == "bulwark-secrets-key v") {
      return InvalidArgumentError(what + " is of a format version this binary does not read (" +
                                  "it reads `" + std::string(kKeyFileHeader) + "`)");
    }
    return InvalidArgumentError(
        what + " is not a Bulwark secrets key file: its first line must be `" +
        std::string(kKeyFileHeader) + "` (make one with `bulwark keys init`)");
  }
  if (!NextLine(rest, &id_line) || id_line.substr(0, 3) != "id " ||
      !IsValidId(id_line.substr(3), "kek")) {
    return InvalidArgumentError(what + " is malformed: line 2 must be `id kek_` and 26 base32 " +
                                "characters");
  }
  if (!NextLine(rest, &key_line) || key_line.substr(0, 4) != "key " ||
      key_line.size() != 4 + kBase64KeyChars) {
    return InvalidArgumentError(what + " is malformed: line 3 must be `key ` and the 32-byte key " +
                                "in base64 (44 characters)");
  }
  if (!rest.empty()) {
    return InvalidArgumentError(what + " is malformed: it has more than three lines");
  }
  BW_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Allocate(kKeyBytes));
  std::string_view b64 = key_line.substr(4);
  size_t decoded = 0;
  const char* end = nullptr;
  if (sodium_base642bin(key.data(), key.size(), b64.data(), b64.size(), nullptr, &decoded, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      decoded != kKeyBytes || end != b64.data() + b64.size()) {
    return InvalidArgumentError(what + " is malformed: line 3 is not 32 bytes in base64");
  }
  std::string id = KeyIdOf(key.span());
  if (id != id_line.substr(3)) {
    return InvalidArgumentError(what + " is damaged: its key does not match its id " +
                                std::string(id_line.substr(3)) +
                                " (was the key line edited or copied incompletely?)");
  }
  return KeyEncryptionKey(std::move(id), path, std::move(key));
}

StatusOr<KeyEncryptionKey> ReadKeyFile(const std::string& path) {
  const std::string what = "secrets key file " + path;
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return NotFoundError(what + " does not exist");
    return PermissionDeniedError("cannot open " + what + ": " + ErrnoText(err));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) {
    return PermissionDeniedError("cannot read " + what + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return PermissionDeniedError(what + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    return PermissionDeniedError(what + " may be read or written by its group or others (mode " +
                                 ModeText(st.st_mode) + "); a key file must be private to its " +
                                 "owner: run `chmod 600 " + path + "`");
  }
  if (static_cast<size_t>(st.st_size) > kMaxKeyFileBytes) {
    return InvalidArgumentError(what + " is not a Bulwark secrets key file: it is " +
                                std::to_string(st.st_size) + " bytes long");
  }
  BW_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Allocate(kMaxKeyFileBytes + 1));
  size_t used = 0;
  while (used < text.size()) {
    ssize_t n = read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PermissionDeniedError("cannot read " + what + ": " + ErrnoText(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > kMaxKeyFileBytes) {
    return InvalidArgumentError(what + " is not a Bulwark secrets key file: it is too long");
  }
  text.Truncate(used);
  return ParseKeyFile(text.view(), path);
}

StatusOr<std::string> CreateKeyFile(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string what = "secrets key file " + path;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec))) {
    return AlreadyExistsError(what + " already exists; a key file is never overwritten (losing " +
                              "a key loses the secrets it wraps)");
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return InternalError("cannot make the folder of " + what + ": " + ec.message());
    fs::permissions(parent, fs::perms::owner_all, ec);
  }

  BW_ASSIGN_OR_RETURN(KeyEncryptionKey key, GenerateKey());
  const std::string id_line = "id " + key.id() + "\n";
  const size_t b64_size = sodium_base64_ENCODED_LEN(kKeyBytes, sodium_base64_VARIANT_ORIGINAL);
  BW_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Allocate(kKeyFileHeader.size() + 1 +
                                                              id_line.size() + 4 + b64_size + 1));
  char* out = reinterpret_cast<char*>(text.data());
  size_t used = 0;
  auto append = [&](std::string_view s) {
    std::memcpy(out + used, s.data(), s.size());
    used += s.size();
  };
  append(kKeyFileHeader);
  append("\n");
  append(id_line);
  append("key ");
  sodium_bin2base64(out + used, b64_size, key.bytes().data(), key.bytes().size(),
                    sodium_base64_VARIANT_ORIGINAL);
  used += b64_size - 1;  // without its terminating NUL
  append("\n");
  text.Truncate(used);

  // Written under a temporary name and linked into place, so that the key file appears whole
  // or not at all, and an existing file is never replaced (link fails with EEXIST).
  std::string temp = path + ".tmp-XXXXXX";
  int raw_fd = mkostemp(temp.data(), O_CLOEXEC);
  if (raw_fd < 0) return InternalError("cannot write " + what + ": " + ErrnoText(errno));
  Fd fd(raw_fd);
  Status written = WriteAll(fd.get(), text.view());
  if (written.ok() && fchmod(fd.get(), 0600) != 0) written = InternalError(ErrnoText(errno));
  if (written.ok() && fsync(fd.get()) != 0) written = InternalError(ErrnoText(errno));
  if (!written.ok()) {
    unlink(temp.c_str());
    return InternalError("cannot write " + what + ": " + written.message());
  }
  int linked = link(temp.c_str(), path.c_str());
  int link_errno = errno;
  unlink(temp.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) {
      return AlreadyExistsError(what + " already exists; a key file is never overwritten " +
                                "(losing a key loses the secrets it wraps)");
    }
    return InternalError("cannot write " + what + ": " + ErrnoText(link_errno));
  }
  Fd dir(open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) fsync(dir.get());
  return key.id();
}

Keyring::Keyring(KeyEncryptionKey primary) { keys_.push_back(std::move(primary)); }

void Keyring::AddPreviousKey(KeyEncryptionKey key) {
  if (Find(key.id()) != nullptr) return;
  keys_.push_back(std::move(key));
}

const KeyEncryptionKey* Keyring::Find(std::string_view id) const {
  for (const KeyEncryptionKey& key : keys_) {
    if (key.id() == id) return &key;
  }
  return nullptr;
}

std::string Keyring::Describe() const {
  std::string out = primary().Describe();
  for (size_t i = 1; i < keys_.size(); ++i) {
    out += (i == 1 ? "; previous: " : ", ") + keys_[i].Describe();
  }
  return out;
}

StatusOr<Keyring> OpenKeyring(const std::string& path, const std::string& previous_path) {
  BW_ASSIGN_OR_RETURN(KeyEncryptionKey primary, ReadKeyFile(path));
  Keyring keyring(std::move(primary));
  if (!previous_path.empty()) {
    BW_ASSIGN_OR_RETURN(KeyEncryptionKey previous, ReadKeyFile(previous_path));
    keyring.AddPreviousKey(std::move(previous));
  }
  return keyring;
}

}  // namespace bulwark::secrets
