#!/bin/sh
# Generates the TLS material of the p2p tests into $1 at build time, so that
# no key is ever in git: a test CA and a pod certificate signed by it, a
# second ("other") CA with its own pod certificate for the wrong-CA tests,
# the pod key again encrypted with the passphrase "secret", and a pod
# certificate of the test CA that expired in 2020.
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
# `openssl x509 -req` cannot backdate a certificate; `openssl ca` takes
# explicit dates.
openssl req -newkey rsa:2048 -nodes -subj "/CN=expired" \
  -keyout expired.key -out expired.csr 2>/dev/null
rm -rf expired_ca
mkdir expired_ca
: > expired_ca/index.txt
echo 01 > expired_ca/serial
printf '%s\n' '[ca]' 'default_ca = test' '[test]' \
  'database = expired_ca/index.txt' 'new_certs_dir = expired_ca' \
  'serial = expired_ca/serial' 'default_md = sha256' 'policy = any' \
  '[any]' 'commonName = supplied' > expired_ca/ca.cnf
openssl ca -batch -config expired_ca/ca.cnf -cert ca.pem -keyfile ca.key \
  -startdate 20200101000000Z -enddate 20200102000000Z -notext \
  -in expired.csr -out expired.pem 2>/dev/null
rm -rf expired.csr expired_ca
touch stamp
