package payload

import (
	"bytes"
	"fmt"
	"testing"
)

// bigPayload builds a payload of about size bytes with unknown keys inside
// aps (each one a warning, so every finding needs a line and column) and
// every tenth key repeated (a duplicate-key warning each). pretty puts each
// key on its own line; otherwise the payload is one long line.
func bigPayload(size int, pretty bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"aps": {"alert": "Hello",`)
	sep := " "
	if pretty {
		sep = "\n    "
	}
	for i := 0; b.Len() < size-64; i++ {
		k := i
		if i%10 == 9 {
			k = i - 5 // a duplicate of an earlier key
		}
		fmt.Fprintf(&b, `%s"cüstom-%06d": %d,`, sep, k, i)
	}
	b.WriteString(sep + `"sound": "default"}}`)
	return b.Bytes()
}

// BenchmarkLint1MB lints 1 MB payloads with about 40,000 keys each: the
// issue's 430 KB / 40,000-key case took 22 s when line and column were
// counted from the start for every finding and duplicates were compared
// pairwise.
func BenchmarkLint1MB(b *testing.B) {
	for _, pretty := range []bool{false, true} {
		body := bigPayload(1<<20, pretty)
		name := "one-line"
		if pretty {
			name = "one-key-per-line"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := Validate(body, Options{})
				if len(r.Warnings) < 40_000 {
					b.Fatalf("%d warnings", len(r.Warnings))
				}
			}
		})
	}
}
