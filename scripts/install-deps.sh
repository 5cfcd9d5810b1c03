#!/usr/bin/env bash
# Installs every Debian package multinode-cpp needs to build, test and benchmark.
# Idempotent: safe to run again. Needs root (or sudo).
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libcaf-dev                      # CAF 0.17.6: core + io (+ openssl)
  libssl-dev openssl              # TLS between processes (libcaf_openssl, runtime/tls.cpp); scripts/make-certs.sh
  liblmdb-dev lmdb-utils          # storage engine and its mdb_stat/mdb_dump tools
  nlohmann-json3-dev              # mn::value
  libboost-program-options-dev libboost-test-dev
  libhowardhinnant-date-dev       # IANA time zones (cron schedules in a named zone)
  libcpp-httplib-dev              # cpp-httplib 0.11.4: the node's HTTP API (--http); found via pkg-config
  redis-server redis-tools        # benchmark anchor (bench/ only)
  clang libclang-rt-14-dev        # scripts/fuzz.sh: libFuzzer, ASan, UBSan (-fsanitize=fuzzer)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
