package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// loadP12 opens a PKCS#12 file with go-pkcs12, which reads both the modern
// (AES/PBKDF2/SHA-256 MAC) and the legacy (RC2/3DES, SHA-1 MAC) encodings.
func (l *loader) loadP12(data []byte) {
	l.cred.Format = FormatP12
	if err := p12Work(data, l.opts.Password); err != nil {
		var it errIterations
		if errors.As(err, &it) {
			l.problem(findExcessiveIterations(l.base, it))
		} else {
			l.problem(findCorrupt(fmt.Sprintf("%s: %v.", l.base, err)))
		}
		return
	}
	key, leaf, cas, err := pkcs12.DecodeChain(data, l.opts.Password)
	if err != nil {
		l.p12Error(data, err)
		return
	}
	l.assemble(append([]*x509.Certificate{leaf}, cas...), []any{key}, false)
}

// p12Error explains why DecodeChain refused the file.
func (l *loader) p12Error(data []byte, err error) {
	var notImpl pkcs12.NotImplementedError
	msg := err.Error()
	switch {
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption):
		if l.opts.Password == "" {
			l.problem(findPasswordRequired(l.base))
		} else {
			l.problem(findWrongP12Password(l.base))
		}
	case strings.Contains(msg, "private key missing"):
		// The MAC matched, so the password is right; show the certificate
		// anyway so support can see which one it is.
		l.problem(findNoKeyInP12(l.base))
		if certs := p12Certificates(data, l.opts.Password); len(certs) > 0 {
			l.assemble(certs, nil, false)
		}
	case strings.Contains(msg, "certificate missing"):
		l.problem(findNotCredential(l.base, "the PKCS#12 file holds no certificate"))
	case errors.As(err, &notImpl):
		l.problem(findCorrupt("The PKCS#12 file " + l.base + " uses a layout pushdeck cannot read (" + cleanErr(err) + ")."))
	default:
		l.problem(findCorrupt(describeBadDER(l.base, data, err) + "."))
	}
}

// The PKCS#12 structures, for p12Certificates.
type pfxPdu struct {
	Version  int
	AuthSafe contentInfo
	MacData  asn1.RawValue `asn1:"optional"`
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type p12EncryptedData struct {
	Version              int
	EncryptedContentInfo struct {
		ContentType                asn1.ObjectIdentifier
		ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedContent           []byte `asn1:"tag:0,optional"`
	}
}

type safeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue `asn1:"tag:0,explicit"`
	Attributes asn1.RawValue `asn1:"optional"`
}

type certBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

var (
	oidDataContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidEncryptedDataContentType = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidCertBag                  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidCertTypeX509             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
)

// p12Certificates digs the certificates out of a PKCS#12 file that has no
// key, which DecodeChain refuses outright. Best effort: it reads plain bags
// and PBES2-encrypted ones (OpenSSL 3's default); older encryptions give none.
func p12Certificates(data []byte, password string) []*x509.Certificate {
	var pfx pfxPdu
	if unmarshalAll(data, &pfx) != nil || !pfx.AuthSafe.ContentType.Equal(oidDataContentType) {
		return nil
	}
	var authSafeDER []byte
	if unmarshalAll(pfx.AuthSafe.Content.Bytes, &authSafeDER) != nil {
		return nil
	}
	var safe []contentInfo
	if unmarshalAll(authSafeDER, &safe) != nil {
		return nil
	}
	var out []*x509.Certificate
	for _, ci := range safe {
		var contents []byte
		switch {
		case ci.ContentType.Equal(oidDataContentType):
			if unmarshalAll(ci.Content.Bytes, &contents) != nil {
				continue
			}
		case ci.ContentType.Equal(oidEncryptedDataContentType):
			var ed p12EncryptedData
			if unmarshalAll(ci.Content.Bytes, &ed) != nil {
				continue
			}
			eci := ed.EncryptedContentInfo
			plain, err := pbes2Decrypt(eci.ContentEncryptionAlgorithm, eci.EncryptedContent, password)
			if err != nil {
				continue
			}
			contents = plain
		default:
			continue
		}
		var bags []safeBag
		if unmarshalAll(contents, &bags) != nil {
			continue
		}
		for _, b := range bags {
			var cb certBag
			if !b.ID.Equal(oidCertBag) || unmarshalAll(b.Value.Bytes, &cb) != nil || !cb.ID.Equal(oidCertTypeX509) {
				continue
			}
			if c, err := x509.ParseCertificate(cb.Data); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
