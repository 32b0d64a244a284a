#!/usr/bin/env bash
# Writes a self-signed ECDSA P-256 certificate for localhost and 127.0.0.1, valid for 30 days, to
# certs/dev-cert.pem and certs/dev-key.pem (or to the folder given as the first argument).
# For development and tests only: production needs a certificate from a real CA.
set -euo pipefail
out=${1:-"$(cd "$(dirname "$0")" && pwd)"}
mkdir -p "$out"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -keyout "$out/dev-key.pem" -out "$out/dev-cert.pem" 2>/dev/null
echo "wrote $out/dev-cert.pem and $out/dev-key.pem"
