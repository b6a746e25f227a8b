package profiles

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// crashEnv, when set, turns the test binary into a writer that runs until
// it is killed or fails: PUSHDECK_PROFILES_CRASH="MODE DIR START [FSIZE]".
// It prints "ok N" on stdout after write N returned, so the parent knows
// what was acknowledged when it pulled the plug.
const crashEnv = "PUSHDECK_PROFILES_CRASH"

// runCrashWorker is the child side of the kill and disk-full tests.
func runCrashWorker(spec string) int {
	f := strings.Fields(spec)
	if len(f) < 3 {
		fmt.Fprintln(os.Stderr, "bad crash spec:", spec)
		return 2
	}
	mode, dir := f[0], f[1]
	start, _ := strconv.Atoi(f[2])
	if len(f) > 3 {
		// A full disk, simulated: the kernel refuses to grow a file past
		// this size (EFBIG; Go ignores SIGXFSZ).
		n, _ := strconv.ParseUint(f[3], 10, 64)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
			fmt.Fprintln(os.Stderr, "setrlimit:", err)
			return 2
		}
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	ack := func(i int) { fmt.Fprintf(out, "ok %d\n", i); out.Flush() }
	switch mode {
	case "history":
		h, err := s.OpenHistory()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// Batches of 400 entries (~200 KB) so a kill can land inside
		// one write(2) and tear a line.
		for i := start; ; i += 400 {
			batch := make([]HistoryEntry, 400)
			for k := range batch {
				batch[k] = crashEntry(i + k)
			}
			if err := h.Append(batch...); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			ack(i + 399)
		}
	case "readonly":
		// What a user can still do in a folder they cannot write to.
		ps, err := s.Profiles()
		fmt.Fprintf(out, "profiles %d %v\n", len(ps), err)
		es, err := s.QueryHistory(HistoryFilter{})
		fmt.Fprintf(out, "history %d %v\n", len(es), err)
		fmt.Fprintf(out, "save %v\n", s.SaveProfile(Profile{Name: "new", CertPath: "/c.p12", Environment: certs.Development}))
		_, _, err = s.AddDevice(Device{Token: strings.Repeat("cd", 32), Environment: certs.Development})
		fmt.Fprintf(out, "device %v\n", err)
		_, err = s.OpenHistory()
		fmt.Fprintf(out, "append %v\n", err)
		out.Flush()
		return 0
	case "profile":
		for i := start; ; i++ {
			p := Profile{Name: fmt.Sprintf("p%05d", i), CertPath: "/c.p12", Environment: certs.Development,
				Notes: strings.Repeat("n", 2000)}
			if err := s.SaveProfile(p); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			ack(i)
		}
	}
	return 2
}

func crashEntry(i int) HistoryEntry {
	return HistoryEntry{At: time.Unix(1_800_000_000+int64(i), 0).UTC(), Environment: certs.Development,
		Token: fmt.Sprintf("%064x", i+1), Label: strconv.Itoa(i), Status: 200, PayloadSize: 2, Payload: strings.Repeat("x", 400)}
}

// startCrashWorker runs the worker; acks receives each acknowledged number.
func startCrashWorker(t *testing.T, spec string) (*exec.Cmd, <-chan int, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := make(chan int, 1024)
	go func() {
		defer close(acks)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "ok %d", &n); err == nil {
				acks <- n
			}
		}
	}()
	return cmd, acks, &stderr
}

