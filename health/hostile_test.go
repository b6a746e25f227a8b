package health

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pushdeck/pushdeck/certs/certgen"
)

// TestInspectHostileCorpus: every file of certs' hostile corpus (huge
// iteration counts, weak keys, piles of certificates, ...) gets one line
// with the verdict certs gives it, in bounded time.
func TestInspectHostileCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("makes RSA keys: slow under -race")
	}
	dir := t.TempDir()
	corpus, err := certgen.HostileCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	pw := map[string]string{}
	for _, f := range corpus {
		pw[filepath.Join(dir, f.Name)] = f.Password
	}
	ins, err := Inspect(context.Background(), []string{dir}, InspectOptions{WarnDays: DefaultWarnDays,
		Password: func(file string) (string, bool, error) { p, ok := pw[file]; return p, ok && p != "", nil }})
	if err != nil {
		t.Fatal(err)
	}
	got := byBase(ins.Files)
	for _, f := range corpus {
		r, ok := got[f.Name]
		if !ok {
			if ext := filepath.Ext(f.Name); !containsExt(ext) {
				continue // not a credential name: a folder read skips it
			}
			t.Errorf("%s: no line", f.Name)
			continue
		}
		list, want := r.Report.Problems, StatusFailure
		switch {
		case f.Want == "": // usable, the danger made harmless
			want = StatusOK
		case f.Warning:
			list, want = r.Report.Warnings, StatusWarning
		}
		if r.Status != want || (f.Want != "" && !hasCode(list, f.Want)) {
			t.Errorf("%s (%s): status %s, problems %v, warnings %v; want %s with %s", f.Name, f.Note, r.Status, r.Report.Problems, r.Report.Warnings, want, f.Want)
		}
	}
}

func containsExt(ext string) bool {
	for _, e := range credentialExts {
		if e == ext {
			return true
		}
	}
	return false
}
