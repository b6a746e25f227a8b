package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/profiles"
)

func devTok(c byte) string { return strings.Repeat(string(c), 64) }

func devicesJSON(t *testing.T, args ...string) []profiles.Device {
	t.Helper()
	out, errs, code := cfgRun(t, "", append([]string{"devices", "list", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("devices list --json: exit %d %s", code, errs)
	}
	var ds []profiles.Device
	if err := json.Unmarshal([]byte(out), &ds); err != nil {
		t.Fatalf("devices list --json: %v\n%s", err, out)
	}
	return ds
}

func TestDevicesAddTwiceListRemove(t *testing.T) {
	cfgHome(t)
	out, errs, code := cfgRun(t, "", "devices", "add", devTok('a'), "--label", "Anna iPhone", "--env", "sandbox", "--group", "QA")
	if code != exitOK || !strings.HasPrefix(out, "Added Anna iPhone (development") {
		t.Fatalf("add: exit %d\n%s%s", code, out, errs)
	}
	// The same token again, pasted the way iOS prints it, updates.
	spaced := "<" + strings.ToUpper(devTok('a')[:8]) + " " + devTok('a')[8:] + ">"
	out, _, code = cfgRun(t, "", "devices", "add", spaced, "--label", "Anna 15", "--env", "development", "--group", "Beta")
	if code != exitOK || !strings.HasPrefix(out, "Updated Anna 15") {
		t.Fatalf("add again: exit %d\n%s", code, out)
	}
	cfgRun(t, "", "devices", "add", devTok('b'), "--label", "Ben", "--env", "production", "--group", "QA")
	ds := devicesJSON(t)
	if len(ds) != 2 || ds[0].Label != "Anna 15" || strings.Join(ds[0].Groups, ",") != "QA,Beta" {
		t.Fatalf("book: %+v", ds)
	}
	if ds := devicesJSON(t, "--env", "production"); len(ds) != 1 || ds[0].Label != "Ben" {
		t.Errorf("--env production: %+v", ds)
	}
	if ds := devicesJSON(t, "--group", "beta"); len(ds) != 1 || ds[0].Label != "Anna 15" {
		t.Errorf("--group beta: %+v", ds)
	}
	out, _, _ = cfgRun(t, "", "devices", "list")
	cfgWant(t, "list", out, "LABEL", "Anna 15", "QA,Beta", "never sent", devTok('b'))

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add", devTok('c'), "--env", "development"}, "--label"},
		{[]string{"add", devTok('c'), "--label", "C"}, "--env development"},
		{[]string{"add", "12345", "--label", "C", "--env", "development"}, "odd number"},
		{[]string{"add", devTok('c'), "--label", "anna 15", "--env", "development"}, "already used"},
		{[]string{"remove", "nobody"}, "no device labelled"},
	} {
		_, errs, code := cfgRun(t, "", append([]string{"devices"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, errs, c.want)
		}
	}
	if out, _, code := cfgRun(t, "", "devices", "remove", "Anna 15"); code != exitOK || !strings.Contains(out, "Removed") {
		t.Fatalf("remove: %d %s", code, out)
	}
	if ds := devicesJSON(t); len(ds) != 1 {
		t.Fatalf("after remove: %+v", ds)
	}
}

func TestDevicesImportWithBadLines(t *testing.T) {
	cfgHome(t)
	f := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(f, []byte("# QA phones\n"+devTok('a')+" Anna\n"+"zzzz Carl\n"+"Ben's iPad: "+devTok('b')+"\n"+devTok('c')[:50]+" Cut\n"), 0o600)
	out, errs, code := cfgRun(t, "", "devices", "import", f, "--env", "development", "--group", "QA")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (some lines refused)\n%s%s", code, out, errs)
	}
	cfgWant(t, "stdout", out, "2 added, 0 updated, 2 refused")
	cfgWant(t, "stderr", errs, f+":3:", "zzzz Carl", f+":5:", "cut off", "good lines were kept")
	ds := devicesJSON(t)
	if len(ds) != 2 || ds[0].Label != "Anna" || ds[1].Label != "Ben's iPad" || ds[1].Groups[0] != "QA" {
		t.Fatalf("book: %+v", ds)
	}
	// Importing the same file again updates, never doubles.
	out, _, _ = cfgRun(t, "", "devices", "import", f, "--env", "development")
	cfgWant(t, "second import", out, "0 added, 2 updated")
	if ds := devicesJSON(t); len(ds) != 2 {
		t.Fatalf("second import doubled the book: %+v", ds)
	}
	if _, errs, code := cfgRun(t, "", "devices", "import", f); code != exitUsage || !strings.Contains(errs, "--env") {
		t.Errorf("text import without --env: exit %d %s", code, errs)
	}
	if _, errs, code := cfgRun(t, "", "devices", "import", "/nonexistent"); code != exitUsage || !strings.Contains(errs, "cannot read") {
		t.Errorf("missing file: exit %d %s", code, errs)
	}
	// Standard input works too.
	out, errs, code = cfgRun(t, devTok('d')+" Dora\n", "devices", "import", "-", "--env", "production")
	if code != exitOK || !strings.Contains(out, "1 added") {
		t.Fatalf("import -: exit %d %s%s", code, out, errs)
	}
}

func TestDevicesExportImportRoundTrip(t *testing.T) {
	cfgHome(t)
	cfgRun(t, "", "devices", "add", devTok('a'), "--label", "Anna", "--env", "development", "--group", "QA")
	cfgRun(t, "", "devices", "add", devTok('b'), "--label", "Ben", "--env", "production")
	jsonOut, _, code := cfgRun(t, "", "devices", "export", "--json")
	if code != exitOK {
		t.Fatal("export --json failed")
	}
	textOut, _, _ := cfgRun(t, "", "devices", "export", "--env", "development")
	before := devicesJSON(t)

	cfgHome(t) // a fresh book
	f := filepath.Join(t.TempDir(), "book.json")
	os.WriteFile(f, []byte(jsonOut), 0o600)
	if out, errs, code := cfgRun(t, "", "devices", "import", f); code != exitOK {
		t.Fatalf("import of the JSON export: exit %d %s%s", code, out, errs)
	}
	after := devicesJSON(t)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if string(b1) != string(b2) {
		t.Fatalf("JSON round trip changed the book:\n%s\n%s", b1, b2)
	}

	cfgHome(t)
	out, errs, code := cfgRun(t, textOut, "devices", "import", "-", "--env", "development")
	if code != exitOK || !strings.Contains(out, "1 added") {
		t.Fatalf("import of the text export: exit %d %s%s", code, out, errs)
	}
	if ds := devicesJSON(t); len(ds) != 1 || ds[0].Label != "Anna" || ds[0].Token != devTok('a') {
		t.Fatalf("text round trip: %+v", ds)
	}
}

// TestDevicesTwoBinariesAtOnce runs two pushdeck processes adding devices
// to the same book at the same time: the lock file must keep every add.
func TestDevicesTwoBinariesAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	home := cfgHome(t)
	bin := pushdeckBinary(t)
	const n = 8
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range n {
				tok := fmt.Sprintf("%02x%062x", w, i+1)
				cmd := exec.Command(bin, "devices", "add", tok, "--label", fmt.Sprintf("w%d-%d", w, i), "--env", "development")
				cmd.Env = append(os.Environ(), "PUSHDECK_HOME="+home)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("worker %d add %d: %v\n%s", w, i, err, b)
				}
			}
		})
	}
	wg.Wait()
	if ds := devicesJSON(t); len(ds) != 2*n {
		t.Fatalf("%d devices after two processes added %d each", len(ds), n)
	}
}
