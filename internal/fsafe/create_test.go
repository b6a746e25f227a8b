package fsafe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestCreateFileAtomic: a new file is written whole with its mode; an
// existing one (or a link) is left alone and the error says it exists; no
// temporary file stays behind.
func TestCreateFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "ck.pem")
	if err := CreateFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", st, err)
	}
	if err := CreateFileAtomic(p, []byte("two"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("content %q", b)
	}
	if err := WriteFileAtomic(p, []byte("three"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "three" {
		t.Fatalf("content after replace %q", b)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(p, link); err == nil {
		if err := CreateFileAtomic(link, []byte("x"), 0o600); !errors.Is(err, ErrSymlink) {
			t.Fatalf("through a link: %v", err)
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "ck.pem" && e.Name() != "link" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
