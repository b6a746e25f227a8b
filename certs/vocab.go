package certs

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
)

// Environment is an APNs environment.
type Environment string

// The two APNs environments. "sandbox" is accepted as a synonym of development.
const (
	Development Environment = "development"
	Production  Environment = "production"
)

// Apple's extension OIDs on push certificates.
var (
	OIDDevelopment = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 1}
	OIDProduction  = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 2}
	OIDTopics      = asn1.ObjectIdentifier{1, 2, 840, 113635, 100, 6, 3, 6}
)

// ParseEnvironment accepts "development", "sandbox" and "production" (any case).
func ParseEnvironment(s string) (Environment, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "development", "sandbox", "dev":
		return Development, nil
	case "production", "prod":
		return Production, nil
	}
	return "", fmt.Errorf("unknown environment %q: use development (sandbox) or production", s)
}

// Other returns the other environment.
func (e Environment) Other() Environment {
	if e == Production {
		return Development
	}
	return Production
}

// Host is Apple's APNs base URL for the environment.
func (e Environment) Host() string {
	if e == Production {
		return "https://api.push.apple.com"
	}
	return "https://api.sandbox.push.apple.com"
}

// Topic is one topic a certificate may push to, with its kind: "app", "voip",
// "complication" (or whatever the certificate names).
type Topic struct {
	Topic string `json:"topic"`
	Kind  string `json:"kind"`
}

// EnvironmentsOf reads Apple's environment extensions from a certificate.
func EnvironmentsOf(c *x509.Certificate) []Environment {
	var dev, prod bool
	for _, ext := range c.Extensions {
		switch {
		case ext.Id.Equal(OIDDevelopment):
			dev = true
		case ext.Id.Equal(OIDProduction):
			prod = true
		}
	}
	var envs []Environment
	if dev {
		envs = append(envs, Development)
	}
	if prod {
		envs = append(envs, Production)
	}
	return envs
}

// SubjectTopic is the bundle ID in the certificate subject's UID attribute.
func SubjectTopic(c *x509.Certificate) string {
	uid := asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	for _, n := range c.Subject.Names {
		if n.Type.Equal(uid) {
			if s, ok := n.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// TopicsOf lists the topics of the topics extension (1.2.840.113635.100.6.3.6),
// a SEQUENCE of UTF8String topic followed by SEQUENCE { UTF8String kind }.
// Without the extension it returns the subject's topic with kind "app".
func TopicsOf(c *x509.Certificate) []Topic {
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(OIDTopics) {
			continue
		}
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(ext.Value, &seq); err != nil || !seq.IsCompound {
			break
		}
		var topics []Topic
		rest := seq.Bytes
		for len(rest) > 0 {
			var name string
			r, err := asn1.UnmarshalWithParams(rest, &name, "utf8")
			if err != nil {
				break
			}
			rest = r
			kind := ""
			var kinds asn1.RawValue
			if r2, err := asn1.Unmarshal(rest, &kinds); err == nil && kinds.IsCompound {
				rest = r2
				var k string
				if _, err := asn1.UnmarshalWithParams(kinds.Bytes, &k, "utf8"); err == nil {
					kind = k
				}
			}
			topics = append(topics, Topic{Topic: name, Kind: kind})
		}
		if len(topics) > 0 {
			return topics
		}
	}
	if t := SubjectTopic(c); t != "" {
		return []Topic{{Topic: t, Kind: "app"}}
	}
	return nil
}

// DeviceTokenHexLen is the length of an APNs device token as hex today (32
// bytes). Apple says tokens may grow, so NormalizeToken accepts 64 to 200 hex
// digits of even length.
const DeviceTokenHexLen = 64

// NormalizeToken turns a device token as iOS prints it ("<ab12 cd34 ...>",
// upper case, with spaces or dashes) into lower-case hex, and checks it.
func NormalizeToken(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == ' ' || r == '<' || r == '>' || r == '-' || r == '\t':
			continue
		case r >= 'A' && r <= 'F':
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteRune(r)
		}
	}
	t := b.String()
	if t == "" {
		return "", fmt.Errorf("the device token is empty: paste the 64 hex digits the app logged")
	}
	if _, err := hex.DecodeString(t); err != nil || len(t)%2 != 0 {
		for i, r := range t {
			if !strings.ContainsRune("0123456789abcdef", r) {
				return "", fmt.Errorf("the device token has %q at position %d: a token is hex digits only (0-9, a-f)", r, i+1)
			}
		}
		return "", fmt.Errorf("the device token has an odd number of hex digits (%d): a digit is missing", len(t))
	}
	if len(t) < DeviceTokenHexLen {
		return "", fmt.Errorf("the device token is %d hex digits long; APNs tokens are %d: was it cut off?", len(t), DeviceTokenHexLen)
	}
	if len(t) > 200 {
		return "", fmt.Errorf("the device token is %d hex digits long, far more than the %d of an APNs token: is it something else?", len(t), DeviceTokenHexLen)
	}
	return t, nil
}
