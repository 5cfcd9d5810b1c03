#!/usr/bin/env bash
# make-certs.sh DIR NODE...: the certificates of a TLS cluster (mnode --tls-cert/--tls-key/--tls-ca).
#
# Makes, with the openssl command line:
#   DIR/ca.pem, DIR/ca.key          the cluster's certificate authority (its key signs the others:
#                                   keep ca.key off the nodes, e.g. offline)
#   DIR/NODE.pem, DIR/NODE.key      one certificate + key per node named on the command line
#   DIR/client.pem, DIR/client.key  one for clients (mn, mn::client programs)
# Every certificate signed by ca.key is a proof of membership: a process that shows one is
# let in, any other is refused. Keys are written owner-only (0600), DIR is made 0700.
# An existing ca.key is reused (to add a node later: make-certs.sh DIR newnode), an existing
# NODE.pem/NODE.key pair is kept. Certificates are valid for MN_CERT_DAYS days (default 825).
#
# Example:
#   scripts/make-certs.sh /etc/mn/certs a b c
#   mnode --name a ... --tls-cert /etc/mn/certs/a.pem --tls-key /etc/mn/certs/a.key \
#         --tls-ca /etc/mn/certs/ca.pem
#   MN_TLS_CERT=/etc/mn/certs/client.pem MN_TLS_KEY=/etc/mn/certs/client.key \
#     MN_TLS_CA=/etc/mn/certs/ca.pem mn nodes
set -euo pipefail

if [ $# -lt 2 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "usage: $0 DIR NODE... (e.g. $0 ./certs a b c): a CA, one certificate per node and one" \
       "for clients" >&2
  exit 2
fi
command -v openssl >/dev/null || { echo "make-certs: openssl not found; apt-get install openssl" >&2; exit 1; }

dir=$1
shift
days=${MN_CERT_DAYS:-825}
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

if [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -days "$days" -subj "/O=multinode-cpp/CN=multinode-cpp cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  echo "make-certs: made the CA $dir/ca.pem (keep $dir/ca.key secret)"
fi

make_one() { # NAME
  local name=$1
  case "$name" in
    ''|*[!A-Za-z0-9_.-]*) echo "make-certs: '$name' is not a node name (letters, digits, _ - .)" >&2; exit 2 ;;
  esac
  if [ -f "$dir/$name.pem" ] && [ -f "$dir/$name.key" ]; then
    echo "make-certs: kept $dir/$name.pem"
    return
  fi
  local ext
  ext=$(mktemp)
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyAgreement" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=DNS:$name,DNS:localhost,IP:127.0.0.1" > "$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -subj "/O=multinode-cpp/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days "$days" -sha256 -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
  chmod 600 "$dir/$name.key"
  chmod 644 "$dir/$name.pem"
  echo "make-certs: made $dir/$name.pem and $dir/$name.key"
}

for node in "$@"; do
  make_one "$node"
done
make_one client
chmod 644 "$dir/ca.pem"
