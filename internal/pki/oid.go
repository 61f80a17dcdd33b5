// Package pki reads, writes and verifies Korean PKI (NPKI, 공동인증서)
// certificates and keys: NPKI key files and PKCS#12, certificate chains,
// revocation, the personal / institution classification by policy OID, the
// signed login challenge, and a development CA.
package pki

import "encoding/asn1"

// Object identifiers used across the package. Sources: ../shared/reference/npki.md.
var (
	// OIDSeedCBCWithSHA1 is pbeWithSHA1AndSEED-CBC, the classic signPri.key scheme.
	OIDSeedCBCWithSHA1 = asn1.ObjectIdentifier{1, 2, 410, 200004, 1, 15}
	// OIDSeedCBC is SEED-CBC as an encryption scheme (PBES2) or, old style,
	// as the top-level algorithm with a fixed IV.
	OIDSeedCBC = asn1.ObjectIdentifier{1, 2, 410, 200004, 1, 4}
	// OIDRandomNum is the R attribute (random value for VID) in the private key.
	OIDRandomNum = asn1.ObjectIdentifier{1, 2, 410, 200004, 10, 1, 1, 3}
	// OIDIdentifyData is the VID otherName in subjectAltName.
	OIDIdentifyData = asn1.ObjectIdentifier{1, 2, 410, 200004, 10, 1, 1}
)

// Development CA policy OIDs, in dotted form. They live under a UUID-derived
// arc (2.25, ITU-T X.667), which needs no registration and cannot collide with
// a real CA's policy. The arc is too large for asn1.ObjectIdentifier; use
// x509.ParseOID and x509.Certificate.Policies.
const (
	OIDDevArc         = "2.25.114257444380852795033498566711405700062"
	OIDDevPersonal    = OIDDevArc + ".1.1"
	OIDDevInstitution = OIDDevArc + ".1.2"
)
