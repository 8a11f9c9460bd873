// The access service's routes: sessions (console sign-in), who am I, organizations, users, API
// tokens, relationship grants with their dual-control approval, and authorization checks. The
// rules live in access::Directory; these handlers parse, call it, and render.
#pragma once

#include "access/directory.h"
#include "api/authenticator.h"
#include "api/router.h"
#include "base/clock.h"

namespace bulwark::api {

// `secure_cookies` marks the session cookie Secure (set when serving TLS).
void RegisterAccessRoutes(Router& router, Authenticator& auth, access::Directory& directory,
                          const Clock& clock, bool secure_cookies);

}  // namespace bulwark::api
