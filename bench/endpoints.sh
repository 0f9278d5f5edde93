# Sourced by bench/probe_bench.sh and bench/daemon_instr.sh: one endpoint of each probe kind
# the benchmarks measure, pointed at a testbed (trustwatch-testbed --write-config).
#   tb_urls CONFIG PKI   sets LOGIN OCSP CRL TSA POLICY from the testbed's config CONFIG,
#                        PKI its state's pki/ folder
#   endpoint KIND ID     prints the endpoint's line of a config (KIND: https http ocsp crl tsa)
tb_urls() {
	_tb_cfg=$1
	PKI=$2
	LOGIN=$(tb_url_of login); OCSP=$(tb_url_of ocsp); CRL=$(tb_url_of crl); TSA=$(tb_url_of tsa)
	POLICY=$(sed -n 's/.*policy: \([0-9.]*\).*/\1/p' "$_tb_cfg" | head -1)
}
tb_url_of() { grep -A2 "id: $1\$" "$_tb_cfg" | sed -n 's/.*url: //p' | head -1; }
endpoint() {
	case "$1" in
	https) printf '      - { id: %s, kind: login, url: "%s", tls_ca: "%s", expect: { status: 200, body_contains: "Sign in" } }\n' "$2" "$LOGIN" "$PKI/root-ca.pem" ;;
	http) printf '      - { id: %s, kind: login, url: "%s", expect: { status: 200 } }\n' "$2" "$CRL" ;;
	ocsp) printf '      - { id: %s, kind: ocsp, url: "%s", issuer: "%s", certificate: "%s", nonce: true }\n' "$2" "$OCSP" "$PKI/issuing-ca.pem" "$PKI/good.pem" ;;
	crl) printf '      - { id: %s, kind: crl, url: "%s", issuer: "%s" }\n' "$2" "$CRL" "$PKI/issuing-ca.pem" ;;
	tsa) printf '      - { id: %s, kind: tsa, url: "%s", trust: "%s", expect: { policy: %s } }\n' "$2" "$TSA" "$PKI/root-ca.pem" "$POLICY" ;;
	esac
}
