package certgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// The hostile-input corpus: files that are valid enough to get past a
// first look and are built to stall, crash or fool whoever opens them. They
// are made in code, so no large binary is committed, and tests of every
// package that reads credentials can use them.

// SetIntegers rewrites DER: the n-th INTEGER (counting from 0, depth first,
// looking inside OCTET STRINGs that hold DER, as PKCS#12 nests it) whose
// value is old becomes val; n < 0 rewrites every one. Lengths of all the
// enclosing elements are re-encoded. It is how a .p12 made with 2,048
// iterations becomes one that asks for 10^12 without hashing 10^12 times.
func SetIntegers(der []byte, old int64, n int, val *big.Int) ([]byte, error) {
	seen := 0
	out, changed, err := rewrite(der, old, n, val, &seen, 0)
	if err != nil {
		return nil, err
	}
	if !changed {
		return nil, fmt.Errorf("certgen: INTEGER %d number %d not found (%d seen)", old, n, seen)
	}
	return out, nil
}

func rewrite(der []byte, old int64, n int, val *big.Int, seen *int, depth int) (out []byte, changed bool, err error) {
	for len(der) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil, false, err
		}
		der = rest
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger:
			var x *big.Int
			if _, err := asn1.Unmarshal(v.FullBytes, &x); err == nil && x.IsInt64() && x.Int64() == old {
				if n < 0 || *seen == n {
					v.Bytes, changed = intBytes(val), true
				}
				*seen++
			}
		case v.IsCompound:
			inner, c, err := rewrite(v.Bytes, old, n, val, seen, depth+1)
			if err != nil {
				return nil, false, err
			}
			v.Bytes, changed = inner, changed || c
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString && depth < 12 && len(v.Bytes) > 1 && v.Bytes[0] == 0x30:
			if inner, c, err := rewrite(v.Bytes, old, n, val, seen, depth+1); err == nil {
				v.Bytes, changed = inner, changed || c
			}
		}
		v.FullBytes = nil
		enc, err := asn1.Marshal(v)
		if err != nil {
			return nil, false, err
		}
		out = append(out, enc...)
	}
	return out, changed, nil
}

// intBytes is the two's-complement content octets of a non-negative val.
func intBytes(val *big.Int) []byte {
	b := val.Bytes()
	if len(b) == 0 {
		return []byte{0}
	}
	if b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

// P12 encodes cert as a .p12 with enc (pkcs12.Modern2023, LegacyDES, ...).
func P12(enc *pkcs12.Encoder, c tls.Certificate, password string) ([]byte, error) {
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, err
		}
	}
	return enc.Encode(c.PrivateKey, leaf, nil, password)
}

// HostileFile is one file of the corpus and what a reader must do with it.
type HostileFile struct {
	Name     string // file name in the corpus folder
	Password string
	Want     certs.Code // the problem or warning code Load must report
	Warning  bool       // Want is a warning; the credential stays usable
	Note     string
}

// Huge is the iteration count of the report: 10^12.
var Huge = new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil)

