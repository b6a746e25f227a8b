package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
)

// targetPlan is the devices of a send without a job per device: --token
// and --device/--group (kept), and the tokens file, read once, as the
// engine's window has room. Before anything is sent only the file's head
// (its first headSize bytes: all of a small file) is checked, so the first
// push leaves as soon for a million tokens as for ten; a bad line past the
// head is not sent and is reported in its place like a failed device (see
// tokensFile). Duplicates are dropped as the jobs go out, with a compact
// set (push.TokenSet, about 11 bytes a device).
type targetPlan struct {
	before []target    // --token, in order, distinct
	file   *tokensFile // --tokens-file, nil for none
	after  []target    // --device and --group, distinct
	// count is the devices planned: exact when the file (if any) was read
	// whole by its check (a token it lists twice still counts twice),
	// else an estimate from the file's size.
	count int
	// err is a problem met while the file was read during the send (a
	// read error, the file grown past its limit); its remaining devices
	// were not sent.
	err error
	// book is the token kinds the device book keeps for the --device and
	// --group targets, from the same select that found them.
	book map[string]tokenKind
	// headers are the --token and book targets' headers (their token
	// kinds may differ); fileHeaders serve every tokens-file token (one
	// --kind for all).
	headers     map[string]payload.Headers
	fileHeaders payload.Headers
}

// maxTokenLine bounds one line of a tokens file (a token and a label).
const maxTokenLine = 64 << 10

// headSize is how much of a tokens file is checked before the first push:
// about 4,000 plain tokens, a few milliseconds of parsing at worst.
const headSize = 256 << 10

// memRef marks a TokenSet reference to an in-memory target (--token,
// --device, --group); a reference without it is a tokens file's line
// offset (files are at most fsafe.LimitTokens, far below it).
const memRef = 1 << 31

// planTargets checks the targets and counts them; every error here is a
// usage error and nothing has been sent. The tokens file stays open (its
// head read) until close.
func planTargets(f *SendOptions, s *session.Session) (*targetPlan, error) {
	p := &targetPlan{}
	seen := push.NewTokenSet(p.memLookup)
	for _, raw := range f.Tokens {
		tok, err := certs.NormalizeToken(raw)
		if err != nil {
			return nil, session.Usagef("--token %q: %v", raw, err)
		}
		if seen.Add(tok, memRef|uint32(len(p.before))) {
			p.before = append(p.before, target{token: tok})
		}
	}
	if len(f.Devices) > 0 || len(f.Groups) > 0 {
		if s.Store == nil {
			return nil, session.Usagef("cannot open the config folder for --device/--group: %v", s.StoreErr)
		}
		ds, err := s.Store.SelectDevices(s.Env, f.Devices, f.Groups)
		if err != nil {
			return nil, session.Usagef("%v", err)
		}
		if p.book, err = bookKinds(ds); err != nil {
			return nil, err
		}
		for _, d := range ds {
			if !d.UnregisteredAt.IsZero() {
				// Sent anyway: the app may have registered again.
				s.Notes = append(s.Notes, fmt.Sprintf("%s was Unregistered on %s", d.Label, d.UnregisteredAt.Format(time.DateOnly)))
			}
			if seen.Add(d.Token, memRef|uint32(len(p.before)+len(p.after))) {
				p.after = append(p.after, target{token: d.Token, label: d.Label})
			}
		}
	}
	p.count = len(p.before) + len(p.after)
	if f.TokensFile != "" {
		tf, err := openTokensFile(f.TokensFile)
		if err != nil {
			return nil, err
		}
		p.file = tf
		p.count += tf.estimate()
	}
	if p.count == 0 {
		return nil, session.Usagef("no devices: give --token T, --tokens-file F, --device LABEL or --group G")
	}
	return p, nil
}

// close closes the tokens file.
func (p *targetPlan) close() {
	if p.file != nil {
		p.file.close()
	}
}

// memLookup gives back an in-memory target's token for the TokenSet.
func (p *targetPlan) memLookup(ref uint32) (string, bool) {
	i := int(ref &^ memRef)
	switch {
	case i < len(p.before):
		return p.before[i].token, true
	case i-len(p.before) < len(p.after):
		return p.after[i-len(p.before)].token, true
	}
	return "", false
}

// lookup gives back the token of a TokenSet reference.
func (p *targetPlan) lookup(ref uint32) (string, bool) {
	if ref&memRef != 0 {
		return p.memLookup(ref)
	}
	if p.file == nil {
		return "", false
	}
	return p.file.tokenAt(int64(ref))
}

