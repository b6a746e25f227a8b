package profiles

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

// fillStore makes a store with devices and n history entries, checkpointed
// so that everything is in the database file itself.
func fillStore(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, _, err := s.AddDevice(Device{Token: tok(i), Label: fmt.Sprintf("d%d", i), Environment: certs.Development, Groups: []string{"qa"}}); err != nil {
			t.Fatal(err)
		}
	}
	var es []HistoryEntry
	for i := range n {
		es = append(es, entry(i))
	}
	if err := s.AppendHistory(es...); err != nil {
		t.Fatal(err)
	}
	s.SavePayload(SavedPayload{Name: "p", Body: "{}"})
	db, _ := s.db()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return dir
}

// TestCorruptDatabaseIsKept: a database that is not one (garbage over its
// header) is refused by Open with an error that names it and points at
// doctor; the file is not changed; Doctor reports it; Rebuild keeps it
// aside and starts a working one.
func TestCorruptDatabaseIsKept(t *testing.T) {
	dir := fillStore(t, 10)
	p := filepath.Join(dir, dbFile)
	data, _ := os.ReadFile(p)
	copy(data, "this is not a database, it is a text file that someone saved over it")
	os.WriteFile(p, data, 0o600)
	_, err := Open(dir)
	var ce *CorruptDBError
	if !errors.As(err, &ce) || ce.Path != p || !strings.Contains(err.Error(), "pushdeck doctor") || !strings.Contains(err.Error(), "has not changed it") {
		t.Fatalf("Open of a damaged database: %v", err)
	}
	if now, _ := os.ReadFile(p); !bytes.Equal(now, data) {
		t.Fatal("the damaged database was changed")
	}
	rep, err := Doctor(dir, true)
	if err != nil || rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), p) {
		t.Fatalf("Doctor: %+v, %v", rep, err)
	}
	rb, err := Rebuild(dir)
	if err != nil {
		t.Fatal(err)
	}
	if kept, _ := os.ReadFile(rb.Damaged); !bytes.Equal(kept, data) {
		t.Errorf("the damaged file was not kept as it was at %s", rb.Damaged)
	}
	if len(rb.Lost) == 0 {
		t.Errorf("nothing reported lost from an unreadable database: %+v", rb)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("after Rebuild: %v", err)
	}
	defer s.Close()
	if _, _, err := s.AddDevice(Device{Token: tok(1), Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	if rep, _ := Doctor(dir, true); !rep.Healthy {
		t.Errorf("Doctor after Rebuild: %+v", rep)
	}
}

// TestDamagedPagesAreSalvaged: garbage over some pages in the middle of
// the history. Reading there fails with a damaged-database error that
// names the file; Doctor finds the damage; Rebuild keeps every row it can
// read (all the devices, most of the history) and the new database is
// healthy.
func TestDamagedPagesAreSalvaged(t *testing.T) {
	const n = 3000
	dir := fillStore(t, n)
	p := filepath.Join(dir, dbFile)
	data, _ := os.ReadFile(p)
	pageSize := 4096
	pages := len(data) / pageSize
	// History's table pages come after the devices'; smash three pages
	// two thirds of the way in.
	for _, pg := range []int{pages * 2 / 3, pages*2/3 + 1, pages*2/3 + 2} {
		for i := pg * pageSize; i < (pg+1)*pageSize; i++ {
			data[i] = 0xA5
		}
	}
	os.WriteFile(p, data, 0o600)
	rep, err := Doctor(dir, true)
	if err != nil || rep.Healthy || rep.OK() {
		t.Fatalf("Doctor missed the damage: %+v %v", rep, err)
	}
	s, err := Open(dir)
	if err == nil {
		_, qerr := s.QueryHistory(HistoryFilter{})
		var ce *CorruptDBError
		if qerr != nil && (!errors.As(qerr, &ce) || !strings.Contains(qerr.Error(), p)) {
			t.Errorf("reading damaged history: %v", qerr)
		}
		s.Close()
	}
	rb, err := Rebuild(dir)
	if err != nil {
		t.Fatal(err)
	}
	if kept, _ := os.ReadFile(rb.Damaged); !bytes.Equal(kept, data) {
		t.Error("the damaged file was not kept byte for byte")
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _ := s.HistoryCount(HistoryFilter{})
	devs, _ := s.DeviceCount()
	if got < n/2 || got > n || devs != 20 {
		t.Errorf("salvaged %d of %d history entries and %d of 20 devices: %+v", got, n, devs, rb)
	}
	if rep, _ := Doctor(dir, true); !rep.Healthy {
		t.Errorf("rebuilt database not healthy: %+v", rep)
	}
	t.Logf("salvaged %d of %d entries; lost: %q", got, n, rb.Lost)
}

// TestDoctorOnHealthyAndMissing: nothing to do is said as such, and
// Doctor creates nothing.
func TestDoctorOnHealthyAndMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	rep, err := Doctor(missing, false)
	if err != nil || !rep.OK() || rep.Exists {
		t.Fatalf("Doctor of a missing folder: %+v %v", rep, err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("Doctor created the folder")
	}
	dir := fillStore(t, 5)
	rep, err = Doctor(dir, false)
	if err != nil || !rep.OK() || !rep.Healthy || rep.Counts["history"] != 5 || rep.Counts["devices"] != 20 || rep.Schema != SchemaLatest {
		t.Fatalf("Doctor of a healthy store: %+v %v", rep, err)
	}
}
