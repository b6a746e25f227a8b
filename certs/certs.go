// Package certs reads APNs provider credentials (.p12, PEM, ck.pem, DER .cer
// with a key, .p8 token keys) and reports on their health. It also holds the
// small vocabulary that push and profiles share: environments, topics and
// device tokens. It knows nothing of terminals or networks.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"time"
)

// Format is the encoding a credential was recognised as, from its bytes.
type Format string

// Formats Load recognises.
const (
	FormatP12 Format = "p12"
	FormatPEM Format = "pem"
	FormatDER Format = "der"
	FormatP8  Format = "p8"
)

// AuthKind says how a credential authenticates to APNs.
type AuthKind string

// Authentication kinds.
const (
	AuthCertificate AuthKind = "certificate"
	AuthToken       AuthKind = "token"
)

// Options tunes Load.
type Options struct {
	// Password opens a .p12 or an encrypted PEM key. Empty is a valid password.
	Password string
	// KeyPath names a separate private-key file (PEM or DER) for a certificate
	// that comes without its key (a .cer, a certificate-only PEM).
	KeyPath string
	// KeyID and TeamID identify a .p8 token key; KeyID defaults to the one in an
	// AuthKey_<KEYID>.p8 file name.
	KeyID  string
	TeamID string
	// Now is the clock for validity checks; zero means time.Now().
	Now time.Time
}

// Credential is a loaded provider credential: a TLS client certificate or a
// token signing key, plus its health report.
type Credential struct {
	Path   string
	Format Format
	Kind   AuthKind
	// TLS is the client certificate with its private key (certificate auth).
	TLS *tls.Certificate
	// Signer is the ES256 key of a .p8 (token auth).
	Signer *ecdsa.PrivateKey
	KeyID  string
	TeamID string
	Report Report
}

// Report is the health report of a credential; `pushdeck inspect --json`
// prints it with each finding as a sentence plus its code. It never holds
// key material.
type Report struct {
	File        string        `json:"file"`
	Format      Format        `json:"format,omitempty"`
	Usable      bool          `json:"usable"`
	Problems    []Finding     `json:"problems"`
	Warnings    []Finding     `json:"warnings"`
	Certificate *CertInfo     `json:"certificate,omitempty"`
	PrivateKey  *KeyInfo      `json:"private_key,omitempty"`
	Chain       []ChainCert   `json:"chain,omitempty"`
	TokenKey    *TokenKeyInfo `json:"token_key,omitempty"`
}

// Code names a kind of problem or warning so that callers (badges, tests) can
// act on it without parsing sentences.
type Code string

// Problem and warning codes.
const (
	CodeFileMissing      Code = "file-missing"
	CodeUnreadable       Code = "unreadable"
	CodeEmpty            Code = "empty"
	CodeCorrupt          Code = "corrupt"
	CodeNotCertificate   Code = "not-a-certificate"
	CodeWrongPassword    Code = "wrong-password"
	CodePasswordRequired Code = "password-required"
	CodeNoPrivateKey     Code = "no-private-key"
	CodeKeyMismatch      Code = "key-mismatch"
	CodeExpired          Code = "expired"
	CodeNotYetValid      Code = "not-yet-valid"
	CodeExpiresSoon      Code = "expires-soon"
	CodeNoPushExtension  Code = "no-push-extension"
	CodeUnsupportedKey   Code = "unsupported-key"
)

// Finding is one problem (the credential cannot be used) or warning (it can,
// but look). Message is a sentence a support person understands; Advice says
// what to do next.
type Finding struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Advice  string `json:"advice,omitempty"`
}

// String gives the message and the advice as one line.
func (f Finding) String() string {
	if f.Advice == "" {
		return f.Message
	}
	return f.Message + " " + f.Advice
}

// CertInfo describes the leaf certificate.
type CertInfo struct {
	Subject      string        `json:"subject"`
	CommonName   string        `json:"common_name"`
	Topic        string        `json:"topic"`
	Topics       []Topic       `json:"topics"`
	Environments []Environment `json:"environments"`
	TeamID       string        `json:"team_id"`
	Issuer       string        `json:"issuer"`
	Serial       string        `json:"serial"`
	SHA256       string        `json:"sha256"`
	NotBefore    time.Time     `json:"not_before"`
	NotAfter     time.Time     `json:"not_after"`
	DaysLeft     int           `json:"days_left"`
}

// KeyInfo describes the private key that came with a certificate.
type KeyInfo struct {
	Present            bool   `json:"present"`
	Type               string `json:"type,omitempty"` // "RSA" or "ECDSA"
	Bits               int    `json:"bits,omitempty"`
	MatchesCertificate bool   `json:"matches_certificate"`
}

// ChainCert is one certificate of the chain that came in the file.
type ChainCert struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
}

// TokenKeyInfo describes a .p8 token key.
type TokenKeyInfo struct {
	KeyID  string `json:"key_id"`
	TeamID string `json:"team_id,omitempty"`
	Curve  string `json:"curve"`
}

// Error is what Load returns when a credential cannot be used. It carries the
// first problem; the full list is in the Credential's Report.
type Error struct {
	Finding
}

func (e *Error) Error() string { return e.Finding.String() }

// Load reads the credential at path, detecting its format from the bytes, not
// the name. It always returns a Credential whose Report says what was found
// (nil only when path could not be read at all); err is a *Error when the
// credential cannot be used.
func Load(path string, opts Options) (*Credential, error) {
	return load(path, opts)
}

// LoadBytes is Load for bytes already in memory; name is used for messages and
// for the key ID of an AuthKey_<KEYID>.p8 name.
func LoadBytes(data []byte, name string, opts Options) (*Credential, error) {
	return loadBytes(data, name, opts)
}

// NeedsPassword reports whether the file at path is protected by a password
// (a .p12, or a PEM with an encrypted key), so a form asks only when needed.
// A .p12 that the empty password opens needs none.
func NeedsPassword(path string) (bool, error) {
	return needsPassword(path)
}

var _ crypto.Signer = (*ecdsa.PrivateKey)(nil)
