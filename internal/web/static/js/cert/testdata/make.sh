#!/usr/bin/env bash
# Regenerates the OpenSSL-made test keys of the certificate dialog's Node
# tests. The outputs are committed; run this only to refresh them.
#
#   rsa.pem            an RSA-2048 key, and its self-signed cert.pem/cert.der
#                      (policy: the development CA's personal OID)
#   pbes2-seed.key     PKCS#8 PBES2: PBKDF2 with the default PRF (HMAC-SHA1,
#                      no PRF field, as NPKI software writes it) + SEED-CBC
#   pbes2-aes.key      PKCS#8 PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC
#   modern.p12         OpenSSL 3's default PKCS#12 (PBES2/AES-256, SHA-256 MAC)
#   legacy.p12         3DES shrouded key bag, clear cert bag, SHA-1 MAC (the
#                      encoding of the yessign test cert.p12)
#   rc2.p12            RC2-40 encrypted cert bag, 3DES key bag (openssl -legacy
#                      default; older Windows exports look the same)
#   message.txt        a challenge message; message.sig is its PKCS#1 v1.5
#                      SHA-256 signature made by OpenSSL
# All use the password in password.txt.
set -euo pipefail
cd "$(dirname "$0")"
pw=$(cat password.txt)
legacy=(-provider legacy -provider default)

openssl genrsa -out rsa.pem 2048 2>/dev/null
openssl req -new -x509 -key rsa.pem -days 3650 -subj "/C=KR/O=gwanmun dev/CN=홍길동 test" \
  -addext "certificatePolicies=2.25.114257444380852795033498566711405700062.1.1" \
  -addext "keyUsage=critical,digitalSignature,nonRepudiation" -utf8 -out cert.pem
openssl x509 -in cert.pem -outform DER -out cert.der
openssl pkcs8 -topk8 -v2 seed-cbc -v2prf hmacWithSHA1 "${legacy[@]}" -in rsa.pem -outform DER \
  -out pbes2-seed.key -passout "pass:$pw"
openssl pkcs8 -topk8 -v2 aes-256-cbc -in rsa.pem -outform DER -out pbes2-aes.key -passout "pass:$pw"
openssl pkcs12 -export -inkey rsa.pem -in cert.pem -out modern.p12 -passout "pass:$pw"
openssl pkcs12 -export "${legacy[@]}" -inkey rsa.pem -in cert.pem -out legacy.p12 \
  -keypbe PBE-SHA1-3DES -certpbe NONE -macalg sha1 -passout "pass:$pw"
openssl pkcs12 -export -legacy -inkey rsa.pem -in cert.pem -out rc2.p12 -passout "pass:$pw"
printf 'gwanmun-auth-v1\npurpose:login\norigin:https://portal.example\nnonce:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' > message.txt
openssl dgst -sha256 -sign rsa.pem -out message.sig message.txt
