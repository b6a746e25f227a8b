package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"path/filepath"

	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// Checks for files that are valid but hostile or unusable: weak keys, piles
// of certificates, damaged extensions; and the cancellable Load.

// Codes for the checks in this file.
const (
	// CodeWeakKey: an RSA key under MinRSABits; APNs refuses the TLS handshake.
	CodeWeakKey Code = "weak-key"
	// CodeTooManyCertificates: far more certificates than a credential has.
	CodeTooManyCertificates Code = "too-many-certificates"
	// CodeDamagedTopics warns that the topics extension could not be read.
	CodeDamagedTopics Code = "damaged-topics"
)

// MinRSABits is the smallest RSA key APNs accepts in the TLS handshake;
// Apple issues push certificates with 2048-bit keys.
const MinRSABits = 2048

// maxCertificates is the most certificates a credential file may hold: a
// leaf and its chain are two or three; some bundles add the Apple roots.
const maxCertificates = 10

func findWeakKey(bits int) Finding {
	return Finding{Code: CodeWeakKey,
		Message: fmt.Sprintf("The certificate's key is RSA %d-bit; APNs needs at least %d bits and refuses the TLS handshake, so every push would fail.", bits, MinRSABits),
		Advice:  "Make a new certificate request with a 2048-bit RSA key (Keychain Access does this by default) and create the push certificate again."}
}

func findCertKeyType(what string) Finding {
	return Finding{Code: CodeUnsupportedKey,
		Message: fmt.Sprintf("The certificate's key is %s, which APNs does not accept for certificate authentication.", what),
		Advice:  "APNs push certificates use RSA 2048-bit keys: make a new certificate request in Keychain Access and create the push certificate again."}
}

func findTooManyCertificates(name string, n int) Finding {
	return Finding{Code: CodeTooManyCertificates,
		Message: fmt.Sprintf("%s holds %d certificates; a push credential holds one certificate and its chain (two or three).", name, n),
		Advice:  "This looks like a certificate store or bundle, not a credential: export only the push certificate and its key."}
}

func findDamagedTopics() Finding {
	return Finding{Code: CodeDamagedTopics,
		Message: "The certificate's topics extension (1.2.840.113635.100.6.3.6) is damaged; the topics shown may be incomplete.",
		Advice:  "Check the topics in the developer portal; if pushes to a topic fail with TopicDisallowed, create the certificate again."}
}

// checkKey adds a problem when the certificate's public key is one APNs
// refuses: RSA below MinRSABits, or a type TLS client authentication to
// APNs does not use.
func (l *loader) checkKey(leaf *x509.Certificate) {
	switch pub := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := pub.N.BitLen(); bits < MinRSABits {
			l.problem(findWeakKey(bits))
		}
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			l.problem(findCertKeyType("ECDSA on curve " + pub.Curve.Params().Name))
		}
	case ed25519.PublicKey:
		l.problem(findCertKeyType("Ed25519"))
	default:
		l.problem(findCertKeyType(fmt.Sprintf("%T", pub)))
	}
}

// topicsOf is TopicsOf that also says whether the topics extension was
// present but could not be read to its end.
func topicsOf(c *x509.Certificate) (topics []Topic, damaged bool) {
	for _, ext := range c.Extensions {
		if ext.Id.Equal(OIDTopics) {
			damaged = !topicsExtensionWellFormed(ext.Value)
			break
		}
	}
	return TopicsOf(c), damaged
}

// topicsExtensionWellFormed checks the whole topics extension: a SEQUENCE of
// UTF8String topics, each optionally followed by a SEQUENCE holding its kind.
func topicsExtensionWellFormed(v []byte) bool {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(v, &seq)
	if err != nil || len(rest) != 0 || !seq.IsCompound || seq.Tag != asn1.TagSequence {
		return false
	}
	in, n := seq.Bytes, 0
	for len(in) > 0 {
		var name string
		r, err := asn1.UnmarshalWithParams(in, &name, "utf8")
		if err != nil {
			return false
		}
		in, n = r, n+1
		var kinds asn1.RawValue
		if r2, err := asn1.Unmarshal(in, &kinds); err == nil && kinds.IsCompound {
			var k string
			if _, err := asn1.UnmarshalWithParams(kinds.Bytes, &k, "utf8"); err != nil {
				return false
			}
			in = r2
		}
	}
	return n > 0
}

// sanitize makes every string of the report safe for a terminal: subjects,
// topics and file names come from the file and may carry escape codes.
func (r *Report) sanitize() {
	c := textsafe.Clean
	r.File = c(r.File)
	for _, fs := range [][]Finding{r.Problems, r.Warnings} {
		for i := range fs {
			fs[i].Message, fs[i].Advice = c(fs[i].Message), c(fs[i].Advice)
		}
	}
	if ci := r.Certificate; ci != nil {
		ci.Subject, ci.CommonName, ci.Topic = c(ci.Subject), c(ci.CommonName), c(ci.Topic)
		ci.Issuer, ci.TeamID = c(ci.Issuer), c(ci.TeamID)
		for i := range ci.Topics {
			ci.Topics[i].Topic, ci.Topics[i].Kind = c(ci.Topics[i].Topic), c(ci.Topics[i].Kind)
		}
	}
	for i := range r.Chain {
		r.Chain[i].Subject, r.Chain[i].Issuer = c(r.Chain[i].Subject), c(r.Chain[i].Issuer)
	}
	if tk := r.TokenKey; tk != nil {
		tk.KeyID, tk.TeamID = c(tk.KeyID), c(tk.TeamID)
	}
}

// cleanFinding is a finding made safe for a terminal.
func cleanFinding(f Finding) Finding {
	f.Message, f.Advice = textsafe.Clean(f.Message), textsafe.Clean(f.Advice)
	return f
}

// LoadContext is Load that stops when ctx is done (Ctrl+C in the CLI, esc in
// the console): it returns at once with an error that wraps ctx.Err(). The
// work already started ends on its own soon after: every iteration count is
// bounded by MaxIterations before hashing.
func LoadContext(ctx context.Context, path string, opts Options) (*Credential, error) {
	return withContext(ctx, filepath.Base(path), func() (*Credential, error) { return load(path, opts) })
}

// LoadBytesContext is LoadBytes that stops when ctx is done.
func LoadBytesContext(ctx context.Context, data []byte, name string, opts Options) (*Credential, error) {
	return withContext(ctx, filepath.Base(name), func() (*Credential, error) { return loadBytes(data, name, opts) })
}

func withContext(ctx context.Context, name string, f func() (*Credential, error)) (*Credential, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loading %s stopped: %w", textsafe.Clean(name), err)
	}
	type result struct {
		c   *Credential
		err error
	}
	done := make(chan result, 1) // buffered: the loader never blocks after a cancel
	go func() {
		c, err := f()
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("loading %s stopped: %w", textsafe.Clean(name), ctx.Err())
	}
}
