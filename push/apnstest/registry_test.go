package apnstest

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "devices.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadRegistry(t *testing.T) {
	p := writeFile(t, `[
  {"token": "<A1B2C3D4 E5F60718 293A4B5C 6D7E8F90 A1B2C3D4 E5F60718 293A4B5C 6D7E8F90>", "environment": "sandbox", "topic": "com.example.pushdeck", "label": "QA iPhone"},
  {"token": "`+goneTok+`", "environment": "development", "state": "unregistered", "unregistered_at": "2025-03-14T09:26:53Z"},
  {"token": "`+otherEnvTok+`", "environment": "production"}
]`)
	reg, err := LoadRegistry(p)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := reg.Lookup(okToken)
	if !ok || d.Environment != certs.Development || d.State != StateActive || d.Label != "QA iPhone" {
		t.Fatalf("iOS-printed token not normalised or fields lost: %+v %v", d, ok)
	}
	if reg.Len() != 3 || len(reg.Devices()) != 3 {
		t.Fatalf("len %d", reg.Len())
	}
	s := start(t, func(c *Config) { c.Registry = reg })
	cl := client(t, s, &fx.dev)
	if r := do(t, cl, s, req{token: goneTok}); r.status != 410 || r.timestamp != goneAt.UnixMilli() {
		t.Fatalf("unregistered from file: %d %s %d", r.status, r.reason, r.timestamp)
	}
	if r := do(t, cl, s, req{token: otherEnvTok}); r.reason != ReasonBadDeviceToken {
		t.Fatalf("production token on development: %d %s", r.status, r.reason)
	}
	reg.Remove(okToken)
	if r := do(t, cl, s, req{}); r.reason != ReasonBadDeviceToken {
		t.Fatalf("removed token: %d %s", r.status, r.reason)
	}
}

func TestLoadRegistryErrors(t *testing.T) {
	for name, c := range map[string]struct{ body, want string }{
		"not json":      {`{"token":`, "JSON array"},
		"object":        {`{"token":"` + okToken + `"}`, "JSON array"},
		"bad token":     {`[{"token":"xyz"}]`, "device 1"},
		"short token":   {`[{"token":"abcd"}]`, "cut off"},
		"bad env":       {`[{"token":"` + okToken + `","environment":"staging"}]`, "development (sandbox) or production"},
		"bad state":     {`[{"token":"` + okToken + `","state":"gone"}]`, "use active, unregistered or expired"},
		"twice":         {`[{"token":"` + okToken + `"},{"token":"` + strings.ToUpper(okToken) + `"}]`, "listed twice"},
		"bad date type": {`[{"token":"` + okToken + `","unregistered_at":"yesterday"}]`, "JSON array"},
	} {
		_, err := LoadRegistry(writeFile(t, c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to say %q", name, err, c.want)
		}
	}
	if _, err := LoadRegistry(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "cannot read") {
		t.Errorf("missing file: %v", err)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	reg := NewRegistry()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				tok := tokenN(i*1000 + j)
				reg.Put(Device{Token: tok})
				reg.Lookup(tok)
				reg.Unregister(tok, time.Now())
				reg.Devices()
			}
		}()
	}
	wg.Wait()
	if reg.Len() != 800 {
		t.Fatalf("len %d", reg.Len())
	}
	for _, d := range reg.Devices() {
		if d.State != StateUnregistered {
			t.Fatalf("%+v", d)
		}
	}
}
