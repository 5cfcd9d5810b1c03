#pragma once
// runtime::tls: proof of membership between the processes of a cluster. With
// --tls-cert/--tls-key/--tls-ca every CAF connection is TLS through CAF's
// openssl module, which then requires a certificate on both sides signed by
// the CA (a process without one is refused). This file checks the files up
// front (CAF would only fail, or throw on its network thread, at the first
// connection) and logs the handshakes this process refuses, which CAF does
// not: tls.cpp wraps OpenSSL's SSL_accept, SSL_connect and SSL_read (the
// calls libcaf_openssl makes) and reports their fatal failures. No CAF here.
#include "storage/status.hpp"

#include <cstdint>
#include <string>

namespace mn::runtime::tls {

/// Checks a TLS setup: all three paths or none; each file readable; `cert` a
/// PEM certificate, `key` its (unencrypted) PEM private key, `ca` PEM CA
/// certificates that `cert` verifies against (which also catches an expired
/// certificate). ok for three empty paths. Errors: bad_config, one line
/// naming the option, what is wrong and what to do.
storage::status check_files(const std::string& cert, const std::string& key,
                            const std::string& ca);

/// A warning line when the key file can be read by other users, else "".
std::string key_warning(const std::string& key);

/// From now on, every TLS handshake this process refuses on a connection it
/// accepted (no certificate, one of another CA, not TLS at all) is logged on
/// stderr as one line naming `who` (e.g. "node 'a'"), the peer's address and
/// OpenSSL's reason; at most 20 lines a minute (the rest are counted in the
/// next line). A peer that closes before sending anything is not logged.
void log_refusals_as(const std::string& who);

/// Handshakes refused on accepted connections since the process started
/// (all of them, logged or not).
uint64_t refusals() noexcept;

/// Why the last TLS connection this process made to `port` (any host) failed
/// within the last 30 s: OpenSSL's reason, e.g. "certificate verify failed";
/// empty when none did.
std::string last_client_failure(uint16_t port);

/// What to tell a process whose connection to the node at `port` broke in
/// the handshake (CAF's disconnect_during_handshake), with or without TLS of
/// its own: OpenSSL's reason when known, and which options to check.
std::string handshake_hint(uint16_t port, bool tls_on);

/// true for "127.x.y.z", "::1" and "localhost": addresses no other machine
/// can reach.
bool is_loopback(const std::string& host);

} // namespace mn::runtime::tls
