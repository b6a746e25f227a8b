package payload

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// linter walks the parsed payload once and collects findings.
type linter struct {
	p        *parser
	opts     Options
	pt       PushType // effective push type ("" in the headers is inferred)
	findings []Finding
}

// add records a finding at a byte offset (-1 for a header finding).
func (l *linter) add(sev Severity, rule, path string, off int, fix, format string, args ...any) {
	l.findings = append(l.findings, Finding{
		Severity: sev, Rule: rule, Path: path, Offset: off,
		Message: fmt.Sprintf(format, args...), Fix: fix,
	})
}

// validate is Validate's body; see payload.go for the contract.
func validate(body []byte, opts Options) Report {
	root, p := parse(body)
	l := &linter{p: p, opts: opts, pt: opts.Headers.PushType}
	var aps *value
	if p.err != nil {
		l.findings = append(l.findings, Finding{Severity: Error, Rule: "syntax", Offset: p.err.off, Message: p.err.msg, Fix: p.err.fix})
	} else if root.kind != kindObject {
		l.add(Error, "not-object", "", root.start, `wrap it in an object: {"aps": {"alert": "Hello"}}`,
			"the payload is %s; APNs needs a JSON object", kindName(root))
	} else {
		aps = l.topLevel(root)
	}
	if l.pt == "" {
		l.pt = inferPushType(p, aps)
		l.add(Warning, "push-type", "apns-push-type", -1, fmt.Sprintf("set the push type to %s; APNs requires it on watchOS and Apple asks for it everywhere", l.pt),
			"apns-push-type is not set; pushdeck assumes %s", l.pt)
	}
	if aps != nil {
		l.aps(aps)
		l.pushTypeRules(root, aps)
	}
	if p.err == nil {
		for _, off := range p.badUTF8 {
			l.add(Warning, "utf8", "", off, "save the text as UTF-8", "this string is not valid UTF-8; the device shows � or drops the text")
		}
	}
	limit := SizeLimit(l.pt)
	if opts.Channel {
		limit = 5120 // Apple: a broadcast payload is at most 5 KB
	}
	if len(body) > limit {
		fix := "shorten the alert text or remove custom keys"
		if min, err := Minify(body); err == nil && len(min) < len(body) {
			fix = fmt.Sprintf("minify it (%d bytes without whitespace), shorten the text or remove custom keys", len(min))
		}
		kind := string(l.pt) + " pushes"
		if opts.Channel {
			kind = "a broadcast"
		}
		l.add(Error, "size", "", limit, fix, "the payload is %d bytes; the limit for %s is %d", len(body), kind, limit)
	}
	l.headers()
	return l.report(body, limit)
}

// report sorts findings into document order, fills in line and column and
// splits errors from warnings.
func (l *linter) report(body []byte, limit int) Report {
	return l.reportWith(body, limit, newPosCursor(body))
}

// reportWith is report with the position cursor given (tests count its work).
func (l *linter) reportWith(body []byte, limit int, pos *posCursor) Report {
	slices.SortStableFunc(l.findings, func(a, b Finding) int {
		if (a.Offset < 0) != (b.Offset < 0) {
			if a.Offset < 0 {
				return 1
			}
			return -1
		}
		return a.Offset - b.Offset
	})
	r := Report{Bytes: len(body), Limit: limit, Errors: []Finding{}, Warnings: []Finding{}}
	// Findings are in offset order now: the cursor makes one pass.
	for _, f := range l.findings {
		if f.Offset >= 0 {
			f.Line, f.Column = pos.at(f.Offset)
		}
		if f.Severity == Error {
			r.Errors = append(r.Errors, f)
		} else {
			r.Warnings = append(r.Warnings, f)
		}
	}
	r.Valid = len(r.Errors) == 0
	return r
}

