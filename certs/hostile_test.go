package certs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// corpusOnce holds the hostile corpus, made once per test binary (two RSA
// keys: seconds under -race) and written out per test.
var corpusOnce struct {
	sync.Once
	files []certgen.HostileFile
	data  map[string][]byte
	err   error
}

// corpus writes the hostile-input corpus into a fresh folder.
func corpus(t *testing.T) (string, []certgen.HostileFile) {
	t.Helper()
	corpusOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "hostile-corpus-")
		if err != nil {
			corpusOnce.err = err
			return
		}
		defer os.RemoveAll(tmp)
		corpusOnce.files, corpusOnce.err = certgen.HostileCorpus(tmp)
		corpusOnce.data = map[string][]byte{}
		for _, f := range corpusOnce.files {
			b, err := os.ReadFile(filepath.Join(tmp, f.Name))
			if err != nil {
				corpusOnce.err = err
				return
			}
			corpusOnce.data[f.Name] = b
		}
	})
	if corpusOnce.err != nil {
		t.Fatal(corpusOnce.err)
	}
	dir := t.TempDir()
	for name, b := range corpusOnce.data {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, corpusOnce.files
}

// TestHostileCorpus loads every file of the corpus through Load, the
// context variant and NeedsPassword: each is refused (or warned about) with
// its code, no hashing of a hostile count happens (a 10^12 count would take
// hours, so a regression hangs the test until its timeout), and every string
// of the report is free of control characters.
func TestHostileCorpus(t *testing.T) {
	dir, files := corpus(t)
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			path := filepath.Join(dir, f.Name)
			for _, pw := range []string{f.Password, "", "wrong"} {
				cred, err := certs.LoadContext(context.Background(), path, certs.Options{Password: pw})
				if cred == nil {
					t.Fatalf("password %q: no report: %v", pw, err)
				}
				r := cred.Report
				checkClean(t, r)
				if pw != f.Password {
					if f.Want == certs.CodeExcessiveIterations && !has(r.Problems, f.Want) {
						t.Fatalf("password %q: problems %v, want %s before any password check", pw, codes(r.Problems), f.Want)
					}
					continue
				}
				switch {
				case f.Want == "":
					if err != nil {
						t.Fatalf("want usable, got %v", err)
					}
				case f.Warning:
					if err != nil || !has(r.Warnings, f.Want) {
						t.Fatalf("err %v warnings %v, want usable with warning %s", err, codes(r.Warnings), f.Want)
					}
				default:
					if err == nil || r.Usable || !has(r.Problems, f.Want) {
						t.Fatalf("err %v usable %v problems %v, want problem %s", err, r.Usable, codes(r.Problems), f.Want)
					}
				}
			}
			if _, err := certs.NeedsPassword(path); err != nil {
				t.Logf("NeedsPassword: %v", err)
			}
		})
	}
}

func checkClean(t *testing.T, r certs.Report) {
	t.Helper()
	var all []string
	for _, f := range append(append([]certs.Finding{}, r.Problems...), r.Warnings...) {
		all = append(all, f.Message, f.Advice)
	}
	if c := r.Certificate; c != nil {
		all = append(all, c.Subject, c.CommonName, c.Topic, c.Issuer)
		for _, tp := range c.Topics {
			all = append(all, tp.Topic, tp.Kind)
		}
	}
	for _, s := range all {
		if textsafe.Clean(s) != s {
			t.Fatalf("report string carries control characters: %q", s)
		}
	}
}

func TestIterationMessage(t *testing.T) {
	dir, _ := corpus(t)
	_, err := certs.Load(filepath.Join(dir, "mac-1e12.p12"), certs.Options{Password: "hostile"})
	want := "iteration count 1000000000000 is beyond any real export"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("err = %v, want it to say %q", err, want)
	}
	_, err = certs.Load(filepath.Join(dir, "mac-2e80.p12"), certs.Options{Password: "hostile"})
	if err == nil || !strings.Contains(err.Error(), "1208925819614629174706176") {
		t.Fatalf("2^80: %v", err)
	}
}

// Counts up to the limit are read (and hashed): a file at exactly
// MaxIterations is not refused for its count.
func TestIterationsAtTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 1,000,000 iterations")
	}
	ca := newCA(t)
	c := client(t, ca, certgen.ClientSpec{})
	p12, err := certgen.P12(pkcs12Modern(), c, "pw")
	if err != nil {
		t.Fatal(err)
	}
	at, err := certgen.SetIntegers(p12, 2048, 2, bigInt(certs.MaxIterations))
	if err != nil {
		t.Fatal(err)
	}
	cred, _ := certs.LoadBytes(at, "at-limit.p12", certs.Options{Password: "pw"})
	if has(cred.Report.Problems, certs.CodeExcessiveIterations) {
		t.Fatalf("a count of exactly %d was refused: %v", certs.MaxIterations, cred.Report.Problems)
	}
	over, _ := certgen.SetIntegers(p12, 2048, 2, bigInt(certs.MaxIterations+1))
	cred, _ = certs.LoadBytes(over, "over.p12", certs.Options{Password: "pw"})
	if !has(cred.Report.Problems, certs.CodeExcessiveIterations) {
		t.Fatalf("a count of %d was not refused: %v", certs.MaxIterations+1, cred.Report.Problems)
	}
}

func TestLoadContextCancelled(t *testing.T) {
	dir, _ := corpus(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cred, err := certs.LoadContext(ctx, filepath.Join(dir, "rsa1024.pem"), certs.Options{})
	if cred != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cred %v err %v, want context.Canceled", cred, err)
	}
	_, err = certs.LoadBytesContext(ctx, []byte("x"), "x.p12", certs.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LoadBytesContext: %v", err)
	}
}

func TestTooBigSaysItsSize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "movie.p12")
	f, _ := os.Create(p)
	f.Truncate(5 << 20)
	f.Close()
	cred, err := certs.Load(p, certs.Options{})
	if err == nil || cred == nil || !strings.Contains(err.Error(), "5242880 bytes, far too big") {
		t.Fatalf("%v", err)
	}
}
