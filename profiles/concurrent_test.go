package profiles

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

// workerEnv, when set, turns the test binary into a writer process for
// TestTwoProcessesLoseNothing: PUSHDECK_PROFILES_WORKER="DIR ID N".
const workerEnv = "PUSHDECK_PROFILES_WORKER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(workerEnv); spec != "" {
		os.Exit(runWorker(spec))
	}
	for env, child := range children {
		if spec := os.Getenv(env); spec != "" {
			os.Exit(child(spec))
		}
	}
	os.Exit(m.Run())
}

// children are the other roles the test binary plays when re-executed,
// by the environment variable that carries their spec.
var children = map[string]func(spec string) int{}

func workerToken(id, i int) string { return fmt.Sprintf("%02x%062x", id, i+1) }

// runWorker does n read-modify-writes of every kind, each in its own call,
// so that two workers interleave as much as the lock allows.
func runWorker(spec string) int {
	var dir string
	var id, n int
	if _, err := fmt.Sscanf(spec, "%s %d %d", &dir, &id, &n); err != nil {
		fmt.Fprintln(os.Stderr, "bad worker spec:", spec, err)
		return 2
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	h, err := s.OpenHistory()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer h.Close()
	for i := 0; i < n; i++ {
		tok := workerToken(id, i)
		steps := []error{
			func() error {
				_, _, err := s.AddDevice(Device{Token: tok, Label: fmt.Sprintf("w%d-%d", id, i), Environment: certs.Development})
				return err
			}(),
			s.SavePayload(SavedPayload{Name: fmt.Sprintf("w%d-%d", id, i), Body: "{}"}),
			s.SaveProfile(Profile{Name: fmt.Sprintf("w%d-%d", id, i), CertPath: "/c.p12", Environment: certs.Development}),
			s.RecordResults(certs.Development, []DeviceResult{{Token: tok, Status: 200}}),
			h.Append(HistoryEntry{Token: tok, Label: strconv.Itoa(id), Status: 200}),
		}
		for _, err := range steps {
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
	}
	return 0
}

func TestTwoProcessesLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two processes")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const n = 25
	var wg sync.WaitGroup
	errs := make([]error, 2)
	outs := make([][]byte, 2)
	for id := range 2 {
		wg.Go(func() {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", workerEnv, dir, id, n))
			outs[id], errs[id] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for id := range 2 {
		if errs[id] != nil {
			t.Fatalf("worker %d: %v\n%s", id, errs[id], outs[id])
		}
	}
	checkAllWritten(t, dir, 2, n)
}

func TestGoroutinesLoseNothing(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	const n = 15
	var wg sync.WaitGroup
	for id := range 3 {
		wg.Go(func() {
			if code := runWorker(fmt.Sprintf("%s %d %d", dir, id, n)); code != 0 {
				t.Errorf("worker %d failed", id)
			}
		})
	}
	wg.Wait()
	checkAllWritten(t, dir, 3, n)
}

func checkAllWritten(t *testing.T, dir string, workers, n int) {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Devices()
	if err != nil {
		t.Fatal(err)
	}
	withResult := 0
	for _, d := range ds {
		if d.Last != nil && d.Last.Status == 200 {
			withResult++
		}
	}
	ps, _ := s.Payloads()
	prs, _ := s.Profiles()
	hs, err := s.QueryHistory(HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := workers * n
	if len(ds) != want || withResult != want || len(ps) != want || len(prs) != want || len(hs) != want {
		t.Fatalf("after %d writers of %d: devices %d (with result %d), payloads %d, profiles %d, history %d; want %d each",
			workers, n, len(ds), withResult, len(ps), len(prs), len(hs), want)
	}
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
}
