package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/internal/fsafe"
)

// maxFileSize is far above any real credential (a few KB) and keeps a wrong
// path (a disk image, a video) from being read into memory.
const maxFileSize = fsafe.LimitCredential

// expiryWarningDays is when "expires soon" starts: 30 days leaves time to
// make a new certificate and roll it out.
const expiryWarningDays = 30

// loader carries one Load call's inputs and the credential it fills in.
type loader struct {
	name string // as given, for the report
	base string // file name only, for sentences
	opts Options
	now  time.Time
	cred *Credential
}

func (l *loader) problem(f Finding) { l.cred.Report.Problems = append(l.cred.Report.Problems, f) }
func (l *loader) warn(f Finding)    { l.cred.Report.Warnings = append(l.cred.Report.Warnings, f) }

func load(path string, opts Options) (*Credential, error) {
	data, f := readLimited(path, "file")
	if f != nil {
		if f.Code == CodeNotCertificate { // too big: readable, but not a credential
			l := newLoader(path, opts)
			l.problem(*f)
			return l.finish()
		}
		return nil, &Error{Finding: cleanFinding(*f)}
	}
	return loadBytes(data, path, opts)
}

// readLimited reads a regular file of at most maxFileSize bytes; the finding
// says why it could not. FIFOs, devices and folders are refused before a byte
// is read (a FIFO would block, /dev/zero never ends). what names the file in
// sentences ("file", "key file").
func readLimited(path, what string) ([]byte, *Finding) {
	fail := func(f Finding) ([]byte, *Finding) { return nil, &f }
	data, err := fsafe.ReadFile(path, maxFileSize, what)
	var fe *fsafe.Error
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, fs.ErrNotExist):
		return fail(findFileMissing(what, path))
	case errors.Is(err, fsafe.ErrTooBig):
		if st, serr := os.Stat(path); serr == nil && st.Size() > maxFileSize {
			return fail(findTooBig(filepath.Base(path), st.Size()))
		}
		return fail(findTooBigRead(filepath.Base(path)))
	case errors.Is(err, fsafe.ErrNotRegular):
		kind := "not an ordinary file"
		if st, serr := os.Stat(path); serr == nil {
			if st.IsDir() {
				return fail(findFolder(what, path))
			}
			kind = fsafe.KindOf(st.Mode())
		}
		return fail(findNotRegular(what, path, kind))
	case errors.As(err, &fe):
		return fail(findUnreadable(what, path, unwrapPathErr(fe.Kind)))
	}
	return fail(findUnreadable(what, path, unwrapPathErr(err)))
}

// unwrapPathErr drops the "open /path:" prefix the sentence already says.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func newLoader(name string, opts Options) *loader {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return &loader{
		name: name, base: filepath.Base(name), opts: opts, now: now,
		cred: &Credential{Path: name, Report: Report{File: name, Problems: []Finding{}, Warnings: []Finding{}}},
	}
}

func loadBytes(data []byte, name string, opts Options) (*Credential, error) {
	l := newLoader(name, opts)
	l.sniff(data)
	return l.finish()
}

// finish settles Usable and the error from the findings.
func (l *loader) finish() (*Credential, error) {
	r := &l.cred.Report
	r.Format = l.cred.Format
	r.sanitize()
	r.Usable = len(r.Problems) == 0
	if !r.Usable {
		return l.cred, &Error{Finding: r.Problems[0]}
	}
	return l.cred, nil
}

// sniff picks the reader from the bytes; the name only colours messages.
func (l *loader) sniff(data []byte) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		l.problem(findEmpty(l.base, len(data)))
	case bytes.Contains(data, pemBegin):
		l.cred.Format = FormatPEM
		l.loadPEM(data)
	case data[0] == 0x30 && !looksLikeText(data):
		l.loadDER(data)
	case looksLikeText(data):
		l.problem(findNotCredential(l.base, "it is text with no PEM block (-----BEGIN ...) in it"))
	default:
		msg := fmt.Sprintf("%s is not a credential pushdeck recognises: its bytes are neither PKCS#12, PEM, a DER certificate nor a key", l.base)
		if ext := strings.ToLower(filepath.Ext(l.base)); ext == ".p12" || ext == ".pfx" {
			msg += ", although its name says PKCS#12"
		}
		l.problem(findCorrupt(msg + "."))
	}
}

func (l *loader) loadDER(data []byte) {
	cert, certErr := x509.ParseCertificate(data)
	if certErr == nil {
		l.cred.Format = FormatDER
		keys, locked := l.keyFromFile(func() { l.problem(findCertOnly(l.base, "a DER .cer as the developer portal hands it out")) })
		l.assemble([]*x509.Certificate{cert}, keys, locked)
		return
	}
	if isPFX(data) {
		l.loadP12(data)
		return
	}
	if key, _, err := parseDERKey(data, l.opts.Password); !errors.Is(err, errNoKey) {
		l.cred.Format = FormatDER
		if err != nil {
			l.problem(keyFinding(l.base, err, l.opts.Password))
			return
		}
		l.keyOnly(key)
		return
	}
	l.cred.Format = FormatDER
	if derKind(data) == "PKCS#12" {
		l.cred.Format = FormatP12
	}
	l.problem(findCorrupt(describeBadDER(l.base, data, certErr) + "."))
}