// killAfter lets the worker acknowledge some writes, then kills it with
// SIGKILL at a moment that varies from round to round, and returns the
// last acknowledged number (-1 for none).
func killAfter(t *testing.T, cmd *exec.Cmd, acks <-chan int, round int) int {
	t.Helper()
	last := -1
	deadline := time.After(30 * time.Second)
	for got := 0; got < 1+round%3; got++ {
		select {
		case n, ok := <-acks:
			if !ok {
				t.Fatal("the worker stopped before it was killed")
			}
			last = n
		case <-deadline:
			t.Fatal("the worker acknowledged nothing in 30s")
		}
	}
	time.Sleep(time.Duration(round%7) * 300 * time.Microsecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for n := range acks { // acknowledged before it died
		last = n
	}
	return last
}

const killRounds = 25

// TestKillDuringHistoryAppend kills a process appending to the history
// with SIGKILL, again and again. After each kill every acknowledged entry
// reads back, a torn last line is reported (never returned), and the next
// process appends whole lines after it.
func TestKillDuringHistoryAppend(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	next, acked, torn := 0, map[int]bool{}, 0
	for round := range killRounds {
		cmd, acks, _ := startCrashWorker(t, fmt.Sprintf("history %s %d", dir, next))
		last := killAfter(t, cmd, acks, round)
		for i := next; i <= last; i++ {
			acked[i] = true
		}
		next += 400 * (2 + round%3 + 5) // past anything the dead worker may have half-written

		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, historyFile))
		if err != nil {
			t.Fatal(err)
		}
		tail := len(raw) > 0 && raw[len(raw)-1] != '\n'
		es, err := s.QueryHistory(HistoryFilter{})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		seen := map[int]bool{}
		for _, e := range es {
			n, err := strconv.Atoi(e.Label)
			if err != nil || e.Token != fmt.Sprintf("%064x", n+1) || len(e.Payload) != 400 {
				t.Fatalf("round %d: a damaged entry was returned: %+v", round, e)
			}
			seen[n] = true
		}
		for n := range acked {
			if !seen[n] {
				t.Fatalf("round %d: acknowledged entry %d is lost", round, n)
			}
		}
		if tail {
			torn++
			if !hasWarning(s, "last line is incomplete") {
				t.Fatalf("round %d: torn tail not reported: %v", round, s.Warnings())
			}
		}
	}
	// One last clean writer after all the kills: its entries read back
	// whole, and every torn fragment is a line of its own, reported.
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Append(crashEntry(next)); err != nil {
		t.Fatal(err)
	}
	h.Close()
	es, err := s.QueryHistory(HistoryFilter{Limit: 1})
	if err != nil || len(es) != 1 || es[0].Label != strconv.Itoa(next) {
		t.Fatalf("after the kills: %v %+v", err, es)
	}
	t.Logf("%d kills, %d acknowledged entries all kept, %d torn tails reported", killRounds, len(acked), torn)
}