// kindSample is the targets whose token kinds decide the push type: every
// --token and book target, and one of the file's (they share --kind).
func (p *targetPlan) kindSample() []target {
	ts := append([]target{}, p.before...)
	if p.file != nil {
		ts = append(ts, p.file.first)
	}
	return append(ts, p.after...)
}

// headersOf is a target's headers for its token kind (h when the plan has
// none: tests).
func (p *targetPlan) headersOf(t target, h payload.Headers, fromFile bool) payload.Headers {
	if th, ok := p.headers[t.token]; ok {
		return th
	}
	if fromFile && p.headers != nil {
		return p.fileHeaders
	}
	return h
}

// exact reports whether count is the number of devices, not an estimate.
func (p *targetPlan) exact() bool { return p.file == nil || p.file.whole }

// first is the first target, for checking headers before the send.
func (p *targetPlan) first() (t target, fromFile bool, err error) {
	switch {
	case len(p.before) > 0:
		return p.before[0], false, nil
	case p.file != nil:
		return p.file.first, true, nil
	case len(p.after) > 0:
		return p.after[0], false, nil
	}
	return target{}, false, errors.New("no devices")
}

// jobs yields one job per distinct device, each at its first occurrence
// (--token, then the file, then --device/--group), reading the file as it
// goes; a bad line of the file past its head yields a job with Invalid set
// (not sent, reported in its place). Once ctx ends (Ctrl+C) it stops, and
// err says from where nothing was sent. Call it once.
func (p *targetPlan) jobs(ctx context.Context, body []byte, h payload.Headers) iter.Seq[push.Job] {
	return func(yield func(push.Job) bool) {
		// Sized for the plan's count (exact, or the file's estimate):
		// the set is allocated once, not regrown as the send goes on.
		set := push.NewTokenSetSized(p.lookup, p.count)
		emit := func(t target, ref uint32, fromFile bool) bool {
			if !set.Add(t.token, ref) {
				return true // listed before
			}
			return yield(push.Job{Token: t.token, Label: t.label, Payload: body, Headers: p.headersOf(t, h, fromFile)})
		}
		interrupted := func(what string) bool {
			if ctx.Err() == nil {
				return false
			}
			p.err = fmt.Errorf("interrupted: %s not sent", what)
			return true
		}
		for i, t := range p.before {
			if interrupted(fmt.Sprintf("%d of --token's devices", len(p.before)-i)) || !emit(t, memRef|uint32(i), false) {
				return
			}
		}
		if p.file != nil {
			stopped := false
			err := p.file.each(func(n int, off int64, t target, bad error) bool {
				if interrupted(fmt.Sprintf("%s from line %d on was", p.file.shownName(), n)) {
					stopped = true
					return false
				}
				if bad != nil {
					if !yield(push.Job{Token: t.token, Label: t.label, Payload: body, Headers: p.headersOf(t, h, true), Invalid: bad}) {
						stopped = true
					}
				} else if !emit(t, uint32(off), true) {
					stopped = true
				}
				return !stopped
			})
			if err != nil {
				p.err = fmt.Errorf("reading %s during the send: %w; its remaining devices were not sent", textsafe.Clean(p.file.name), err)
				return
			}
			if stopped {
				return
			}
		}
		for i, t := range p.after {
			if interrupted(fmt.Sprintf("%d of --device/--group's devices", len(p.after)-i)) || !emit(t, memRef|uint32(len(p.before)+i), false) {
				return
			}
		}
	}
}

// tokensFile is a tokens file open for one send: a token per line, as iOS
// prints it or as plain hex, then an optional label (after a tab, a comma,
// or the token's 64th digit); blank lines and # comments are skipped.
//
// openTokensFile reads and checks its head before anything is sent: a file
// that is not a token list at all (binary, JSON, no token in its head), or
// a bad line in the head, refuses the send with nothing sent; a small file
// (all head) is so checked whole. Lines past the head are checked as the
// send reads them: a bad one is reported like a failed device, with its
// line number and why, and the send goes on.
type tokensFile struct {
	name  string
	f     *fsafe.File
	head  []byte // the first headSize bytes, or the whole file
	whole bool   // head is all of the file
	// lines and targets are the head's whole lines and the tokens on them.
	lines, targets int
	first          target // the file's first target
	// buf is tokenAt's read buffer.
	buf []byte
}

