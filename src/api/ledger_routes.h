// The ledger's routes: its public key, the latest signed checkpoint (and signing one), entries,
// and inclusion and consistency proofs, so anyone holding the key can check the server's word.
#pragma once

#include "access/directory.h"
#include "api/authenticator.h"
#include "api/router.h"
#include "ledger/transparency_log.h"

namespace bulwark::api {

void RegisterLedgerRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                          ledger::TransparencyLog& ledger);

}  // namespace bulwark::api