func hasWarning(s *Store, sub string) bool {
	for _, w := range s.Warnings() {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// TestKillDuringProfileSave kills a process saving profiles with SIGKILL,
// again and again: profiles.json always parses, holds every acknowledged
// profile, and the temp files of interrupted saves are cleaned up.
func TestKillDuringProfileSave(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	next, acked := 0, map[string]bool{}
	leftovers := 0
	for round := range killRounds {
		cmd, acks, _ := startCrashWorker(t, fmt.Sprintf("profile %s %d", dir, next))
		last := killAfter(t, cmd, acks, round)
		for i := next; i <= last; i++ {
			acked[fmt.Sprintf("p%05d", i)] = true
		}
		next = max(next, last+1) + 100
		tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		leftovers += len(tmps)

		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := s.Profiles()
		if err != nil {
			t.Fatalf("round %d: profiles.json unreadable after a kill: %v", round, err)
		}
		have := map[string]bool{}
		for _, p := range ps {
			have[p.Name] = true
		}
		for n := range acked {
			if !have[n] {
				t.Fatalf("round %d: acknowledged profile %s is lost", round, n)
			}
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) > 0 {
			t.Fatalf("round %d: temp files of interrupted saves left behind after Open: %v", round, tmps)
		}
	}
	t.Logf("%d kills, %d acknowledged profiles all kept, %d interrupted temp files cleaned", killRounds, len(acked), leftovers)
}

// TestDiskFullKeepsData fills the "disk" (RLIMIT_FSIZE in a child) during a
// profile save and a history append: each fails with an error that names
// the file, profiles.json is unchanged, no temp file is left, and the
// history keeps every earlier entry.
func TestDiskFullKeepsData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := s.SaveProfile(Profile{Name: fmt.Sprintf("keep%d", i), CertPath: "/c.p12", Environment: certs.Development}); err != nil {
			t.Fatal(err)
		}
	}
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := h.Append(crashEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	h.Close()
	before, _ := os.ReadFile(filepath.Join(dir, profilesFile))
	hist, _ := os.ReadFile(filepath.Join(dir, historyFile))

	for _, mode := range []string{"profile", "history"} {
		limit := len(before) + 1000 // room for part of one more profile
		if mode == "history" {
			limit = len(hist) + 1000 // part of one 400-entry batch
		}
		cmd, acks, stderr := startCrashWorker(t, fmt.Sprintf("%s %s %d %d", mode, dir, 100, limit))
		n := 0
		for range acks {
			n++
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Fatalf("%s: want exit 1 after a write error, got %v (%s)", mode, err, stderr)
		}
		msg := stderr.String()
		if !strings.Contains(msg, dir) || !strings.Contains(msg, "file too large") {
			t.Errorf("%s: the error does not name the file and the cause: %q", mode, msg)
		}
		if n != 0 || !strings.Contains(msg, map[string]string{"profile": "unchanged", "history": "earlier entries are kept"}[mode]) {
			t.Errorf("profile: %d saves acknowledged, message %q", n, msg)
		}
		t.Logf("%s on a full disk: %s", mode, strings.TrimSpace(msg))
	}
	after, _ := os.ReadFile(filepath.Join(dir, profilesFile))
	if !bytes.Equal(before, after) {
		t.Error("profiles.json changed by a failed save")
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) > 0 {
		t.Errorf("temp files left: %v", tmps)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	es, err := s2.QueryHistory(HistoryFilter{})
	if err != nil || len(es) != 10 {
		t.Fatalf("history after a failed append: %d entries, %v", len(es), err)
	}
	// An Append is all or nothing: the part of the batch that fitted is
	// cut off again, so the file is as it was and no half line is left.
	if now, _ := os.ReadFile(filepath.Join(dir, historyFile)); !bytes.Equal(now, hist) {
		t.Errorf("history.jsonl changed by a failed append: %d bytes, was %d", len(now), len(hist))
	}
}

// TestReadOnlyFolder: in a folder pushdeck may not write to, reading still
// works and every write says which file and what to do; nothing changes.
func TestReadOnlyFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProfile(Profile{Name: "keep", CertPath: "/c.p12", Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	h, _ := s.OpenHistory()
	h.Append(crashEntry(1))
	h.Close()
	before := snapshot(t, dir)
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"=readonly "+dir+" 0")
	if os.Geteuid() == 0 {
		// root writes anywhere: run the child as nobody, owning the files
		// but not allowed to write to the folder or them.
		const nobody = 65534
		for p := dir; p != "/"; p = filepath.Dir(p) {
			if p != dir {
				if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
					os.Chmod(p, fi.Mode().Perm()|0o011)
				}
			}
		}
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, nobody, nobody) })
		// nobody cannot run the test binary where go test built it.
		bin := filepath.Join(filepath.Dir(dir), "profiles.test")
		data, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd.Path, cmd.Args[0] = bin, bin
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, _ error) error {
		if fi.IsDir() {
			return os.Chmod(p, 0o500)
		}
		return os.Chmod(p, 0o400)
	})
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	out := string(outb)
	t.Logf("read-only folder:\n%s", out)
	for _, want := range []string{"profiles 1 <nil>", "history 1 <nil>"} {
		if !strings.Contains(out, want) {
			t.Errorf("reading a read-only folder: want %q in\n%s", want, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[2:] {
		if !strings.Contains(line, dir) || !strings.Contains(line, "permission denied") || !strings.Contains(line, "chmod") {
			t.Errorf("a write to a read-only folder does not say which file, why and what to do: %q", line)
		}
	}
	os.Chmod(dir, 0o700)
	if after := snapshot(t, dir); after != before {
		t.Errorf("the folder changed:\n%s\nwas\n%s", after, before)
	}
}

// snapshot lists a folder's files with their contents' sizes and hashes.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		fmt.Fprintf(&b, "%s %v %d %x\n", e.Name(), e.IsDir(), len(data), sha(data))
	}
	return b.String()
}

func sha(b []byte) [32]byte { return sha256.Sum256(b) }

