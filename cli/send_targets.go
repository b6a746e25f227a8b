package cli

import (
	"bufio"
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
// and --device/--group (a handful, kept), and the tokens file, checked
// whole before anything is sent (a cheap pass that keeps nothing) and then
// read again as the engine's window has room. Duplicates are dropped as
// the jobs go out, with a compact set (push.TokenSet, about 50 bytes a
// device): 100,000 devices cost a few MB, and the first push leaves after
// one quick pass over the file instead of after a job list is built.
type targetPlan struct {
	before []target // --token, in order
	file   string   // --tokens-file, "" for none
	after  []target // --device and --group
	// count is the devices planned: exact without a tokens file, else an
	// upper bound (a token the file lists twice is sent once).
	count int
	// err is a problem met while the second pass read the file (it changed
	// under the send); the rest of the file is not sent.
	err error
	// headers are the --token and book targets' headers (their token
	// kinds may differ); fileHeaders serve every tokens-file token (one
	// --kind for all).
	headers     map[string]payload.Headers
	fileHeaders payload.Headers
	// sample is the file's first target, standing for all of its tokens
	// where only their kind matters.
	sample *target
}

// maxTokenLine bounds one line of a tokens file (a token and a label).
const maxTokenLine = 64 << 10

// planTargets checks every target and counts them; every error here is a
// usage error and nothing has been sent.
func planTargets(f *SendOptions, s *session.Session) (*targetPlan, error) {
	p := &targetPlan{file: f.TokensFile}
	seen := map[string]bool{}
	for _, raw := range f.Tokens {
		tok, err := certs.NormalizeToken(raw)
		if err != nil {
			return nil, session.Usagef("--token %q: %v", raw, err)
		}
		if !seen[tok] {
			seen[tok] = true
			p.before = append(p.before, target{token: tok})
		}
	}
	lines := 0
	if f.TokensFile != "" {
		err := scanTokensFileFast(f.TokensFile, func(b []byte) bool {
			if lines++; p.sample == nil {
				p.sample = &target{token: string(b)}
			}
			return true
		}, func(t target) bool {
			if lines++; p.sample == nil {
				p.sample = &t
			}
			return true
		})
		if err != nil {
			return nil, err
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
		for _, d := range ds {
			if !d.UnregisteredAt.IsZero() {
				// Sent anyway: the app may have registered again.
				s.Notes = append(s.Notes, fmt.Sprintf("%s was Unregistered on %s", d.Label, d.UnregisteredAt.Format(time.DateOnly)))
			}
			if !seen[d.Token] {
				seen[d.Token] = true
				p.after = append(p.after, target{token: d.Token, label: d.Label})
			}
		}
	}
	p.count = len(p.before) + lines + len(p.after)
	if p.count == 0 {
		return nil, session.Usagef("no devices: give --token T, --tokens-file F, --device LABEL or --group G")
	}
	return p, nil
}

// kindSample is the targets whose token kinds decide the push type: every
// --token and book target, and one of the file's (they share --kind).
func (p *targetPlan) kindSample() []target {
	ts := append([]target{}, p.before...)
	if p.sample != nil {
		ts = append(ts, *p.sample)
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

// exact reports whether count is the number of devices, not a bound.
func (p *targetPlan) exact() bool { return p.file == "" }

// first is the first target, for checking headers before the send.
func (p *targetPlan) first() (target, error) {
	if len(p.before) > 0 {
		return p.before[0], nil
	}
	if p.file != "" {
		var t target
		err := scanTokensFile(p.file, func(x target) bool { t = x; return false })
		if err != nil || t.token != "" {
			return t, err
		}
	}
	if len(p.after) > 0 {
		return p.after[0], nil
	}
	return target{}, errors.New("no devices")
}

// jobs yields one job per distinct device, each at its first occurrence
// (--token, then the file, then --device/--group), reading the file
// again as it goes.
func (p *targetPlan) jobs(body []byte, h payload.Headers) iter.Seq[push.Job] {
	return func(yield func(push.Job) bool) {
		set := push.NewTokenSet(p.count)
		emit := func(t target, fromFile bool) bool {
			if !set.Add(t.token) {
				return true // listed before
			}
			return yield(push.Job{Token: t.token, Label: t.label, Payload: body, Headers: p.headersOf(t, h, fromFile)})
		}
		for _, t := range p.before {
			if !emit(t, false) {
				return
			}
		}
		if p.file != "" {
			stopped := false
			err := scanTokensFile(p.file, func(t target) bool {
				if !emit(t, true) {
					stopped = true
					return false
				}
				return true
			})
			if err != nil {
				p.err = fmt.Errorf("the tokens file changed during the send: %w; its remaining devices were not sent", err)
				return
			}
			if stopped {
				return
			}
		}
		for _, t := range p.after {
			if !emit(t, false) {
				return
			}
		}
	}
}

// scanTokensFile reads a tokens file line by line with its size limit and
// calls each for every target in it until each returns false: a token per
// line, as iOS prints it or as plain hex, then an optional label (after a
// tab, a comma, or the token's 64th digit); blank lines and # comments are
// skipped. The first bad line is a usage error naming it.
func scanTokensFile(name string, each func(target) bool) error {
	return scanTokensFileFast(name, nil, each)
}

// scanTokensFileFast is scanTokensFile with plain, when set, taking lines
// that are nothing but a token in normal form as bytes (valid only during
// the call): the check pass over a big file then converts nothing.
func scanTokensFileFast(name string, plain func([]byte) bool, each func(target) bool) error {
	fh, err := fsafe.Open(name, fsafe.LimitTokens, "tokens file")
	if err != nil {
		return session.Usagef("cannot read the tokens file: %v", err)
	}
	defer fh.Close()
	return scanTokens(name, fh, plain, each)
}

func scanTokens(name string, r io.Reader, plain func([]byte) bool, each func(target) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxTokenLine)
	for n := 1; sc.Scan(); n++ {
		if b := sc.Bytes(); plainToken(b) {
			var more bool
			if plain != nil {
				more = plain(b)
			} else {
				more = each(target{token: string(b)})
			}
			if !more {
				return nil
			}
			continue
		}
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if j := strings.Index(line, " #"); j >= 0 {
			line = strings.TrimSpace(line[:j])
		}
		tokText, label := splitTokenLine(line)
		tok, err := certs.NormalizeToken(tokText)
		if err != nil {
			return session.Usagef("%s:%d: %v", textsafe.Clean(name), n, textsafe.Clean(err.Error()))
		}
		if !each(target{token: tok, label: label}) {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return session.Usagef("%s: a line is longer than %d KB: is it a tokens file?", textsafe.Clean(name), maxTokenLine>>10)
		}
		return session.Usagef("%v", err)
	}
	return nil
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

// parseTokens reads a whole tokens text at once (small inputs, tests).
func parseTokens(name, text string) ([]target, error) {
	var out []target
	err := scanTokens(name, strings.NewReader(text), nil, func(t target) bool {
		out = append(out, t)
		return true
	})
	return out, err
}
