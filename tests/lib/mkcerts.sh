#!/bin/sh
# mkcerts.sh OUTDIR: throwaway test PKI for the BankID simulator and the module tests.
# Nothing here is secret; everything is regenerated per build directory.
set -eu

out=${1:?usage: mkcerts.sh OUTDIR}
[ -f "$out/.done-2" ] && exit 0
mkdir -p "$out"
out=$(cd "$out" && pwd) # the work below happens in a temp dir
# Parallel ctest runs share the directory: generate it once under a lock.
if [ -z "${MKCERTS_LOCKED:-}" ] && command -v flock >/dev/null; then
	MKCERTS_LOCKED=1 exec flock "$out/.lock" "$0" "$@"
fi
[ -f "$out/.done-2" ] && exit 0
umask 022
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

pass=qwerty123
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# ca NAME CN: self-signed CA certificate NAME.pem with key NAME.key
ca() {
	openssl req -x509 $ec -keyout "$1.key" -out "$1.pem" -days 3650 \
		-subj "/O=pam_mobileid tests/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# leaf NAME CN CA EXTFILE: key NAME.key, certificate NAME.pem signed by CA
leaf() {
	openssl req -new $ec -keyout "$1.key" -out "$1.csr" \
		-subj "/O=pam_mobileid tests/CN=$2" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
		-CAcreateserial -days 825 -sha256 -extfile "$4" -out "$1.pem" 2>/dev/null
}

cat >server.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
cat >wronghost.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong.example.invalid
EOF
cat >client.ext <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF

ca ca "Test BankID SSL Root CA"
ca otherca "Unrelated Test CA"
ca clientca "Test RP CA"
ca rogueca "Rogue RP CA"

leaf server localhost ca server.ext
leaf server-wronghost wrong.example.invalid ca wronghost.ext
leaf server-otherca localhost otherca server.ext

# openssl x509 in 3.0 cannot backdate, so expired certs go through openssl ca.
# backdated NAME CN CA EXT: NAME.pem signed by CA, valid in 2020 only (EXT:
# a section below), and its key NAME.key
backdated() {
	rm -rf expca && mkdir -p expca/new
	: >expca/index.txt
	echo 1000 >expca/serial
	sed "s/@CA@/$3/" >expca.cnf <<EOF
[ca]
default_ca=exp
[exp]
dir=expca
database=expca/index.txt
new_certs_dir=expca/new
serial=expca/serial
certificate=@CA@.pem
private_key=@CA@.key
default_md=sha256
policy=pol
copy_extensions=none
unique_subject=no
[pol]
commonName=supplied
organizationName=optional
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
[client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOF
	openssl req -new $ec -keyout "$1.key" -out "$1.csr" \
		-subj "/O=pam_mobileid tests/CN=$2" 2>/dev/null
	openssl ca -batch -config expca.cnf -extensions "$4" -notext \
		-startdate 20200101000000Z -enddate 20210101000000Z \
		-in "$1.csr" -out "$1.pem" 2>/dev/null
}
backdated server-expired localhost ca server

# client NAME CN CA [DAYS]: RP client certificate with plain, combined and
# PKCS#12 forms, valid DAYS (825)
client() {
	openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" \
		-subj "/O=pam_mobileid tests/CN=$2" 2>/dev/null
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" \
		-CAcreateserial -days "${4:-825}" -sha256 -extfile client.ext -out "$1.pem" 2>/dev/null
	openssl pkcs12 -export -in "$1.pem" -inkey "$1.key" -out "$1.p12" \
		-passout pass:$pass -name "$2" 2>/dev/null
}
client client "FP Testcert pam_mobileid" clientca
client client2 "Second RP" clientca
client rogue "Rogue RP" rogueca
client client-soon "RP certificate near its end" clientca 10
# an RP certificate from the right CA that expired (in 2020)
backdated client-expired "Expired RP" clientca client
openssl pkcs12 -export -in client-expired.pem -inkey client-expired.key \
	-out client-expired.p12 -passout pass:$pass -name "Expired RP" 2>/dev/null
cat client.pem client.key >client-combined.pem
openssl pkey -in client.key -aes256 -passout pass:$pass -out client-enc.key 2>/dev/null
printf '%s\n' "$pass" >client.pass

for f in ca otherca clientca server server-expired server-wronghost \
	server-otherca client client2 rogue; do
	cp "$f.pem" "$out/$f.pem"
done
cp client-combined.pem "$out/"
for f in server server-expired server-wronghost server-otherca client client2 rogue; do
	cp "$f.key" "$out/$f.key"
done
cp client-enc.key client.pass client.p12 client2.p12 rogue.p12 client-soon.p12 \
	client-expired.p12 "$out/"
chmod 0644 "$out"/*.pem
chmod 0600 "$out"/*.key "$out"/*.p12 "$out"/client.pass
if [ "$(id -u)" = 0 ]; then chown root:root "$out"/*; fi
rm -f "$out/.lock"
touch "$out/.done-2"
