package certs

import (
	"crypto/x509/pkix"
	"fmt"
	"strings"
)

// attrNames are the short names OpenSSL and Keychain show; Go's
// pkix.Name.String() lacks UID, where Apple puts the bundle ID.
var attrNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.17":                   "postalCode",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
}

// nameString writes a distinguished name in the certificate's own order
// ("UID=com.example.app, CN=Apple Push Services: ..., OU=TEAMID, C=US"), as
// `openssl x509 -subject` does, so support staff can compare the two.
func nameString(n pkix.Name) string {
	parts := make([]string, 0, len(n.Names))
	for _, a := range n.Names {
		k, ok := attrNames[a.Type.String()]
		if !ok {
			k = a.Type.String()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", k, a.Value))
	}
	if len(parts) == 0 {
		return n.String()
	}
	return strings.Join(parts, ", ")
}