// TestFileReplacedByDirectory: each file of the folder replaced by a
// directory gives errors that name it, and the other files are untouched.
func TestFileReplacedByDirectory(t *testing.T) {
	for _, name := range []string{profilesFile, devicesFile, payloadsFile, draftFile, historyFile, lockFile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.Chmod(dir, 0o700)
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			// Something in every other file first.
			s.SaveProfile(Profile{Name: "keep", CertPath: "/c.p12", Environment: certs.Development})
			s.AddDevice(Device{Token: strings.Repeat("ab", 32), Environment: certs.Development})
			s.SavePayload(SavedPayload{Name: "keep", Body: "{}"})
			s.SaveDraft(SavedPayload{Body: "{"})
			h, _ := s.OpenHistory()
			h.Append(crashEntry(1))
			h.Close()
			p := filepath.Join(dir, name)
			os.Remove(p)
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			s, err = Open(dir)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			var errs []error
			_, err = s.Profiles()
			errs = append(errs, err)
			_, err = s.Devices()
			errs = append(errs, err)
			_, err = s.Payloads()
			errs = append(errs, err)
			_, _, err = s.Draft()
			errs = append(errs, err)
			_, err = s.QueryHistory(HistoryFilter{})
			errs = append(errs, err)
			errs = append(errs, s.SaveProfile(Profile{Name: "new", CertPath: "/c.p12", Environment: certs.Development}))
			_, _, err = s.AddDevice(Device{Token: strings.Repeat("cd", 32), Environment: certs.Development})
			errs = append(errs, err)
			errs = append(errs, s.SavePayload(SavedPayload{Name: "new", Body: "{}"}))
			errs = append(errs, s.SaveDraft(SavedPayload{Body: "{}"}))
			if h, err := s.OpenHistory(); err != nil {
				errs = append(errs, err)
			} else {
				errs = append(errs, h.Append(crashEntry(2)))
				h.Close()
			}
			failed := 0
			for _, err := range errs {
				if err == nil {
					continue
				}
				failed++
				if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "is a directory") || !strings.Contains(err.Error(), "move it away") {
					t.Errorf("error does not name %s as a directory: %v", name, err)
				}
			}
			if failed == 0 {
				t.Errorf("nothing noticed that %s is a directory", name)
			}
			after := snapshot(t, dir)
			// Writes to the other files may succeed; nothing may be lost.
			for _, line := range strings.Split(before, "\n") {
				f := strings.Fields(line)
				if len(f) == 0 || strings.HasPrefix(f[0], ".") {
					continue
				}
				if !strings.Contains(after, f[0]+" ") {
					t.Errorf("%s disappeared", f[0])
				}
			}
			t.Logf("%s as a directory: %d of %d operations refused", name, failed, len(errs))
		})
	}
}

// TestTornTailAfterKill makes the tear a kill can leave deterministic (the
// kill loop above only sometimes lands inside a write): the history cut at
// every byte of its last line reads back every whole entry, reports the
// torn tail, and the next Append starts on a line of its own.
func TestTornTailAfterKill(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.OpenHistory()
	for i := range 3 {
		if err := h.Append(crashEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	h.Close()
	p := filepath.Join(dir, historyFile)
	whole, _ := os.ReadFile(p)
	lastStart := bytes.LastIndexByte(whole[:len(whole)-1], '\n') + 1
	cuts := 0
	for cut := lastStart + 1; cut < len(whole)-1; cut += 7 {
		cuts++
		if err := os.WriteFile(p, whole[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		s, _ := Open(dir)
		es, err := s.QueryHistory(HistoryFilter{})
		if err != nil || len(es) != 2 {
			t.Fatalf("cut at %d: %d entries, %v", cut, len(es), err)
		}
		if !hasWarning(s, "last line is incomplete") {
			t.Fatalf("cut at %d: torn tail not reported: %v", cut, s.Warnings())
		}
		h, _ := s.OpenHistory()
		if err := h.Append(crashEntry(9)); err != nil {
			t.Fatal(err)
		}
		h.Close()
		s, _ = Open(dir)
		es, err = s.QueryHistory(HistoryFilter{})
		if err != nil || len(es) != 3 || es[0].Label != "9" {
			t.Fatalf("cut at %d, then an append: %d entries, %v", cut, len(es), err)
		}
		if !hasWarning(s, "is not valid JSON; it was skipped") {
			t.Fatalf("cut at %d: the fragment, now a middle line, is not reported: %v", cut, s.Warnings())
		}
	}
	t.Logf("%d torn tails: each reported, no whole entry lost, the next append whole", cuts)
}