// openTokensFile opens name, reads its head and checks it; every error is
// a usage error naming the file (and the line).
func openTokensFile(name string) (*tokensFile, error) {
	fh, err := fsafe.Open(name, fsafe.LimitTokens, "tokens file")
	if err != nil {
		return nil, session.Usagef("cannot read the tokens file: %v", err)
	}
	tf := &tokensFile{name: name, f: fh}
	if err := tf.readHead(); err != nil {
		fh.Close()
		return nil, err
	}
	return tf, nil
}

func (tf *tokensFile) close() { tf.f.Close() }

func (tf *tokensFile) shownName() string { return textsafe.Clean(tf.name) }

func (tf *tokensFile) readHead() error {
	tf.head = make([]byte, min(tf.f.Size(), headSize)+1)
	n, err := io.ReadFull(tf.f, tf.head)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		tf.whole = true
	case err != nil:
		return session.Usagef("cannot read the tokens file: %v", err)
	}
	tf.head = tf.head[:n]
	if i := bytes.IndexByte(tf.head, 0); i >= 0 {
		return session.Usagef("%s is not a tokens file: it holds binary data (a zero byte at byte %d); give a text file with one device token per line", tf.shownName(), i+1)
	}
	if t := bytes.TrimLeft(bytes.TrimPrefix(tf.head, []byte("\ufeff")), " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return session.Usagef("%s looks like JSON, not a tokens file: it has one device token per line (a payload goes after --payload)", tf.shownName())
	}
	checked := tf.head
	if !tf.whole {
		// Only whole lines: the last, cut off, is checked as it is sent.
		i := bytes.LastIndexByte(checked, '\n')
		if i < 0 {
			return session.Usagef("%s:1: the line is longer than %d KB: is it a tokens file?", tf.shownName(), maxTokenLine>>10)
		}
		checked = checked[:i+1]
	}
	var refused error
	err = eachLine(bytes.NewReader(checked), func(n int, off int64, line []byte, tooLong bool) bool {
		tf.lines = n
		t, skip, bad := parseTokenLine(line, off == 0, tooLong)
		if bad != nil {
			refused = session.Usagef("%s:%d: %v", tf.shownName(), n, bad)
			return false
		}
		if !skip {
			if tf.targets == 0 {
				tf.first = t
			}
			tf.targets++
		}
		return true
	})
	if refused != nil {
		return refused
	}
	if err != nil {
		return session.Usagef("cannot read the tokens file: %v", err)
	}
	if tf.targets == 0 {
		if tf.whole {
			return session.Usagef("%s has no device token (%d line(s), blank or # comments): give a file with one token per line", tf.shownName(), tf.lines)
		}
		return session.Usagef("%s has no device token in its first %d lines: is it a tokens file? (one token per line)", tf.shownName(), tf.lines)
	}
	return nil
}

// estimate is how many tokens the file has: exact for a file read whole,
// else extrapolated from its head by size.
func (tf *tokensFile) estimate() int {
	if tf.whole || len(tf.head) == 0 {
		return tf.targets
	}
	return int(float64(tf.targets) * float64(tf.f.Size()) / float64(len(tf.head)))
}

// each calls fn for every line with a token, in order, until fn returns
// false: n is the line's number, off its byte offset, bad why a line past
// the head is not a token line (t then holds what it has, cleaned). The
// head comes from memory, the rest from the file; once the head is read
// it is let go (tokenAt reads its lines from the file), so a long send
// does not hold it to its end. The error is a read error.
func (tf *tokensFile) each(fn func(n int, off int64, t target, bad error) bool) error {
	var r io.Reader = &headReader{tf: tf, r: bytes.NewReader(tf.head)}
	if !tf.whole {
		r = io.MultiReader(r, tf.f)
	}
	return eachLine(r, func(n int, off int64, line []byte, tooLong bool) bool {
		t, skip, bad := parseTokenLine(line, off == 0, tooLong)
		if bad != nil {
			return fn(n, off, badTarget(line), fmt.Errorf("%s line %d: %v", tf.shownName(), n, bad))
		}
		return skip || fn(n, off, t, nil)
	})
}

// headReader reads tf's head, and drops tf's hold on it at its end.
type headReader struct {
	tf *tokensFile
	r  *bytes.Reader
}

func (h *headReader) Read(p []byte) (int, error) {
	if h.r == nil {
		return 0, io.EOF
	}
	n, err := h.r.Read(p)
	if err == io.EOF {
		h.tf.head, h.r = nil, nil
	}
	return n, err
}

