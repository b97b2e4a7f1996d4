#!/bin/sh
# docker-tls.sh: the mutual-TLS material between the control plane and the managers' Docker API.
#
#   infra/docker-tls.sh generate DIR [MANAGER_SUBNET_PREFIX]
#       Writes into DIR (which must not exist yet): ca.pem and ca-key.pem (keep ca-key.pem offline),
#       server-cert.pem and server-key.pem for the managers, with the IP SANs of all five manager slots
#       (cidrHost(prefix, 3..7): 10.0.0.4 to 10.0.0.8 for the default 10.0.0.0/24), and client-cert.pem and
#       client-key.pem for the function app. RSA 2048, PKCS#8 keys, valid for 825 days.
#
#   infra/docker-tls.sh upload VAULT DIR
#       Stores the five PEMs the deployment needs as Key Vault secrets with the names infra/functions.json
#       and infra/cluster.parameters.example.json use (az CLI, logged in, Key Vault Secrets Officer on VAULT).
set -eu

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

generate() {
  dir=$1
  prefix=${2:-10.0.0.0/24}
  [ ! -e "$dir" ] || { echo "docker-tls.sh: $dir exists; choose a new folder" >&2; exit 1; }
  network=${prefix%/*}
  old_ifs=$IFS
  IFS=.
  # shellcheck disable=SC2086
  set -- $network
  IFS=$old_ifs
  [ "$#" -eq 4 ] || { echo "docker-tls.sh: $prefix is not an IPv4 prefix" >&2; exit 1; }
  base=$(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 ))
  sans=
  i=0
  while [ "$i" -lt 5 ]; do
    address=$((base + 4 + i))
    ip="$(( (address >> 24) & 255 )).$(( (address >> 16) & 255 )).$(( (address >> 8) & 255 )).$(( address & 255 ))"
    sans="${sans}IP:$ip,DNS:master$i,"
    i=$((i + 1))
  done
  sans=${sans%,}

  mkdir -p "$dir"
  (
    cd "$dir"
    umask 077
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-key.pem 2>/dev/null
    openssl req -x509 -new -key ca-key.pem -sha256 -days 825 -subj "/CN=Harbormaster Docker CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-key.pem 2>/dev/null
    openssl req -new -key server-key.pem -subj "/CN=harbormaster-manager" -out server.csr
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" "subjectAltName=$sans" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
      -days 825 -sha256 -extfile server.ext -out server-cert.pem 2>/dev/null

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-key.pem 2>/dev/null
    openssl req -new -key client-key.pem -subj "/CN=harbormaster-control-plane" -out client.csr
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
      -days 825 -sha256 -extfile client.ext -out client-cert.pem 2>/dev/null

    rm -f server.csr server.ext client.csr client.ext
    chmod 644 ca.pem server-cert.pem client-cert.pem
    chmod 600 ca-key.pem server-key.pem client-key.pem
  )
  echo "docker-tls.sh: wrote $dir (server SANs: $sans); keep $dir/ca-key.pem offline" >&2
}

upload() {
  vault=$1
  dir=$2
  for pair in ca.pem:harbormaster-docker-tls-ca-pem \
              client-cert.pem:harbormaster-docker-tls-client-cert-pem \
              client-key.pem:harbormaster-docker-tls-client-key-pem \
              server-cert.pem:harbormaster-docker-tls-server-cert-pem \
              server-key.pem:harbormaster-docker-tls-server-key-pem; do
    file=$dir/${pair%%:*}
    name=${pair#*:}
    [ -r "$file" ] || { echo "docker-tls.sh: $file is missing" >&2; exit 1; }
    az keyvault secret set --vault-name "$vault" --name "$name" --file "$file" --encoding utf-8 \
      --content-type application/x-pem-file --output none
    echo "docker-tls.sh: stored $name" >&2
  done
}

case ${1:-} in
  generate) [ "$#" -ge 2 ] || usage; shift; generate "$@" ;;
  upload) [ "$#" -eq 3 ] || usage; shift; upload "$@" ;;
  *) usage ;;
esac
