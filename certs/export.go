package certs

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ErrNotExportable is returned by ExportPEM for a credential without a
// certificate and its matching private key (a token key, a certificate
// alone, a key that did not open or does not match).
var ErrNotExportable = errors.New("nothing to export: the credential has no certificate with its matching private key")

// ExportPEM writes a certificate credential as PEM, the way `openssl pkcs12
// -nocerts` plus `openssl x509` do by hand: certPEM holds the leaf then the
// chain that came with it; keyPEM holds the private key as PKCS#8. With a
// non-empty passphrase the key is encrypted (PBES2: PBKDF2-HMAC-SHA256,
// AES-256-CBC), which Load and OpenSSL 1.1+ both read back. ck.pem is
// certPEM followed by keyPEM.
func ExportPEM(cred *Credential, passphrase string) (certPEM, keyPEM []byte, err error) {
	if cred == nil || cred.TLS == nil || cred.TLS.PrivateKey == nil || len(cred.TLS.Certificate) == 0 {
		return nil, nil, ErrNotExportable
	}
	for _, der := range cred.TLS.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyPEM, err = EncodeKey(cred.TLS.PrivateKey, passphrase)
	if err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// EncodeKey encodes a private key as PKCS#8 PEM, encrypted with PBES2
// (PBKDF2-HMAC-SHA256, AES-256-CBC) when passphrase is not empty.
func EncodeKey(key any, passphrase string) ([]byte, error) {
	if passphrase == "" {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
	}
	der, err := encryptPKCS8(key, passphrase)
	if err != nil {
		return nil, fmt.Errorf("encrypting the private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), nil
}
