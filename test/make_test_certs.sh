#!/bin/sh
# Generates the TLS material of the p2p tests into $1 at build time, so that
# no key is ever in git: a test CA and a pod certificate signed by it, a
# second ("other") CA with its own pod certificate for the wrong-CA tests,
# and the pod key again encrypted with the passphrase "secret".
set -eu
out="$1"
mkdir -p "$out"
cd "$out"
gen_ca() { # name
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.pem" 2>/dev/null
}
gen_leaf() { # name ca
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
    -CAcreateserial -days 3650 -out "$1.pem" 2>/dev/null
  rm -f "$1.csr"
}
gen_ca ca
gen_leaf pod ca
gen_ca other_ca
gen_leaf other other_ca
openssl pkey -in pod.key -aes256 -passout pass:secret -out pod_enc.key
touch stamp
