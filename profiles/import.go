package profiles

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
)

// ExportDevices writes the device book as JSON (the shape of devices.json),
// which ImportDevices reads back with every field kept.
func (s *Store) ExportDevices() ([]byte, error) {
	ds, err := s.Devices()
	if err != nil {
		return nil, err
	}
	doc := devicesDoc{Devices: ds}
	doc.stamp()
	if doc.Devices == nil {
		doc.Devices = []Device{}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// importItem is one candidate device with the line it came from.
type importItem struct {
	line int
	text string
	dev  Device
	err  error
}

// ImportDevices reads one token per line with an optional label (# comments
// allowed) or the JSON that ExportDevices writes; good lines are kept, bad
// ones reported by number. env applies to lines that do not name one, and
// groups are added to every imported device. The whole import is one write.
func (s *Store) ImportDevices(data []byte, env certs.Environment, groups []string) (ImportReport, error) {
	if env != "" {
		e, err := certs.ParseEnvironment(string(env))
		if err != nil {
			return ImportReport{}, err
		}
		env = e
	}
	var items []importItem
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var err error
		if items, err = parseJSONImport(data); err != nil {
			return ImportReport{}, err
		}
	} else {
		items = parseTextImport(data)
	}
	return s.importItems(items, env, groups, importOptions{})
}

// importOptions are for tests: the two ways of writing an import must
// leave the same book and give the same report.
type importOptions struct {
	rowByRow bool  // never through a memBook
	now      int64 // the import's time, instead of the clock's
	inMemory *bool // set to whether a memBook wrote the import
}

// importItems checks the parsed lines and writes the good ones in one
// transaction: resolved in memory and written in bulk if the book is no
// larger than the import (membook.go), else a chunk at a time through
// the upserter (bulk.go).
func (s *Store) importItems(items []importItem, env certs.Environment, groups []string, opt importOptions) (ImportReport, error) {
	// The groups every line gets, cleaned once and shared by the lines
	// that name none (normalizeDevice keeps a clean list as it is).
	groups = cleanGroups(groups)
	var rep ImportReport
	err := s.write(context.Background(), "importing devices", func(tx *sql.Tx) error {
		defer bulkCache(tx)()
		rep = ImportReport{}
		up, err := newUpserter(tx)
		if err != nil {
			return err
		}
		defer up.close()
		if opt.now != 0 {
			up.now = opt.now
		}
		// Lines are checked first; then the good ones are written.
		ds := make([]Device, 0, len(items))
		from := make([]int32, 0, len(items)) // ds[i] came from items[from[i]]
		for k := range items {
			it := &items[k]
			if it.err != nil {
				rep.Bad = append(rep.Bad, BadLine{Line: it.line, Text: it.text, Reason: it.err.Error()})
				continue
			}
			d := it.dev
			if d.Environment == "" {
				if env == "" {
					rep.Bad = append(rep.Bad, BadLine{Line: it.line, Text: it.text, Reason: "no environment: give --env development or --env production"})
					continue
				}
				d.Environment = env
			}
			if len(d.Groups) == 0 {
				d.Groups = groups[:len(groups):len(groups)]
			} else {
				d.Groups = append(d.Groups, groups...)
			}
			d, err := normalizeDevice(d)
			if err != nil {
				rep.Bad = append(rep.Bad, BadLine{Line: it.line, Text: it.text, Reason: err.Error()})
				continue
			}
			ds, from = append(ds, d), append(from, int32(k))
		}
		var isNew []bool
		var errs []error
		done := false
		if !opt.rowByRow {
			if done, isNew, errs, err = importInMemory(tx, up.now, ds); err != nil {
				return err
			}
		}
		if opt.inMemory != nil {
			*opt.inMemory = done
		}
		if !done {
			isNew, errs, err = up.upsertMany(ds)
		}
		if err != nil {
			return err // the database, not a line: stop, keep nothing
		}
		for i, e := range errs {
			switch {
			case e != nil:
				it := &items[from[i]]
				rep.Bad = append(rep.Bad, BadLine{Line: it.line, Text: it.text, Reason: e.Error()})
			case isNew[i]:
				rep.Added++
			default:
				rep.Updated++
			}
		}
		slices.SortStableFunc(rep.Bad, func(a, b BadLine) int { return a.Line - b.Line })
		return nil
	})
	if err != nil {
		return ImportReport{}, err
	}
	return rep, nil
}

// parseTextImport reads "TOKEN [LABEL]" lines. The token may also come last
// ("Anna's iPhone: <ab12 ...>") or in the <...> form iOS prints, spaces and
// all; the label is whatever is left, minus separators.
func parseTextImport(data []byte) []importItem {
	text := string(data)
	items := make([]importItem, 0, strings.Count(text, "\n")+1)
	for n := 1; text != ""; n++ {
		raw := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			raw, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || line[0] == '#' {
			continue
		}
		it := importItem{line: n, text: line}
		tok, label, err := splitTokenLine(line)
		it.dev, it.err = Device{Token: tok, Label: label}, err
		items = append(items, it)
	}
	return items
}

// tokenLineSeps separate a token from its label.
const tokenLineSeps = " \t,;:="

func trimLabel(s string) string { return strings.Trim(s, tokenLineSeps+"\"'") }

// splitTokenLine is splitLineGeneral, quicker for the usual line: "TOKEN
// label" with the token as APNs gives it (lower-case hex) comes out the
// same with no copy of the token (FuzzSplitTokenLine compares the two).
func splitTokenLine(line string) (token, label string, err error) {
	if strings.IndexByte(line, '<') < 0 {
		end := strings.IndexAny(line, tokenLineSeps)
		if end < 0 {
			end = len(line)
		}
		if end > 0 && isNormalToken(line[:end]) {
			return line[:end], trimLabel(strings.TrimSpace(line[end:])), nil
		}
	}
	return splitLineGeneral(line)
}

func splitLineGeneral(line string) (token, label string, err error) {
	const seps = tokenLineSeps
	if i := strings.IndexByte(line, '<'); i >= 0 {
		if j := strings.IndexByte(line[i:], '>'); j > 0 {
			tok := line[i : i+j+1]
			t, err := certs.NormalizeToken(tok)
			if err != nil {
				return "", "", err
			}
			return t, trimLabel(line[:i] + " " + line[i+j+1:]), nil
		}
	}
	fields := strings.FieldsFunc(line, func(r rune) bool { return strings.ContainsRune(seps, r) })
	if len(fields) == 0 {
		// Only separators (";", ":::"): nothing that could be a token.
		return "", "", errors.New("no device token on this line: give the 64 hex digits, optionally followed by a label")
	}
	first := fields[0]
	t, firstErr := certs.NormalizeToken(first)
	if firstErr == nil {
		rest := strings.TrimSpace(line[strings.Index(line, first)+len(first):])
		return t, trimLabel(rest), nil
	}
	if len(fields) > 1 {
		last := fields[len(fields)-1]
		if t, err := certs.NormalizeToken(last); err == nil {
			return t, trimLabel(line[:strings.LastIndex(line, last)]), nil
		}
	}
	return "", "", firstErr
}

// parseJSONImport reads an export ({"schema":1,"devices":[...]}) or a bare
// array of devices, one item per element, with the line each starts on so a
// bad entry is reported where the user can find it.
func parseJSONImport(data []byte) ([]importItem, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	fail := func(err error) ([]importItem, error) {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset - 1
		}
		line, col := lineCol(data, off)
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("the file is not valid device JSON at line %d, column %d (%v): fix it, or use one token per line with an optional label", line, col, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return fail(err)
	}
	if tok == json.Delim('{') {
		found := false
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return fail(err)
			}
			switch key {
			case "schema":
				var v int
				if err := dec.Decode(&v); err != nil {
					return fail(err)
				}
				if v > SchemaVersion {
					return nil, fmt.Errorf("the export has schema %d: it was %w (this one reads %d); upgrade pushdeck", v, ErrNewerSchema, SchemaVersion)
				}
			case "devices":
				if tok, err = dec.Token(); err != nil {
					return fail(err)
				}
				if tok != json.Delim('[') {
					return fail(fmt.Errorf(`"devices" must be a list`))
				}
				items, err := decodeElements(dec, data)
				if err != nil {
					return fail(err)
				}
				return items, nil
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return fail(err)
				}
			}
		}
		if !found {
			return nil, errors.New(`the JSON has no "devices" list: import a file written by "pushdeck devices export --json", or one token per line`)
		}
	}
	if tok != json.Delim('[') {
		return fail(fmt.Errorf("expected a list of devices"))
	}
	items, err := decodeElements(dec, data)
	if err != nil {
		return fail(err)
	}
	return items, nil
}

// decodeElements reads the elements of the array whose '[' was just read.
// An element of the wrong shape is a bad item; broken JSON stops the import.
func decodeElements(dec *json.Decoder, data []byte) ([]importItem, error) {
	var items []importItem
	for dec.More() {
		start := int(dec.InputOffset())
		for start < len(data) && strings.ContainsRune(" \t\r\n,", rune(data[start])) {
			start++
		}
		line, _ := lineCol(data, int64(start))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		it := importItem{line: line, text: firstLineOf(raw)}
		if err := json.Unmarshal(raw, &it.dev); err != nil {
			it.err = fmt.Errorf("not a device entry: %v", err)
		} else if it.dev.Token == "" {
			it.err = errors.New(`no "token" field`)
		} else {
			it.text = strings.TrimSpace(it.dev.Token + " " + it.dev.Label)
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return nil, err
	}
	return items, nil
}

func firstLineOf(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
