//go:build unix

package profiles

import (
	"bufio"
	"bytes"
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
// It prints "ok N" on stdout once record N is committed (from the
// Recorder's OnCommit: printed ⇒ recorded), so the parent knows what was
// shown when it pulled the plug.
const crashEnv = "PUSHDECK_PROFILES_CRASH"

func init() { children[crashEnv] = runCrashWorker }

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
	switch mode {
	case "record", "record-until-full":
		// A send's recorder: results stream in, each line is printed
		// only once its group is committed.
		r := s.NewRecorder(RecorderOptions{MaxBatch: 200, OnCommit: func(c Commit) {
			if c.Err != nil {
				fmt.Fprintf(out, "failed %d %v\n", len(c.Tags), c.Err)
				out.Flush()
				return
			}
			for _, tag := range c.Tags {
				fmt.Fprintf(out, "ok %d\n", tag.(int))
			}
			out.Flush()
		}})
		for i := start; ; i++ {
			if mode == "record-until-full" && i >= start+6000 {
				st := r.Close()
				fmt.Fprintf(out, "stats %d %d\n", st.Recorded, st.NotRecorded)
				out.Flush()
				return 0
			}
			if err := r.Add(Record{Entry: crashEntry(i), Book: true, Tag: i}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	case "profile":
		for i := start; ; i++ {
			p := Profile{Name: fmt.Sprintf("p%05d", i), CertPath: "/c.p12", Environment: certs.Development,
				Notes: strings.Repeat("n", 2000)}
			if err := s.SaveProfile(p); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			fmt.Fprintf(out, "ok %d\n", i)
			out.Flush()
		}
	}
	return 2
}

func crashEntry(i int) HistoryEntry {
	return HistoryEntry{At: time.Unix(1_800_000_000+int64(i), 0).UTC(), Environment: certs.Development, Batch: "crash",
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
	acks := make(chan int, 1<<16)
	go func() {
		defer close(acks)
		br := bufio.NewReader(out)
		for {
			// Only whole lines: a kill between two writes of one flush
			// (a group commit prints more than a pipe write holds) cuts
			// the last line short, and "ok 80" of "ok 8000010" was
			// never printed.
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			var n int
			if _, err := fmt.Sscanf(line, "ok %d\n", &n); err == nil {
				acks <- n
			}
		}
	}()
	return cmd, acks, &stderr
}

// killAfter lets the worker acknowledge some writes, then kills it with
// SIGKILL at a moment that varies from round to round, and returns every
// number it acknowledged (printed) before it died.
func killAfter(t *testing.T, cmd *exec.Cmd, acks <-chan int, round, want int) []int {
	t.Helper()
	var got []int
	deadline := time.After(60 * time.Second)
	for len(got) < want {
		select {
		case n, ok := <-acks:
			if !ok {
				t.Fatal("the worker stopped before it was killed")
			}
			got = append(got, n)
		case <-deadline:
			t.Fatal("the worker acknowledged too little in 60s")
		}
	}
	time.Sleep(time.Duration(round%7) * 700 * time.Microsecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for n := range acks { // printed before it died
		got = append(got, n)
	}
	return got
}

const killRounds = 25

// TestKillDuringRecording kills a recording process with SIGKILL, 25
// times, at moments that vary: every result it printed (acknowledged after
// its commit) is in the history and its device's last result, and the
// database is healthy after each kill.
func TestKillDuringRecording(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	next, printed := 0, 0
	for round := range killRounds {
		cmd, acks, stderr := startCrashWorker(t, fmt.Sprintf("record %s %d", dir, next))
		got := killAfter(t, cmd, acks, round, 1+(round%5)*150)
		printed += len(got)
		s, err := Open(dir)
		if err != nil {
			t.Fatalf("round %d: %v (%s)", round, err, stderr)
		}
		have := map[int]bool{}
		err = s.StreamHistory(t.Context(), HistoryFilter{Batch: "crash", Since: crashEntry(next).At}, func(e *HistoryEntry) error {
			n, _ := strconv.Atoi(e.Label)
			have[n] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range got {
			if !have[n] {
				t.Fatalf("round %d: result %d was printed but is not recorded", round, n)
			}
		}
		if len(have) < len(got) {
			t.Fatalf("round %d: %d recorded < %d printed", round, len(have), len(got))
		}
		db, _ := s.db()
		if msgs, err := integrity(db, "quick_check"); err != nil || msgs[0] != "ok" {
			t.Fatalf("round %d: database after the kill: %v %v", round, msgs, err)
		}
		s.Close()
		next += 1_000_000
	}
	t.Logf("%d kills: %d printed results, all recorded", killRounds, printed)
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
		got := killAfter(t, cmd, acks, round, 1+round%3)
		last := next - 1
		for _, i := range got {
			acked[fmt.Sprintf("p%05d", i)] = true
			last = max(last, i)
		}
		next = last + 100
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
		s.Close()
	}
	t.Logf("%d kills, %d acknowledged profiles all kept, %d interrupted temp files cleaned", killRounds, len(acked), leftovers)
}

// TestRealDiskFull: a child whose files may not grow past 512 KB
// (RLIMIT_FSIZE: the kernel says EFBIG, as a full disk says ENOSPC)
// records 6,000 results (packed, about 150 bytes each: they need more). Every printed one is recorded, the child's
// count of unrecorded ones matches, and the database is healthy.
func TestRealDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	if s, err := Open(dir); err != nil { // the schema, before the limit
		t.Fatal(err)
	} else {
		s.Close()
	}
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=record-until-full %s 0 %d", crashEnv, dir, 1<<19))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var printed []int
	var recorded, notRecorded, failedLines int
	var failure string
	for _, line := range strings.Split(string(out), "\n") {
		var n int
		switch {
		case strings.HasPrefix(line, "ok "):
			fmt.Sscanf(line, "ok %d", &n)
			printed = append(printed, n)
		case strings.HasPrefix(line, "failed "):
			fmt.Sscanf(line, "failed %d", &n)
			failedLines += n
			failure = line
		case strings.HasPrefix(line, "stats "):
			fmt.Sscanf(line, "stats %d %d", &recorded, &notRecorded)
		}
	}
	if notRecorded == 0 || failedLines != notRecorded || recorded != len(printed) || recorded+notRecorded != 6000 {
		t.Fatalf("printed %d, refused %d; stats say %d recorded, %d not", len(printed), failedLines, recorded, notRecorded)
	}
	if !strings.Contains(failure, "the disk is full") || !strings.Contains(failure, dbFile) {
		t.Errorf("the refusal does not say the disk is full: %s", failure)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, _ := s.HistoryCount(HistoryFilter{}); n != len(printed) {
		t.Errorf("history has %d, %d were printed", n, len(printed))
	}
	db, _ := s.db()
	if msgs, err := integrity(db, "integrity_check"); err != nil || msgs[0] != "ok" {
		t.Errorf("integrity: %v %v", msgs, err)
	}
	t.Logf("512 KB limit: %d recorded and printed, %d refused and counted", recorded, notRecorded)
}
