// Package certgen makes throwaway certificate authorities and APNs-style
// credentials in memory: for the demo, the local APNs server and the tests.
// Nothing it makes is trusted by anything but pushdeck's own local servers.
package certgen

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// CA is a throwaway certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a CA named name (ECDSA P-256, valid 10 years).
func NewCA(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"pushdeck test CA"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CertPEM is the CA certificate as PEM (what a client trusts).
func (ca *CA) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Pool is a cert pool holding just this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Server issues a TLS server certificate for the given host names and IPs
// (loopback by default).
func (ca *CA) Server(hosts ...string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return ca.sign(tmpl, key)
}

// ClientSpec describes an APNs-style client certificate.
type ClientSpec struct {
	// Topic is the bundle ID (subject UID).
	Topic string
	// Environments sets Apple's environment extensions; empty means none.
	Environments []certs.Environment
	// Topics, when set, adds the topics extension (1.2.840.113635.100.6.3.6).
	Topics []certs.Topic
	// TeamID goes in the subject OU.
	TeamID string
	// CommonName defaults to an Apple-like name from the environments.
	CommonName string
	NotBefore  time.Time // zero: an hour ago
	NotAfter   time.Time // zero: a year from now
	// RSABits picks an RSA key of that size (as Apple's are); 0 means 2048.
	RSABits int
}

// Client issues an APNs-style client certificate with its RSA key.
func (ca *CA) Client(spec ClientSpec) (tls.Certificate, error) {
	bits := spec.RSABits
	if bits == 0 {
		bits = 2048
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := spec.CommonName
	if cn == "" {
		switch {
		case len(spec.Environments) == 2:
			cn = "Apple Push Services: " + spec.Topic
		case len(spec.Environments) == 1 && spec.Environments[0] == certs.Production:
			cn = "Apple Production IOS Push Services: " + spec.Topic
		default:
			cn = "Apple Development IOS Push Services: " + spec.Topic
		}
	}
	nb, na := spec.NotBefore, spec.NotAfter
	if nb.IsZero() {
		nb = time.Now().Add(-time.Hour)
	}
	if na.IsZero() {
		na = time.Now().AddDate(1, 0, 0)
	}
	subj := pkix.Name{CommonName: cn, Organization: []string{"pushdeck demo"}, Country: []string{"US"}}
	if spec.TeamID != "" {
		subj.OrganizationalUnit = []string{spec.TeamID}
	}
	if spec.Topic != "" {
		subj.ExtraNames = append(subj.ExtraNames, pkix.AttributeTypeAndValue{
			Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: spec.Topic})
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subj,
		NotBefore:    nb,
		NotAfter:     na,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	null := []byte{0x05, 0x00}
	for _, e := range spec.Environments {
		oid := certs.OIDDevelopment
		if e == certs.Production {
			oid = certs.OIDProduction
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oid, Value: null})
	}
	if len(spec.Topics) > 0 {
		v, err := topicsExtension(spec.Topics)
		if err != nil {
			return tls.Certificate{}, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: certs.OIDTopics, Value: v})
	}
	return ca.sign(tmpl, key)
}

// topicsExtension encodes topics as Apple does: SEQUENCE { UTF8String topic,
// SEQUENCE { UTF8String kind }, ... }.
func topicsExtension(topics []certs.Topic) ([]byte, error) {
	var inner []byte
	for _, t := range topics {
		s, err := asn1.MarshalWithParams(t.Topic, "utf8")
		if err != nil {
			return nil, err
		}
		k, err := asn1.MarshalWithParams(t.Kind, "utf8")
		if err != nil {
			return nil, err
		}
		ks, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: k})
		if err != nil {
			return nil, err
		}
		inner = append(inner, s...)
		inner = append(inner, ks...)
	}
	return asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: inner})
}

func (ca *CA) sign(tmpl *x509.Certificate, key crypto.Signer) (tls.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certgen: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// TokenKey makes a .p8-style ES256 key (P-256).
func TokenKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// P8 encodes a token key the way Apple's AuthKey_<KEYID>.p8 files are: PKCS#8 PEM.
func P8(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PEM encodes a certificate and its (unencrypted, PKCS#8) key as one ck.pem.
func PEM(c tls.Certificate) ([]byte, error) {
	var out []byte
	for _, der := range c.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, err
	}
	return append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err)
	}
	return n
}