// topLevel checks the keys beside aps and returns the aps value (the last
// one if it is repeated, as iOS and encoding/json keep the last).
func (l *linter) topLevel(root *value) *value {
	var aps *value
	variant := ""
	for _, m := range root.members {
		switch {
		case m.key == "aps":
			if aps != nil {
				l.add(Error, "aps-duplicate", "aps", m.keyStart, "merge the two aps objects into one",
					"aps appears twice; only one of them reaches the device")
			}
			aps = m.val
		case equalFoldASCII(strings.TrimSpace(m.key), "aps"):
			variant = m.key
			l.add(Warning, "aps-shadow", pathJoin("", m.key), m.keyStart, `rename it to "aps" (keys are case-sensitive), or merge it into aps`,
				"custom key %q looks like aps but is not it; iOS treats it as custom data", m.key)
		}
	}
	if aps == nil {
		if needsAps(l.opts.Headers.PushType) {
			fix := `add "aps": {"alert": "Hello"}`
			if variant != "" {
				fix = fmt.Sprintf(`rename %q to "aps"`, variant)
			}
			l.add(Error, "aps-missing", "aps", root.start, fix, "the payload has no aps dictionary")
		}
		return nil
	}
	if aps.kind != kindObject {
		l.add(Error, "aps-type", "aps", aps.start, `make aps an object: "aps": {"alert": "Hello"}`,
			"aps is %s; it must be an object", kindName(aps))
		return nil
	}
	return aps
}

// needsAps: PushKit pushes (voip, complication, fileprovider), location,
// push-to-talk and mdm hand the whole dictionary to the app, so aps is
// optional there.
func needsAps(t PushType) bool {
	switch t {
	case "", Alert, Background, LiveActivity, Widgets:
		return true
	}
	return false
}

// inferPushType guesses the push type the way a user means it when the
// header is missing: a silent push is background, anything else alert.
func inferPushType(p *parser, aps *value) PushType {
	if aps == nil {
		return Alert
	}
	ca := aps.get("content-available")
	if ca != nil && p.num(ca) == 1 && aps.get("alert") == nil && aps.get("sound") == nil && aps.get("badge") == nil {
		return Background
	}
	return Alert
}

// get returns the last member named key (iOS keeps the last duplicate).
func (v *value) get(key string) *value {
	for i := len(v.members) - 1; i >= 0; i-- {
		if v.members[i].key == key {
			return v.members[i].val
		}
	}
	return nil
}

// memberOf returns the last member named key, for its key offset.
func (v *value) memberOf(key string) *member {
	for i := len(v.members) - 1; i >= 0; i-- {
		if v.members[i].key == key {
			return &v.members[i]
		}
	}
	return nil
}

// num returns a number's value, NaN for anything else.
func (p *parser) num(v *value) float64 {
	if v == nil || v.kind != kindNumber {
		return math.NaN()
	}
	// Out of range gives ±Inf (or 0 for underflow) with an error: still the
	// right answer for range checks.
	f, _ := strconv.ParseFloat(string(p.b[v.start:v.end]), 64)
	return f
}

// isWhole reports a number with an integral value (1, 1.0 and 1e2 all are).
func (p *parser) isWhole(v *value) bool {
	f := p.num(v)
	return !math.IsNaN(f) && !math.IsInf(f, 0) && f == math.Trunc(f)
}

// strVal returns a string's decoded text and whether v is a string.
func (p *parser) strVal(v *value) (string, bool) {
	if v == nil || v.kind != kindString {
		return "", false
	}
	return p.text(v), true
}

func (l *linter) raw(v *value) string { return l.p.short(v) }

func kindName(v *value) string {
	switch v.kind {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean"
	case kindNumber:
		return "a number"
	case kindString:
		return "a string"
	case kindArray:
		return "an array"
	}
	return "an object"
}

// pathJoin appends a key to a JSON path; keys that are not plain words are
// bracketed so the path stays unambiguous: aps.alert["my.key"].
func pathJoin(parent, key string) string {
	plain := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(isWordStart(c) || isDigit(c) || c == '-') {
			plain = false
			break
		}
	}
	if !plain {
		q, _ := json.Marshal(key)
		return parent + "[" + string(q) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }
