package profiles

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// legacyHome copies the JSON store written by the old code (testdata/legacy)
// into a fresh folder.
func legacyHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	for _, name := range []string{devicesFile, payloadsFile, draftFile, historyFile, profilesFile} {
		b, err := os.ReadFile(filepath.Join("testdata", "legacy", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func legacyTok(i int) string { return strings.Repeat("0", 58) + "ab000" + string(rune('0'+i)) }

// TestLegacyImport opens a folder of the JSON store: everything is in the
// database after one Open, the old files are kept renamed, byte for byte,
// the torn last history line is reported and skipped, and a second Open
// imports nothing twice.
func TestLegacyImport(t *testing.T) {
	dir := legacyHome(t)
	orig := map[string][]byte{}
	for _, name := range legacyFiles {
		orig[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(s.Notices(), "\n")
	for _, want := range []string{"5 devices", "30 history entries", "1 saved payload", "the draft", devicesFile + LegacySuffix, historyFile + LegacySuffix} {
		if !strings.Contains(notes, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notes)
		}
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "last line is incomplete") || !strings.Contains(w, historyFile) {
		t.Errorf("the torn line is not reported: %q", w)
	}
	for _, name := range legacyFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s is still there under its old name", name)
		}
		kept, err := os.ReadFile(filepath.Join(dir, name+LegacySuffix))
		if err != nil || !bytes.Equal(kept, orig[name]) {
			t.Errorf("%s was not kept byte for byte: %v", name, err)
		}
	}
	ds, err := s.Devices()
	if err != nil || len(ds) != 5 {
		t.Fatalf("devices: %d, %v", len(ds), err)
	}
	byTok := map[string]Device{}
	for _, d := range ds {
		byTok[d.Token] = d
	}
	d1, d2 := byTok[legacyTok(1)], byTok[legacyTok(2)]
	if d1.Last == nil || d1.Last.Status != 200 || d1.Last.ApnsID != "11111111-1111-1111-1111-111111111111" || d1.Label != "Phone 1" || strings.Join(d1.Groups, ",") != "qa" {
		t.Errorf("device 1: %+v", d1)
	}
	if d2.Last == nil || d2.Last.Status != 410 || !d2.UnregisteredAt.Equal(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("device 2 lost its 410 timestamp: %+v", d2)
	}
	if byTok[legacyTok(4)].Environment != certs.Production {
		t.Errorf("device 4: %+v", byTok[legacyTok(4)])
	}
	es, err := s.QueryHistory(HistoryFilter{Payloads: true})
	if err != nil || len(es) != 30 {
		t.Fatalf("history: %d entries, %v", len(es), err)
	}
	for _, e := range es {
		if e.Payload != `{"aps":{"alert":"hi"}}` {
			t.Fatalf("entry %s cannot be reloaded: payload %q", e.ApnsID, e.Payload)
		}
	}
	if es[0].Status != 410 || es[0].UnregisteredAt.IsZero() {
		t.Errorf("newest entry: %+v", es[0])
	}
	var sends []SendSummary
	s.Sends(context.Background(), HistoryFilter{}, func(b SendSummary) error { sends = append(sends, b); return nil })
	if len(sends) != 3 || sends[0].Batch != "batch2" || sends[0].Devices != 10 || sends[0].Accepted != 8 || sends[0].Failed != 2 {
		t.Errorf("sends: %+v", sends)
	}
	if p, err := s.Payload("hello"); err != nil || p.PushType != "alert" {
		t.Errorf("payload: %+v, %v", p, err)
	}
	if d, ok, err := s.Draft(); err != nil || !ok || d.Body != `{"aps":{"alert":"half` {
		t.Errorf("draft: %+v %v %v", d, ok, err)
	}
	if ps, err := s.Profiles(); err != nil || len(ps) != 1 || ps[0].Password.Name != "PUSHDECK_PASSWORD" {
		t.Errorf("profiles.json (kept as a file): %+v, %v", ps, err)
	}
	s.Close()

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := len(s.Notices()); n != 0 {
		t.Errorf("a second Open says %q", s.Notices())
	}
	if n, _ := s.HistoryCount(HistoryFilter{}); n != 30 {
		t.Errorf("history after a second Open: %d", n)
	}
}

// TestLegacyImportKilledBeforeRename: the import committed but the process
// died before renaming the files; the next Open renames them without
// importing anything twice.
func TestLegacyImportKilledBeforeRename(t *testing.T) {
	dir := legacyHome(t)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, name := range legacyFiles { // as if the renames never happened
		if err := os.Rename(filepath.Join(dir, name+LegacySuffix), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.HistoryCount(HistoryFilter{}); n != 30 {
		t.Errorf("history: %d entries after the second Open, want 30", n)
	}
	if n, _ := s.DeviceCount(); n != 5 {
		t.Errorf("devices: %d, want 5", n)
	}
	for _, name := range legacyFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s was not renamed", name)
		}
	}
}

// TestLegacyBrokenFileIsLeft: a devices.json that is not JSON is left as
// it is (warning with its line), the other files are imported; once fixed,
// the next Open imports it.
func TestLegacyBrokenFileIsLeft(t *testing.T) {
	dir := legacyHome(t)
	p := filepath.Join(dir, devicesFile)
	good, _ := os.ReadFile(p)
	bad := bytes.Replace(good, []byte(`"label": "Phone 3",`), []byte(`"label": "Phone 3",,`), 1)
	os.WriteFile(p, bad, 0o600)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(s.Warnings(), "\n")
	if !strings.Contains(w, p) || !strings.Contains(w, "line ") || !strings.Contains(w, "left as it is") {
		t.Errorf("warnings: %q", w)
	}
	if now, _ := os.ReadFile(p); !bytes.Equal(now, bad) {
		t.Error("the broken file was changed")
	}
	if n, _ := s.HistoryCount(HistoryFilter{}); n != 30 {
		t.Errorf("history: %d, want 30 (the other files are imported)", n)
	}
	s.Close()
	os.WriteFile(p, good, 0o600)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.DeviceCount(); n != 5 {
		t.Errorf("devices after the fix: %d, want 5", n)
	}
	if n, _ := s.HistoryCount(HistoryFilter{}); n != 30 {
		t.Errorf("history: %d, want 30 (not imported twice)", n)
	}
}
