package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// isKeyBlock reports whether a PEM block holds a private key.
func isKeyBlock(b *pem.Block) bool {
	switch b.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
		return true
	}
	return false
}

// isEncryptedBlock reports whether a key block needs a password.
func isEncryptedBlock(b *pem.Block) bool {
	// Deprecated API on purpose: see parseKeyBlock.
	return b.Type == "ENCRYPTED PRIVATE KEY" || x509.IsEncryptedPEMBlock(b) //nolint:staticcheck
}

// parseKeyBlock turns a PEM key block into a key, decrypting it with password
// when it is encrypted. Errors are errBadPassword, errUnsupportedEncryption or
// a description of the damage.
func parseKeyBlock(b *pem.Block, password string) (any, error) {
	if b.Type == "ENCRYPTED PRIVATE KEY" {
		return decryptPKCS8(b.Bytes, password)
	}
	der := b.Bytes
	if isEncryptedBlock(b) {
		// x509.DecryptPEMBlock is deprecated because RFC 1423 encryption is
		// weak, but `openssl rsa -traditional -aes256` still writes it and
		// old ck.pem files carry it: reading it is the point here. Keys
		// pushdeck writes use PBES2 (encryptPKCS8).
		plain, err := x509.DecryptPEMBlock(b, []byte(password)) //nolint:staticcheck
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, errBadPassword
		}
		if err != nil {
			return nil, errUnsupportedEncryption{"legacy PEM encryption pushdeck cannot undo (" + cleanErr(err) + ")"}
		}
		k, err := parsePlainKey(b.Type, plain)
		if err != nil {
			return nil, errBadPassword // decrypted to noise: the password is wrong
		}
		return k, nil
	}
	k, err := parsePlainKey(b.Type, der)
	if err != nil {
		return nil, fmt.Errorf("the %s block is damaged: %s", b.Type, cleanErr(err))
	}
	return k, nil
}

// parsePlainKey parses an unencrypted key, trying the block type's encoding
// first and then the others, since mislabelled blocks are common.
func parsePlainKey(typ string, der []byte) (any, error) {
	var first error
	try := func(f func([]byte) (any, error)) any {
		k, err := f(der)
		if err != nil {
			if first == nil {
				first = err
			}
			return nil // the parsers return typed nils that are not == nil
		}
		return k
	}
	pkcs1 := func(b []byte) (any, error) { return x509.ParsePKCS1PrivateKey(b) }
	ec := func(b []byte) (any, error) { return x509.ParseECPrivateKey(b) }
	order := []func([]byte) (any, error){x509.ParsePKCS8PrivateKey, pkcs1, ec}
	switch typ {
	case "RSA PRIVATE KEY":
		order = []func([]byte) (any, error){pkcs1, x509.ParsePKCS8PrivateKey, ec}
	case "EC PRIVATE KEY":
		order = []func([]byte) (any, error){ec, x509.ParsePKCS8PrivateKey, pkcs1}
	}
	for _, f := range order {
		if k := try(f); k != nil {
			return k, nil
		}
	}
	return nil, first
}

// parseDERKey reads a key file in DER: PKCS#8, PKCS#1, SEC 1 or encrypted
// PKCS#8. ok is false when the bytes are no key at all.
func parseDERKey(der []byte, password string) (key any, encrypted bool, err error) {
	if k, err := parsePlainKey("", der); err == nil {
		return k, false, nil
	}
	var info encryptedPrivateKeyInfo
	if unmarshalAll(der, &info) == nil && len(info.Algorithm.Algorithm) > 0 {
		k, err := decryptPKCS8(der, password)
		return k, true, err
	}
	return nil, false, errNoKey
}

var errNoKey = errors.New("no private key")

// keyFinding turns a key error into the finding a person reads.
func keyFinding(name string, err error, password string) Finding {
	var unsup errUnsupportedEncryption
	var it errIterations
	switch {
	case errors.As(err, &it):
		return findExcessiveIterations(name, it)
	case errors.Is(err, errBadPassword) && password == "":
		return findPasswordRequired(name)
	case errors.Is(err, errBadPassword):
		return findWrongPassword(name)
	case errors.As(err, &unsup):
		return findUnsupportedEncryption(name, err)
	}
	return findCorrupt(fmt.Sprintf("The private key in %s is damaged: %s.", name, cleanErr(err)))
}

// describeKey gives a key's type and size for the report.
func describeKey(k any) (typ string, bits int) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PrivateKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PrivateKey:
		return "Ed25519", 256
	}
	return fmt.Sprintf("%T", k), 0
}

// keyMatches reports whether key is the private half of cert's public key.
func keyMatches(key any, cert *x509.Certificate) bool {
	s, ok := key.(crypto.Signer)
	if !ok {
		return false
	}
	pub, ok := s.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}
