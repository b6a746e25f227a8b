package profiles

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// The fuzz targets feed arbitrary bytes to every reader of the config
// folder: each must return data or an error that names the file, never
// panic, and never rewrite a file it could not read. Seeds live in
// testdata/fuzz/<Target>/ and run with every `go test`; to search further:
//
//	go test -run '^$' -fuzz FuzzStoreFiles ./profiles/

// storeFiles are the files a fuzz input can land in, by the input's pick.
var storeFiles = []string{profilesFile, devicesFile, payloadsFile, draftFile, historyFile}

func fuzzStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzStoreFiles writes data as one of the folder's files, then reads it
// every way pushdeck does and tries one write on top.
func FuzzStoreFiles(f *testing.F) {
	good := map[string]string{
		profilesFile: `{"schema":1,"active":"a","profiles":[{"name":"a","cert_path":"/c.p12","auth":"certificate","environment":"development","topic":"com.x","password":{"kind":"env","name":"P"},"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"}]}`,
		devicesFile:  `{"schema":1,"devices":[{"label":"phone","token":"` + strings.Repeat("ab", 32) + `","environment":"development","groups":["qa"],"added_at":"2026-01-01T00:00:00Z","last":{"status":200,"at":"2026-01-01T00:00:00Z"}}]}`,
		payloadsFile: `{"schema":1,"payloads":[{"name":"p","body":"{}","saved_at":"2026-01-01T00:00:00Z"}]}`,
		draftFile:    `{"schema":1,"draft":{"name":"","body":"{\"aps\":","saved_at":"2026-01-01T00:00:00Z"}}`,
		historyFile:  `{"at":"2026-01-01T00:00:00Z","environment":"development","token":"` + strings.Repeat("ab", 32) + `","status":200,"payload_size":2,"latency_ms":1}` + "\n",
	}
	for i, name := range storeFiles {
		g := good[name]
		f.Add([]byte(g), uint8(i))
		f.Add([]byte(g[:len(g)/2]), uint8(i))                                      // torn
		f.Add([]byte(strings.Replace(g, `"schema":1`, `"schema":9`, 1)), uint8(i)) // newer
		f.Add([]byte(strings.Replace(g, `[`, `{`, 1)), uint8(i))                   // wrong shape
	}
	f.Add([]byte("\x00\x00\x00"), uint8(0))
	f.Add([]byte(`{"profiles":null,"devices":null}`), uint8(1))
	f.Add([]byte(`{"devices":[{"token":5}]}`), uint8(1))
	f.Add([]byte(`{"devices":[{"token":"zz","environment":"mars","added_at":"yesterday"}]}`), uint8(1))
	f.Add([]byte(`[]`), uint8(0))
	f.Add([]byte("\n\n{\"status\":\n{\"at\":\"x\"}\n"), uint8(4))
	f.Add([]byte(strings.Repeat("{", 100000)), uint8(2))

	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		dir := t.TempDir()
		os.Chmod(dir, 0o700)
		name := storeFiles[int(pick)%len(storeFiles)]
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// Open imports the JSON store's files: one it cannot read is
		// left byte for byte and warned about, one it imports is kept
		// byte for byte under a new name.
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("Open with a bad %s: %v", name, err)
		}
		defer s.Close()
		if name != profilesFile {
			kept, err := os.ReadFile(p)
			if err != nil {
				kept, err = os.ReadFile(p + LegacySuffix)
			}
			if err != nil || !bytes.Equal(kept, data) {
				t.Fatalf("%s was neither left nor kept as it was: %v", name, err)
			}
		}
		clear := func(err error) {
			t.Helper()
			if err == nil || errors.Is(err, ErrNotFound) {
				return
			}
			msg := err.Error()
			if !strings.Contains(msg, s.Dir) {
				t.Fatalf("error does not name the file: %v", err)
			}
		}
		_, err = s.Profiles()
		clear(err)
		_, err = s.Active()
		clear(err)
		_, err = s.Devices()
		clear(err)
		_, err = s.SelectDevices(certs.Development, nil, []string{"qa"})
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatal(err)
		}
		_, err = s.Payloads()
		clear(err)
		_, _, err = s.Draft()
		clear(err)
		_, err = s.ExportDevices()
		clear(err)
		for _, hf := range []HistoryFilter{{}, {Limit: 1}, {Device: "ab"}, {Reason: "BadDeviceToken", Since: time.Unix(1, 0)}} {
			_, err = s.QueryHistory(hf)
			clear(err)
		}
		// Writes go to the database whatever the old files held.
		if _, _, err := s.AddDevice(Device{Token: strings.Repeat("cd", 32), Environment: certs.Development}); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendHistory(HistoryEntry{Token: strings.Repeat("cd", 32), Status: 200}); err != nil {
			t.Fatal(err)
		}
		es, err := s.QueryHistory(HistoryFilter{Device: strings.Repeat("cd", 32)})
		if err != nil || len(es) != 1 {
			t.Fatalf("the entry appended after an import is not read back: %v %+v", err, es)
		}
		if name == profilesFile {
			werr := s.SaveProfile(Profile{Name: "fz", CertPath: "/c.p12", Environment: certs.Development})
			clear(werr)
			if werr != nil {
				after, err := os.ReadFile(p)
				if err != nil || !bytes.Equal(after, data) {
					t.Fatalf("a refused write changed %s", name)
				}
			}
		}
	})
}

// FuzzImportDevices: any bytes given to `devices import` give a report or
// an error that says what to do, never a panic; every refused line names
// its number and why.
func FuzzImportDevices(f *testing.F) {
	tok := strings.Repeat("ab", 32)
	for _, s := range []string{
		tok + " Anna's phone\n# comment\n\n" + strings.Repeat("cd", 32) + "\n",
		"Anna's iPhone: <" + tok[:8] + " " + tok[8:16] + " " + tok[16:] + ">\n",
		"\ufeff" + tok + ",label\r\n",
		`{"schema":1,"devices":[{"label":"a","token":"` + tok + `","environment":"production"}]}`,
		`[{"token":"` + tok + `"},{"token":5},{}]`,
		`{"devices":{}}`, `{"schema":99,"devices":[]}`, `[`, `{`, `{"x":1}`,
		";\n", ":::\n", ",", "=\t;", "<>", "<", "abc", tok + tok + tok + tok,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, withEnv bool) {
		s := fuzzStore(t)
		env := certs.Environment("")
		if withEnv {
			env = certs.Development
		}
		rep, err := s.ImportDevices(data, env, []string{"imported"})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			if _, statErr := os.Stat(filepath.Join(s.Dir, devicesFile)); statErr == nil {
				t.Fatal("a refused import wrote the device book")
			}
			return
		}
		for _, b := range rep.Bad {
			if b.Line < 1 || b.Reason == "" {
				t.Fatalf("bad line without number or reason: %+v", b)
			}
		}
		ds, err := s.Devices()
		if err != nil {
			t.Fatalf("the book written by an import does not read back: %v", err)
		}
		if len(ds) != rep.Added {
			t.Fatalf("report says %d added, the book has %d", rep.Added, len(ds))
		}
		for _, d := range ds {
			if _, err := certs.NormalizeToken(d.Token); err != nil || d.Environment == "" {
				t.Fatalf("imported a device pushdeck cannot send to: %+v", d)
			}
		}
	})
}
