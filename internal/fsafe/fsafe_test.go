package fsafe

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func oneLine(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\n\r\x1b") {
		t.Fatalf("message is not one clean line: %q", msg)
	}
}

func TestReadFileRegular(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw.txt")
	write(t, p, "\ufeffsecret\n")
	b, err := ReadFile(p, LimitPassword, "password")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(StripBOM(b)); got != "secret\n" {
		t.Fatalf("got %q", got)
	}
	if got := StripBOMString("\ufeffx"); got != "x" {
		t.Fatalf("StripBOMString = %q", got)
	}
	if got := StripBOMString("x\ufeff"); got != "x\ufeff" {
		t.Fatalf("StripBOMString stripped a BOM that was not at the start: %q", got)
	}
}

func TestReadFileTooBigBySize(t *testing.T) {
	p := filepath.Join(t.TempDir(), "payload.json")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 5.2 MB on paper, nothing on disk.
	if err := f.Truncate(5_452_595); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(p, LimitPayload, "payload")
	oneLine(t, err)
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v, want ErrTooBig", err)
	}
	if want := "payload.json is 5.2 MB; the limit for a payload is 1 MB"; !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %q, want it to say %q", err, want)
	}
}

func TestReadFileAtLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pw")
	write(t, p, strings.Repeat("x", int(LimitPassword)))
	if b, err := ReadFile(p, LimitPassword, "password"); err != nil || int64(len(b)) != LimitPassword {
		t.Fatalf("a file of exactly the limit: %d bytes, %v", len(b), err)
	}
	write(t, p, strings.Repeat("x", int(LimitPassword)+1))
	if _, err := ReadFile(p, LimitPassword, "password"); !errors.Is(err, ErrTooBig) {
		t.Fatalf("one byte over: %v", err)
	}
}

// A file whose size says 0 but which has content (procfs) is bounded while
// reading, as is a file that grows after the open.
func TestReadFileGrowsWhileReading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.txt")
	write(t, p, "abc")
	f, err := Open(p, 10, "tokens file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write(t, p, strings.Repeat("y", 100)) // same inode: truncated and rewritten
	b, err := io.ReadAll(f)
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("read %d bytes, err %v; want ErrTooBig", len(b), err)
	}
	if len(b) > 10 {
		t.Fatalf("read %d bytes past a limit of 10", len(b))
	}
	oneLine(t, err)
	if _, err := f.Read(make([]byte, 4)); !errors.Is(err, ErrTooBig) {
		t.Fatalf("a read after the limit: %v", err)
	}
	if runtime.GOOS == "linux" {
		if _, err := ReadFile("/proc/self/maps", 16, "tokens file"); !errors.Is(err, ErrTooBig) {
			t.Fatalf("/proc/self/maps with a 16-byte limit: %v", err)
		}
	}
}

func TestReadFileRefusesFolderAndMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadFile(dir, LimitTokens, "tokens file")
	oneLine(t, err)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "is a folder, not a file") {
		t.Fatalf("folder: %v", err)
	}
	_, err = ReadFile(filepath.Join(dir, "nope.txt"), LimitTokens, "tokens file")
	oneLine(t, err)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	_, err = ReadFile("", LimitTokens, "tokens file")
	oneLine(t, err)
}

func TestReadFileRefusesDevice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero")
	}
	for _, dev := range []string{"/dev/zero", "/dev/null", "/dev/urandom"} {
		_, err := ReadFile(dev, LimitTokens, "tokens file")
		oneLine(t, err)
		if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), dev+" is a device, not a file") {
			t.Fatalf("%s: %v", dev, err)
		}
	}
}

func TestMessagesAreSanitised(t *testing.T) {
	p := filepath.Join(t.TempDir(), "evil\x1b]0;pwned\x07\x1b[2J.txt")
	_, err := ReadFile(p, LimitTokens, "tokens file")
	oneLine(t, err)
	if strings.Contains(err.Error(), "\x07") {
		t.Fatalf("BEL in %q", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "devices.json")
	if err := WriteFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", st.Mode())
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("left %d entries (temp files?)", len(ents))
	}
}

func TestWriteFileAtomicRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere.txt")
	write(t, target, "precious")
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "devices.json")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	err := WriteFileAtomic(link, []byte("overwritten"), 0o600)
	oneLine(t, err)
	if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), link) {
		t.Fatalf("err = %v", err)
	}
	if err := RefuseLink(link); !errors.Is(err, ErrSymlink) {
		t.Fatalf("RefuseLink = %v", err)
	}
	b, _ := os.ReadFile(target)
	st, _ := os.Stat(target)
	if string(b) != "precious" || st.Mode().Perm() != 0o644 {
		t.Fatalf("target changed: %q %v", b, st.Mode())
	}
	if lst, _ := os.Lstat(link); lst.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the link itself was replaced")
	}
	// A folder in the file's place is refused too.
	sub := filepath.Join(dir, "history.jsonl")
	os.Mkdir(sub, 0o700)
	if err := WriteFileAtomic(sub, nil, 0o600); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("folder: %v", err)
	}
	if err := RefuseLink(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("missing file: %v", err)
	}
}

func TestMkdirOwned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes")
	}
	base := t.TempDir()
	fresh := filepath.Join(base, "a", "pushdeck")
	if w, err := MkdirOwned(fresh); err != nil || w != "" {
		t.Fatalf("new folder: %q %v", w, err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm()&0o077 != 0 {
		t.Fatalf("new folder mode %v", st.Mode())
	}

	shared := filepath.Join(base, "shared")
	os.Mkdir(shared, 0o700)
	if err := os.Chmod(shared, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	w, err := MkdirOwned(shared)
	if err != nil || !strings.Contains(w, "mode 1777") {
		t.Fatalf("shared folder: %q %v", w, err)
	}
	if st, _ := os.Stat(shared); st.Mode().Perm() != 0o777 || st.Mode()&fs.ModeSticky == 0 {
		t.Fatalf("shared folder was changed: %v", st.Mode())
	}

	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o755)
	if w, err := MkdirOwned(open); err != nil || w != "" {
		t.Fatalf("0755 folder: %q %v", w, err)
	}
	if st, _ := os.Stat(open); st.Mode().Perm() != 0o755 {
		t.Fatalf("0755 folder was changed: %v", st.Mode())
	}

	file := filepath.Join(base, "file")
	write(t, file, "x")
	_, err = MkdirOwned(file)
	oneLine(t, err)
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1024: "1 KB", 4096: "4 KB", 5_452_595: "5.2 MB", 64 << 20: "64 MB", 3 << 30: "3 GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// ReadAt looks back at what Read reads, never past the limit.
func TestReadAtWithinLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.txt")
	write(t, p, "012345")
	f, err := Open(p, 8, "tokens file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write(t, p, "0123456789") // it grows past the limit after the open
	b := make([]byte, 4)
	if n, err := f.ReadAt(b, 2); n != 4 || err != nil || string(b) != "2345" {
		t.Errorf("ReadAt(2) = %d %v %q", n, err, b[:n])
	}
	if n, err := f.ReadAt(b, 6); n != 2 || err != io.EOF || string(b[:n]) != "67" {
		t.Errorf("ReadAt(6) = %d %v %q: the limit is 8 bytes", n, err, b[:n])
	}
	if n, err := f.ReadAt(b, 8); n != 0 || err != io.EOF {
		t.Errorf("ReadAt(8) = %d %v", n, err)
	}
}
