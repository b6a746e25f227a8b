package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
	"regexp"
)

var authKeyName = regexp.MustCompile(`^AuthKey_([A-Za-z0-9]+)`)

// keyOnly handles a file that holds a private key and no certificate: a
// P-256 key is a token key (.p8), anything else needs its certificate.
func (l *loader) keyOnly(key any) {
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		typ, bits := describeKey(key)
		l.problem(findKeyOnly(l.base, fmt.Sprintf("%d-bit %s", bits, typ)))
		return
	}
	l.cred.Format = FormatP8
	l.cred.Kind = AuthToken
	curve := ec.Curve.Params().Name
	l.cred.Report.TokenKey = &TokenKeyInfo{Curve: curve}
	if ec.Curve != elliptic.P256() {
		l.problem(findUnsupportedKey(l.base, "an ECDSA key on curve "+curve))
		return
	}
	keyID := l.opts.KeyID
	if keyID == "" {
		if m := authKeyName.FindStringSubmatch(l.base); m != nil {
			keyID = m[1]
		}
	}
	l.cred.Signer, l.cred.KeyID, l.cred.TeamID = ec, keyID, l.opts.TeamID
	l.cred.Report.TokenKey.KeyID = keyID
	l.cred.Report.TokenKey.TeamID = l.opts.TeamID
	if keyID == "" {
		l.warn(findMissingKeyID(l.base))
	}
	if l.opts.TeamID == "" {
		l.warn(findMissingTeamID())
	}
}