func (l *loader) loadPEM(data []byte) {
	blocks, rest := decodePEM(data)
	if d := damagedPEM(data, rest); d != "" {
		l.problem(findCorrupt(fmt.Sprintf("In %s, %s.", l.base, d)))
	}
	var certs []*x509.Certificate
	var keyBlocks []*pem.Block
	var csr bool
	var others []string
	for _, b := range blocks {
		switch {
		case b.Type == "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				l.problem(findCorrupt(fmt.Sprintf("A certificate in %s is damaged (%s).", l.base, cleanErr(err))))
				continue
			}
			certs = append(certs, c)
		case isKeyBlock(b):
			keyBlocks = append(keyBlocks, b)
		case strings.Contains(b.Type, "CERTIFICATE REQUEST"):
			csr = true
		default:
			others = append(others, b.Type)
		}
	}
	if len(certs) == 0 {
		switch {
		case len(keyBlocks) > 0:
			keys, err := parseKeyBlocks(keyBlocks, l.opts.Password)
			if len(keys) == 0 {
				l.problem(keyFinding(l.base, err, l.opts.Password))
				return
			}
			l.keyOnly(keys[0])
		case len(l.cred.Report.Problems) > 0:
			// Already explained (a damaged block).
		case csr:
			l.problem(findCSR(l.base))
		case len(others) > 0:
			l.problem(findNotCredential(l.base, "it holds only "+strings.Join(others, ", ")+" PEM blocks"))
		default:
			l.problem(findNotCredential(l.base, "it holds no PEM block pushdeck can read"))
		}
		return
	}
	var keys []any
	var locked bool
	if l.opts.KeyPath != "" || len(keyBlocks) == 0 {
		keys, locked = l.keyFromFile(func() {
			if len(l.cred.Report.Problems) == 0 {
				l.problem(findCertOnly(l.base, "PEM"))
			}
		})
	} else {
		var err error
		keys, err = parseKeyBlocks(keyBlocks, l.opts.Password)
		if len(keys) == 0 {
			l.problem(keyFinding(l.base, err, l.opts.Password))
			locked = errors.Is(err, errBadPassword)
		}
	}
	l.assemble(certs, keys, locked)
}

// assemble fills the report from the certificates and candidate keys found,
// and builds the TLS certificate when a key matches. The leaf is the
// certificate a key belongs to, else the first that is not a CA: files do
// not always put the leaf first.
func (l *loader) assemble(certs []*x509.Certificate, keys []any, locked bool) {
	l.cred.Kind = AuthCertificate
	leafIdx, key := -1, any(nil)
	for i, c := range certs {
		for _, k := range keys {
			if keyMatches(k, c) {
				leafIdx, key = i, k
				break
			}
		}
		if leafIdx >= 0 {
			break
		}
	}
	if leafIdx < 0 {
		leafIdx = 0
		for i, c := range certs {
			if !c.IsCA {
				leafIdx = i
				break
			}
		}
		if len(keys) > 0 {
			key = keys[0]
		}
	}
	leaf := certs[leafIdx]
	if len(certs) > maxCertificates {
		l.problem(findTooManyCertificates(l.base, len(certs)))
	}
	l.checkKey(leaf)
	var chain []*x509.Certificate
	for i, c := range certs {
		if i != leafIdx {
			chain = append(chain, c)
		}
	}
	r := &l.cred.Report
	r.Certificate = l.certInfo(leaf)
	for _, c := range chain {
		r.Chain = append(r.Chain, ChainCert{Subject: nameString(c.Subject), Issuer: nameString(c.Issuer), NotAfter: c.NotAfter.UTC()})
	}
	ki := &KeyInfo{Present: key != nil || locked}
	if key != nil {
		ki.Type, ki.Bits = describeKey(key)
		ki.MatchesCertificate = keyMatches(key, leaf)
		if !ki.MatchesCertificate {
			l.problem(findKeyMismatch())
		} else {
			tc := &tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
			for _, c := range chain {
				tc.Certificate = append(tc.Certificate, c.Raw)
			}
			l.cred.TLS = tc
		}
	}
	r.PrivateKey = ki

	switch {
	case l.now.Before(leaf.NotBefore):
		l.problem(findNotYetValid(leaf.NotBefore, l.now))
	case Expired(leaf.NotAfter, l.now):
		l.problem(findExpired(leaf.NotBefore, leaf.NotAfter, l.now))
	case r.Certificate.DaysLeft < expiryWarningDays:
		l.warn(findExpiresSoon(leaf.NotBefore, leaf.NotAfter, l.now))
	}
	if len(r.Certificate.Environments) == 0 {
		l.warn(findNoPushExtension())
	}
}

func (l *loader) certInfo(c *x509.Certificate) *CertInfo {
	sum := sha256.Sum256(c.Raw)
	topics, damaged := topicsOf(c)
	if damaged {
		l.warn(findDamagedTopics())
	}
	info := &CertInfo{
		Subject:      nameString(c.Subject),
		CommonName:   c.Subject.CommonName,
		Topic:        SubjectTopic(c),
		Topics:       topics,
		Environments: EnvironmentsOf(c),
		Issuer:       nameString(c.Issuer),
		Serial:       strings.ToUpper(c.SerialNumber.Text(16)),
		SHA256:       colonHex(sum[:]),
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
		DaysLeft:     DaysLeft(c.NotAfter, l.now),
	}
	if info.Topics == nil {
		info.Topics = []Topic{}
	}
	if info.Environments == nil {
		info.Environments = []Environment{}
	}
	if len(c.Subject.OrganizationalUnit) > 0 {
		info.TeamID = c.Subject.OrganizationalUnit[0]
	}
	return info
}

func colonHex(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}