// tokenAt gives back the token of the line at off (ok false if that line
// has none now: the set then counts the token as new, so a file changed
// during a send can cost a duplicate, never a device).
func (tf *tokensFile) tokenAt(off int64) (string, bool) {
	var line []byte
	if end := int64(len(tf.head)); off < end {
		line = tf.head[off:]
		if i := bytes.IndexByte(line, '\n'); i >= 0 || tf.whole {
			if i >= 0 {
				line = line[:i]
			}
			return tokenOf(line, off)
		}
	}
	if tf.buf == nil {
		tf.buf = make([]byte, 512)
	}
	for size := len(tf.buf); ; size *= 4 {
		if size > len(tf.buf) {
			tf.buf = make([]byte, size)
		}
		n, err := tf.f.ReadAt(tf.buf, off)
		if i := bytes.IndexByte(tf.buf[:n], '\n'); i >= 0 {
			return tokenOf(tf.buf[:i], off)
		}
		if err != nil {
			return tokenOf(tf.buf[:n], off)
		}
		if size > maxTokenLine {
			return "", false
		}
	}
}

func tokenOf(line []byte, off int64) (string, bool) {
	t, skip, bad := parseTokenLine(line, off == 0, false)
	return t.token, !skip && bad == nil
}

// badTarget is what a bad line shows in place of a device: its first
// field and the rest, cleaned and cut short.
func badTarget(line []byte) target {
	s := strings.TrimSpace(textsafe.Clean(string(line[:min(len(line), 200)])))
	tok, label, _ := strings.Cut(s, " ")
	return target{token: tok, label: strings.TrimSpace(label)}
}

// eachLine calls fn for each line of r (without its newline) with its
// number and byte offset, until fn returns false. A line longer than
// maxTokenLine is passed cut short, with tooLong set. The error is a read
// error.
func eachLine(r io.Reader, fn func(n int, off int64, line []byte, tooLong bool) bool) error {
	br := bufio.NewReaderSize(r, maxTokenLine)
	var off int64
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		size := int64(len(line))
		tooLong := errors.Is(err, bufio.ErrBufferFull)
		for errors.Is(err, bufio.ErrBufferFull) {
			// Skip the rest of the line; what was read stays in line only
			// as long as it is not overwritten, so keep a copy.
			line = append([]byte(nil), line[:min(len(line), 200)]...)
			var more []byte
			more, err = br.ReadSlice('\n')
			size += int64(len(more))
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if !fn(n, off, line, tooLong) {
			return nil
		}
		off += size
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// parseTokenLine reads one line of a tokens file (without its newline):
// skip for a blank line or a comment, else the target or why the line is
// not one.
func parseTokenLine(b []byte, first, tooLong bool) (t target, skip bool, bad error) {
	if tooLong {
		return target{}, false, fmt.Errorf("the line is longer than %d KB: is it a tokens file?", maxTokenLine>>10)
	}
	if plainToken(b) {
		return target{token: string(b)}, false, nil
	}
	line := string(b)
	if first {
		line = strings.TrimPrefix(line, "\ufeff")
	}
	line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
	if line == "" || strings.HasPrefix(line, "#") {
		return target{}, true, nil
	}
	if j := strings.Index(line, " #"); j >= 0 {
		line = strings.TrimSpace(line[:j])
	}
	tokText, label := splitTokenLine(line)
	tok, err := certs.NormalizeToken(tokText)
	if err != nil {
		return target{}, false, errors.New(textsafe.Clean(err.Error()))
	}
	return target{token: tok, label: label}, false, nil
}

// plainToken reports whether a line is nothing but a token in normal form
// (lower-case hex, 64 to 200 digits, even): the common line of a big file,
// taken without splitting or rebuilding it.
func plainToken(line []byte) bool {
	if len(line) < certs.DeviceTokenHexLen || len(line) > 200 || len(line)%2 != 0 {
		return false
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// parseTokens reads a whole tokens text at once (small inputs, tests): the
// first bad line is a usage error naming it.
func parseTokens(name, text string) ([]target, error) {
	var out []target
	var bad error
	err := eachLine(strings.NewReader(text), func(n int, off int64, line []byte, tooLong bool) bool {
		t, skip, err := parseTokenLine(line, off == 0, tooLong)
		if err != nil {
			bad = session.Usagef("%s:%d: %v", textsafe.Clean(name), n, err)
			return false
		}
		if !skip {
			out = append(out, t)
		}
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return out, err
}
