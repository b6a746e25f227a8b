package certs

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"strings"
	"unicode/utf8"
)

// derHeader reads the outer tag and length of DER data. ok is false when the
// bytes do not even start like DER; declared is the length of the whole
// element the header announces.
func derHeader(b []byte) (tag byte, hdr, declared int, ok bool) {
	if len(b) < 2 {
		return 0, 0, 0, false
	}
	tag = b[0]
	l := int(b[1])
	if l < 0x80 {
		return tag, 2, 2 + l, true
	}
	n := l & 0x7f
	if n == 0 || n > 4 || len(b) < 2+n {
		return 0, 0, 0, false
	}
	l = 0
	for _, c := range b[2 : 2+n] {
		l = l<<8 | int(c)
	}
	if l < 0x80 {
		return 0, 0, 0, false // not minimal: not DER
	}
	return tag, 2 + n, 2 + n + l, true
}

// derKind guesses what a DER SEQUENCE holds from its first field, so damaged
// files can be named ("looks like a PKCS#12 file"). It reads only the start.
func derKind(b []byte) string {
	_, hdr, _, ok := derHeader(b)
	if !ok || len(b) < hdr+3 {
		return ""
	}
	inner := b[hdr:]
	switch {
	case inner[0] == 0x02 && inner[1] == 0x01 && inner[2] == 0x03:
		return "PKCS#12"
	case inner[0] == 0x02 && inner[1] == 0x01 && (inner[2] == 0x00 || inner[2] == 0x01):
		return "private key"
	case inner[0] == 0x30:
		// A certificate: SEQUENCE { tbsCertificate SEQUENCE { [0] version ... } }.
		if _, h2, _, ok := derHeader(inner); ok && len(inner) > h2 && inner[h2] == 0xa0 {
			return "certificate"
		}
		return "encrypted private key"
	}
	return ""
}

// isPFX reports whether b starts like a PKCS#12 PFX: SEQUENCE { INTEGER 3,
// ContentInfo { OID pkcs7-data ... } }.
func isPFX(b []byte) bool {
	return b[0] == 0x30 && derKind(b) == "PKCS#12"
}

var pemBegin = []byte("-----BEGIN ")

// decodePEM decodes the PEM blocks of data in order; rest is what follows
// the last one that decodes, for damagedPEM.
func decodePEM(data []byte) (blocks []*pem.Block, rest []byte) {
	rest = data
	for {
		b, r := pem.Decode(rest)
		if b == nil {
			return blocks, rest
		}
		blocks = append(blocks, b)
		rest = r
	}
}

// damagedPEM describes PEM armour that pem.Decode could not read in rest,
// the unread tail of data: the BEGIN line that starts it and its line number.
func damagedPEM(data, rest []byte) string {
	i := bytes.Index(rest, pemBegin)
	if i < 0 {
		return ""
	}
	at := len(data) - len(rest) + i
	line := 1 + bytes.Count(data[:at], []byte("\n"))
	label := rest[i:]
	if j := bytes.IndexAny(label, "\r\n"); j >= 0 {
		label = label[:j]
	}
	l := strings.TrimSpace(string(label))
	if !utf8.ValidString(l) || len(l) > 80 {
		l = "-----BEGIN ..."
	}
	return fmt.Sprintf("the PEM block %q on line %d is cut short or damaged (no matching END line, or bad base64)", l, line)
}

// looksLikeText reports whether data is mostly printable text, so an
// unrecognised file can be called "text" rather than "damaged binary".
func looksLikeText(data []byte) bool {
	if len(data) > 4096 {
		data = data[:4096]
	}
	if !utf8.Valid(data) {
		return false
	}
	bad := 0
	for _, r := range string(data) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			bad++
		}
	}
	return bad == 0
}

// describeBadDER says what damaged DER data was recognised as, and how.
func describeBadDER(name string, data []byte, parseErr error) string {
	what := map[string]string{
		"PKCS#12":               "a PKCS#12 file",
		"certificate":           "a DER certificate",
		"private key":           "a DER private key",
		"encrypted private key": "an encrypted DER private key",
	}[derKind(data)]
	if what == "" {
		what = "DER data"
	}
	_, _, declared, ok := derHeader(data)
	switch {
	case ok && declared > len(data):
		return fmt.Sprintf("%s looks like %s but it is cut short: it has %d of the %d bytes it announces", name, what, len(data), declared)
	case ok && declared < len(data):
		return fmt.Sprintf("%s looks like %s but has %d stray bytes after its end", name, what, len(data)-declared)
	case parseErr != nil:
		return fmt.Sprintf("%s looks like %s but its contents are damaged (%s)", name, what, cleanErr(parseErr))
	}
	return fmt.Sprintf("%s looks like %s but its contents are damaged", name, what)
}

// cleanErr trims library prefixes so errors read as part of a sentence.
func cleanErr(err error) string {
	s := err.Error()
	for _, p := range []string{"pkcs12: ", "x509: ", "asn1: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// unmarshalAll is asn1.Unmarshal that refuses trailing bytes.
func unmarshalAll(b []byte, v any) error {
	rest, err := asn1.Unmarshal(b, v)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d trailing bytes", len(rest))
	}
	return nil
}
