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

func openTemp(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700) // TempDir makes 0755, which Open would (rightly) warn about
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
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

// TestSharedFolderIsNeverChmodded: a folder pushdeck did not create
// (PUSHDECK_HOME pointing at a shared 1777 or a 0755 folder) keeps its
// mode, read-only commands included; the user gets a warning; pushdeck's
// own files in it are 0600.
func TestSharedFolderIsNeverChmodded(t *testing.T) {
	for _, m := range []os.FileMode{0o755, 0o777 | os.ModeSticky} {
		dir := filepath.Join(t.TempDir(), "shared")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, m); err != nil {
			t.Fatal(err)
		}
		want, _ := os.Stat(dir)
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Devices(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.AddDevice(Device{Token: tok(1), Environment: certs.Development}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		got, _ := os.Stat(dir)
		if got.Mode() != want.Mode() {
			t.Errorf("shared folder %v was changed to %v", want.Mode(), got.Mode())
		}
		w := strings.Join(s.Warnings(), "\n")
		if !strings.Contains(w, fileModeString(want.Mode())) || !strings.Contains(w, "did not create") {
			t.Errorf("no warning about the %v folder: %q", want.Mode(), w)
		}
		if m := mode(t, filepath.Join(dir, dbFile)); m != 0o600 {
			t.Errorf("database mode %04o in a shared folder, want 0600", m)
		}
	}
}

// TestOwnFolderWidenedIsNarrowed: the folder pushdeck created, later
// opened up by someone, is narrowed back with a notice (it is pushdeck's).
func TestOwnFolderWidenedIsNarrowed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pushdeck")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Join(dir, dbFile), 0o644)
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("own folder mode %04o after Open, want 0700", m)
	}
	if m := mode(t, filepath.Join(dir, dbFile)); m != 0o600 {
		t.Errorf("database mode %04o after Open, want 0600", m)
	}
	w := strings.Join(s.Warnings(), "\n")
	if !strings.Contains(w, "0755") || !strings.Contains(w, "0644") {
		t.Errorf("the user is not told: %q", w)
	}
}

// TestSymlinksAreRefused: the database, its WAL and profiles.json as
// symbolic links are refused with the path; the link's target is neither
// written nor chmod-ed.
func TestSymlinksAreRefused(t *testing.T) {
	for _, name := range []string{dbFile, dbFile + "-wal", dbFile + "-shm", profilesFile} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "home")
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			target := filepath.Join(t.TempDir(), "victim")
			if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chmod(target, 0o644)
			p := filepath.Join(dir, name)
			os.Remove(p)
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			s, err = Open(dir)
			if name == profilesFile {
				if err != nil {
					t.Fatal(err)
				}
				err = s.SaveProfile(Profile{Name: "a", CertPath: "/c.p12", Environment: certs.Development})
				s.Close()
			}
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "symbolic link") {
				t.Fatalf("a %s link: %v, want a refusal naming it", name, err)
			}
			b, _ := os.ReadFile(target)
			if string(b) != "precious" || mode(t, target) != 0o644 {
				t.Errorf("the link's target was changed: %q %04o", b, mode(t, target))
			}
			if fi, _ := os.Lstat(p); fi.Mode()&os.ModeSymlink == 0 {
				t.Error("the link was replaced")
			}
		})
	}
}

// TestLegacySymlinkIsNotFollowed: a history.jsonl that is a link is not
// imported (nor renamed, nor chmod-ed).
func TestLegacySymlinkIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	target := filepath.Join(t.TempDir(), "elsewhere.jsonl")
	os.WriteFile(target, []byte(`{"token":"`+tok(1)+`","status":200}`+"\n"), 0o644)
	os.Chmod(target, 0o644)
	p := filepath.Join(dir, historyFile)
	os.Symlink(target, p)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.HistoryCount(HistoryFilter{}); n != 0 {
		t.Errorf("%d entries imported through a link", n)
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, p) || !strings.Contains(w, "symbolic link") {
		t.Errorf("warnings: %q", w)
	}
	if mode(t, target) != 0o644 {
		t.Error("the link's target was chmod-ed")
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
	p := filepath.Join(s.Dir, profilesFile)
	bad := "{\n  \"schema\": 1,\n  \"profiles\": [ { \"name\": \"a\", } ]\n}\n"
	if err := os.WriteFile(p, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Profiles()
	var ce *CorruptFileError
	if !errors.As(err, &ce) {
		t.Fatalf("Profiles() error = %v, want a *CorruptFileError", err)
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
	err = s.SaveProfile(Profile{Name: "b", CertPath: "/c.p12", Environment: certs.Development})
	if !errors.As(err, &ce) {
		t.Fatalf("SaveProfile on a corrupt file: %v, want *CorruptFileError", err)
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
	p := filepath.Join(s.Dir, profilesFile)
	os.WriteFile(p, []byte(`{"schema": 7, "profiles": {"new": "shape"}}`), 0o600)
	_, err := s.Profiles()
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("Profiles() on schema 7: %v", err)
	}
	if copies, _ := filepath.Glob(p + ".corrupt-*"); len(copies) != 0 {
		t.Errorf("a newer file is not corrupt, yet copies were made: %v", copies)
	}
	// A database of a newer pushdeck is refused and left as it is.
	s.Close()
	db, err := openRaw(s.DBPath(), false)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`PRAGMA user_version = 99`)
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	db.Close()
	before, _ := os.ReadFile(s.DBPath())
	_, err = Open(s.Dir)
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "upgrade pushdeck") {
		t.Fatalf("Open of a schema-99 database: %v", err)
	}
	if after, _ := os.ReadFile(s.DBPath()); !bytes.Equal(before, after) {
		t.Error("the newer database was changed")
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
}

// TestBusyDatabaseSaysSo: a writer that holds the database longer than
// the busy timeout gets one clear message naming the file; a short hold
// is only waited for.
func TestBusyDatabaseSaysSo(t *testing.T) {
	s := openTemp(t)
	other, err := openRaw(s.DBPath(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenWith(s.Dir, Options{BusyTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, _, err = s2.AddDevice(Device{Token: tok(1), Environment: certs.Development})
	if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), s.DBPath()) || !strings.Contains(err.Error(), "another pushdeck process") {
		t.Fatalf("a write while another holds the lock: %v", err)
	}
	// Readers are not blocked by a writer (WAL).
	if _, err := s2.Devices(); err != nil {
		t.Fatalf("a read while another writes: %v", err)
	}
	// Released within the timeout: the write just waits.
	done := make(chan error, 1)
	go func() {
		_, _, err := s.AddDevice(Device{Token: tok(2), Environment: certs.Development})
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	conn.ExecContext(t.Context(), "COMMIT")
	conn.Close()
	if err := <-done; err != nil {
		t.Fatalf("a write after a short wait: %v", err)
	}
}

func TestWrongShapeIsCorruptToo(t *testing.T) {
	s := openTemp(t)
	p := filepath.Join(s.Dir, profilesFile)
	os.WriteFile(p, []byte("{\"schema\": 1,\n \"profiles\": {\"name\": \"a\"}}"), 0o600)
	_, err := s.Profiles()
	var ce *CorruptFileError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "shape pushdeck expects") {
		t.Fatalf("wrong shape: %v", err)
	}
}
