#pragma once
// Blocking TCP helpers for the wire fast path: loopback or LAN, TCP_NODELAY,
// every wait bounded.
#include <chrono>
#include <cstdint>
#include <string>

namespace mn::wire {

/// Connects to host:port within `timeout`; the socket then has TCP_NODELAY
/// and send/receive timeouts of `io_timeout`. Returns -1 and sets `why`.
int connect_to(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
               std::chrono::milliseconds io_timeout, std::string& why);

/// Waits until `fd` has data (or was closed) within `timeout`. false on
/// timeout (`timed_out` set) or error.
bool wait_readable(int fd, std::chrono::milliseconds timeout, bool& timed_out);

/// Listens on host:port (port 0: any free one). Returns -1 and sets `why`;
/// else the socket, and `port` holds the port bound.
int listen_on(const std::string& host, uint16_t& port, std::string& why);

/// Sends one frame (length prefix + body). false on error or timeout.
bool send_frame(int fd, const std::string& body);
/// Receives one frame body. false on EOF, error, timeout or a frame over
/// max_frame; `timed_out` says which.
bool recv_frame(int fd, std::string& body, bool& timed_out);

} // namespace mn::wire