// HostileCorpus writes the corpus into dir and lists it. Each file is a few
// KB; the whole corpus takes a second or two to make (two RSA keys).
func HostileCorpus(dir string) ([]HostileFile, error) {
	ca, err := NewCA("Hostile Corpus CA")
	if err != nil {
		return nil, err
	}
	good, err := ca.Client(ClientSpec{Topic: "com.example.hostile", Environments: []certs.Environment{certs.Development}})
	if err != nil {
		return nil, err
	}
	const pw = "hostile"
	var files []HostileFile
	add := func(f HostileFile, data []byte) error {
		files = append(files, f)
		return os.WriteFile(filepath.Join(dir, f.Name), data, 0o600)
	}
	huge := func(enc *pkcs12.Encoder, n int, name, note string) error {
		p12, err := P12(enc, good, pw)
		if err != nil {
			return err
		}
		bad, err := SetIntegers(p12, 2048, n, Huge)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return add(HostileFile{Name: name, Password: pw, Want: certs.CodeExcessiveIterations, Note: note}, bad)
	}
	// Modern2023: 2,048 in the certificate safe (PBES2), the key bag
	// (PBES2) and the MAC, in that order in the DER.
	for _, c := range []struct {
		n          int
		name, note string
	}{
		{2, "mac-1e12.p12", "MAC iteration count 10^12 (the issue's file)"},
		{0, "certsafe-pbes2-1e12.p12", "PBES2 iteration count 10^12 in the certificate safe"},
		{1, "keybag-pbes2-1e12.p12", "PBES2 iteration count 10^12 in the shrouded key bag"},
	} {
		if err := huge(pkcs12.Modern2023, c.n, c.name, c.note); err != nil {
			return nil, err
		}
	}
	// LegacyDES (what Keychain Access writes): PKCS#12 PBE in the
	// certificate safe and the key bag.
	if err := huge(pkcs12.LegacyDES, 0, "legacy-certsafe-1e12.p12", "PKCS#12 PBE (3DES) count 10^12 in the certificate safe"); err != nil {
		return nil, err
	}
	if err := huge(pkcs12.LegacyDES, 1, "legacy-keybag-1e12.p12", "PKCS#12 PBE (3DES) count 10^12 in the key bag"); err != nil {
		return nil, err
	}
	// Modern2026: PBMAC1, whose count sits in PBKDF2 parameters.
	if err := huge(pkcs12.Modern2026, -1, "pbmac1-1e12.p12", "every count 10^12, PBMAC1 MAC"); err != nil {
		return nil, err
	}
	// A MAC count too large for any integer type.
	{
		p12, err := P12(pkcs12.Modern2023, good, pw)
		if err != nil {
			return nil, err
		}
		bad, err := SetIntegers(p12, 2048, 2, new(big.Int).Lsh(big.NewInt(1), 80))
		if err != nil {
			return nil, err
		}
		if err := add(HostileFile{Name: "mac-2e80.p12", Password: pw, Want: certs.CodeExcessiveIterations, Note: "MAC count 2^80, beyond int64"}, bad); err != nil {
			return nil, err
		}
		zero, err := SetIntegers(p12, 2048, 2, big.NewInt(0))
		if err != nil {
			return nil, err
		}
		if err := add(HostileFile{Name: "mac-0.p12", Password: pw, Want: certs.CodeExcessiveIterations, Note: "MAC count 0"}, zero); err != nil {
			return nil, err
		}
	}
	// An encrypted PKCS#8 key (pushdeck's export: 600,000) asking for 10^12.
	{
		key, err := certs.EncodeKey(good.PrivateKey, pw)
		if err != nil {
			return nil, err
		}
		b, _ := pem.Decode(key)
		der, err := SetIntegers(b.Bytes, 600_000, 0, Huge)
		if err != nil {
			return nil, err
		}
		ck := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good.Certificate[0]}),
			pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})...)
		if err := add(HostileFile{Name: "pkcs8-1e12.pem", Password: pw, Want: certs.CodeExcessiveIterations, Note: "encrypted PKCS#8 key, PBKDF2 count 10^12"}, ck); err != nil {
			return nil, err
		}
	}
	// A weak key: RSA 1024 (Go refuses keys under 1024 bits outright).
	weak, err := ca.Client(ClientSpec{Topic: "com.example.weak", Environments: []certs.Environment{certs.Development}, RSABits: 1024})
	if err != nil {
		return nil, err
	}
	if err := addPEM(add, HostileFile{Name: "rsa1024.pem", Want: certs.CodeWeakKey, Note: "RSA 1024-bit key"}, weak); err != nil {
		return nil, err
	}
	// A P-224 ECDSA certificate: no TLS signature scheme uses it.
	if err := addOther(add, ca, HostileFile{Name: "ecdsa-p224.pem", Want: certs.CodeUnsupportedKey, Note: "ECDSA P-224 key"}, nil, elliptic.P224()); err != nil {
		return nil, err
	}
	// Hundreds of certificates: a trust store, not a credential.
	{
		ck, err := PEM(good)
		if err != nil {
			return nil, err
		}
		for range 300 {
			ck = append(ck, ca.CertPEM()...)
		}
		if err := add(HostileFile{Name: "300-certs.pem", Want: certs.CodeTooManyCertificates, Note: "a leaf, its key and 300 CA certificates"}, ck); err != nil {
			return nil, err
		}
	}
	// A damaged topics extension: a topic, then an INTEGER where a kind or
	// the next topic belongs.
	{
		s, _ := asn1.MarshalWithParams("com.example.hostile", "utf8")
		i, _ := asn1.Marshal(7)
		v, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: append(s, i...)})
		ext := []pkix.Extension{{Id: certs.OIDDevelopment, Value: []byte{5, 0}}, {Id: certs.OIDTopics, Value: v}}
		if err := addOther(add, ca, HostileFile{Name: "damaged-topics.pem", Want: certs.CodeDamagedTopics, Warning: true, Note: "topics extension with an INTEGER inside"}, ext, elliptic.P256()); err != nil {
			return nil, err
		}
	}
	// Escape codes in the subject: set the title, clear the screen, paint
	// a green tick.
	{
		esc := ClientSpec{Topic: "com.example.esc\x1b]0;pwned\x07", Environments: []certs.Environment{certs.Development},
			CommonName: "Apple Push\x1b[2J\x1b[H\x1b[32m✓ Usable\x1b[0m\u009b31m"}
		c, err := ca.Client(esc)
		if err != nil {
			return nil, err
		}
		if err := addPEM(add, HostileFile{Name: "escape-subject.pem", Note: "OSC/CSI sequences in the subject"}, c); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func addPEM(add func(HostileFile, []byte) error, f HostileFile, c tls.Certificate) error {
	b, err := PEM(c)
	if err != nil {
		return err
	}
	return add(f, b)
}

// addOther adds a certificate with an ECDSA key on curve and extra
// extensions (nil: Apple's development extension).
func addOther(add func(HostileFile, []byte) error, ca *CA, f HostileFile, ext []pkix.Extension, curve elliptic.Curve) error {
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return err
	}
	if ext == nil {
		ext = []pkix.Extension{{Id: certs.OIDDevelopment, Value: []byte{5, 0}}}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "Apple Development IOS Push Services: " + f.Name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		ExtraExtensions: ext,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return errors.Join(errors.New("certgen: "+f.Name), err)
	}
	return add(f, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...))
}
