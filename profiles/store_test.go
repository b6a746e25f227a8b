package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700) // TempDir makes 0755, which Open would (rightly) warn about
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestDefaultDirHonoursPushdeckHome(t *testing.T) {
	t.Setenv("PUSHDECK_HOME", "/some/where")
	d, err := DefaultDir()
	if err != nil || d != "/some/where" {
		t.Fatalf("DefaultDir() = %q, %v", d, err)
	}
	t.Setenv("PUSHDECK_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	d, err = DefaultDir()
	if err != nil || d != "/cfg/pushdeck" {
		t.Fatalf("DefaultDir() without PUSHDECK_HOME = %q, %v", d, err)
	}
}

func TestOpenCreatesPrivateFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "pushdeck")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("folder mode %04o, want 0700", m)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("fresh folder gave warnings %q", w)
	}
	if err := s.SetActive(""); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, filepath.Join(dir, profilesFile)); m != 0o600 {
		t.Errorf("profiles.json mode %04o, want 0600", m)
	}
}

func TestOpenFixesWideModes(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(dir, devicesFile)
	if err := os.WriteFile(dev, []byte(`{"schema":1,"devices":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dev, 0o644) // umask may have narrowed it
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("folder mode %04o after Open, want 0700", m)
	}
	if m := mode(t, dev); m != 0o600 {
		t.Errorf("devices.json mode %04o after Open, want 0600", m)
	}
	w := strings.Join(s.Warnings(), "\n")
	if !strings.Contains(w, dev) || !strings.Contains(w, "0644") || !strings.Contains(w, "0600") {
		t.Errorf("warnings do not say devices.json was 0644 and is now 0600:\n%s", w)
	}
	if !strings.Contains(w, "0755") {
		t.Errorf("warnings do not mention the folder's 0755:\n%s", w)
	}
}

func TestAtomicWriteLeavesNoTempFiles(t *testing.T) {
	s := openTemp(t)
	for i := 0; i < 5; i++ {
		if err := s.SaveDraft(SavedPayload{Body: strings.Repeat("x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(s.Dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
}

func TestCorruptFileIsKeptAndNeverOverwritten(t *testing.T) {
	s := openTemp(t)
	p := filepath.Join(s.Dir, devicesFile)
	bad := "{\n  \"schema\": 1,\n  \"devices\": [ { \"label\": \"a\", } ]\n}\n"
	if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Devices()
	var ce *CorruptFileError
	if !errors.As(err, &ce) {
		t.Fatalf("Devices() error = %v, want a *CorruptFileError", err)
	}
	if ce.Line != 3 || ce.Path != p {
		t.Errorf("error names %s line %d, want %s line 3", ce.Path, ce.Line, p)
	}
	msg := err.Error()
	for _, want := range []string{p, "line 3", "has not changed it", ce.Copy, "move the file away"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	kept, err := os.ReadFile(ce.Copy)
	if err != nil || string(kept) != bad {
		t.Fatalf("copy %s = %q, %v; want the bad bytes", ce.Copy, kept, err)
	}
	if m := mode(t, ce.Copy); m != 0o600 {
		t.Errorf("copy mode %04o, want 0600", m)
	}
	// A write must refuse too, leaving the file as it was.
	_, _, err = s.AddDevice(Device{Token: strings.Repeat("ab", 32), Label: "x", Environment: certs.Development})
	if !errors.As(err, &ce) {
		t.Fatalf("AddDevice on a corrupt file: %v, want *CorruptFileError", err)
	}
	if now, _ := os.ReadFile(p); string(now) != bad {
		t.Fatalf("corrupt file was changed to %q", now)
	}
	copies, _ := filepath.Glob(p + ".corrupt-*")
	if len(copies) != 1 {
		t.Errorf("%d copies after two reads of the same bad file, want 1: %v", len(copies), copies)
	}
}

func TestTruncatedFileIsReportedNotOverwritten(t *testing.T) {
	s := openTemp(t)
	if err := s.SaveProfile(Profile{Name: "dev", CertPath: "/x.p12", Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Dir, profilesFile)
	full, _ := os.ReadFile(p)
	half := full[:len(full)/2]
	if err := os.WriteFile(p, half, 0o600); err != nil {
		t.Fatal(err)
	}
	err := s.SaveProfile(Profile{Name: "prod", CertPath: "/y.p12", Environment: certs.Production})
	var ce *CorruptFileError
	if !errors.As(err, &ce) || ce.Line < 2 {
		t.Fatalf("SaveProfile on a truncated file: %v (line %d), want a corrupt-file error with a line", err, ce.Line)
	}
	if now, _ := os.ReadFile(p); string(now) != string(half) {
		t.Fatal("truncated file was overwritten")
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	s := openTemp(t)
	p := filepath.Join(s.Dir, payloadsFile)
	os.WriteFile(p, []byte(`{"schema": 7, "payloads": {"new": "shape"}}`), 0o600)
	_, err := s.Payloads()
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("Payloads() on schema 7: %v", err)
	}
	if copies, _ := filepath.Glob(p + ".corrupt-*"); len(copies) != 0 {
		t.Errorf("a newer file is not corrupt, yet copies were made: %v", copies)
	}
}

func TestEmptyFileIsEmptyWithWarning(t *testing.T) {
	s := openTemp(t)
	os.WriteFile(filepath.Join(s.Dir, devicesFile), nil, 0o600)
	ds, err := s.Devices()
	if err != nil || len(ds) != 0 {
		t.Fatalf("Devices() on an empty file = %v, %v", ds, err)
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "is empty") {
		t.Errorf("no warning for the empty file: %q", w)
	}
}

func TestPayloadsAndDraftRoundTrip(t *testing.T) {
	s := openTemp(t)
	if _, ok, err := s.Draft(); ok || err != nil {
		t.Fatalf("Draft() on a new store: ok=%v err=%v", ok, err)
	}
	p := SavedPayload{Name: "hello", Body: `{"aps":{"alert":"hi"}}`, PushType: "alert", Priority: 10,
		CollapseID: "c1", Expiration: "0", Topic: "com.example.app"}
	if err := s.SavePayload(p); err != nil {
		t.Fatal(err)
	}
	p2 := p
	p2.Name, p2.Body = "bg", `{"aps":{"content-available":1}}`
	if err := s.SavePayload(p2); err != nil {
		t.Fatal(err)
	}
	p.Body = `{"aps":{"alert":"hello again"}}`
	if err := s.SavePayload(p); err != nil { // replace by name
		t.Fatal(err)
	}
	ps, err := s.Payloads()
	if err != nil || len(ps) != 2 || ps[0].Name != "bg" || ps[1].Body != p.Body || ps[1].CollapseID != "c1" {
		t.Fatalf("Payloads() = %+v, %v", ps, err)
	}
	if got, err := s.Payload("hello"); err != nil || got.Expiration != "0" || got.SavedAt.IsZero() {
		t.Fatalf("Payload(hello) = %+v, %v", got, err)
	}
	if err := s.SavePayload(SavedPayload{Name: "broken", Body: `{"aps":`}); err == nil {
		t.Error("an invalid JSON payload was saved")
	}
	if err := s.RemovePayload("bg"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemovePayload("bg"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: %v, want ErrNotFound", err)
	}
	draft := SavedPayload{Body: `{"aps": {"alert": "half-typ`, PushType: "alert"}
	if err := s.SaveDraft(draft); err != nil {
		t.Fatalf("a draft may be invalid JSON: %v", err)
	}
	// A second Store on the same folder sees the same data.
	s2, err := Open(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s2.Draft()
	if err != nil || !ok || got.Body != draft.Body || got.PushType != "alert" {
		t.Fatalf("Draft() = %+v, %v, %v", got, ok, err)
	}
	data, _ := os.ReadFile(filepath.Join(s.Dir, payloadsFile))
	if !strings.Contains(string(data), `"schema": 1`) {
		t.Errorf("payloads.json has no schema: %s", data)
	}
}

func TestLockTimesOutWithClearMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the lock")
	}
	s := openTemp(t)
	unlock, err := s.flock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	done := make(chan error, 1)
	go func() {
		s2, _ := Open(s.Dir)
		_, err := s2.flockFor(50 * time.Millisecond)
		done <- err
	}()
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "another pushdeck process") {
		t.Fatalf("second lock: %v", err)
	}
}

func TestWrongShapeIsCorruptToo(t *testing.T) {
	s := openTemp(t)
	p := filepath.Join(s.Dir, devicesFile)
	os.WriteFile(p, []byte("{\"schema\": 1,\n \"devices\": {\"label\": \"a\"}}"), 0o600)
	_, err := s.Devices()
	var ce *CorruptFileError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "shape pushdeck expects") {
		t.Fatalf("wrong shape: %v", err)
	}
}
