package h2conn

import (
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"
)

// A request's header block is the shared EncodeHeader block with :path
// and content-length around it; any HPACK decoder reads it, however long
// the path, and blocks decode the same in any order and any number of
// times (no dynamic table state).
func TestRequestBlockDecodes(t *testing.T) {
	shared := EncodeHeader([2]string{":method", "POST"}, [2]string{":scheme", "https"}, [2]string{":authority", "api.push.apple.com:443"},
		[2]string{"content-type", "application/json"}, [2]string{"apns-topic", "com.example.app"}, [2]string{"authorization", "bearer " + strings.Repeat("k", 300)})
	var got []hpack.HeaderField
	dec := hpack.NewDecoder(4096, func(f hpack.HeaderField) { got = append(got, f) })
	for _, n := range []int{64, 126, 127, 128, 200, 5000, 64} {
		path := "/3/device/" + strings.Repeat("a", n)
		b := appendLiteral(nil, 4, path)
		b = append(b, shared...)
		b = appendLiteral(b, 28, strconv.Itoa(n*3))
		got = got[:0]
		if _, err := dec.Write(b); err != nil {
			t.Fatalf("path of %d: %v", n, err)
		}
		if err := dec.Close(); err != nil {
			t.Fatal(err)
		}
		want := []string{":path", path, ":method", "POST", ":scheme", "https", ":authority", "api.push.apple.com:443",
			"content-type", "application/json", "apns-topic", "com.example.app", "authorization", "bearer " + strings.Repeat("k", 300),
			"content-length", strconv.Itoa(n * 3)}
		if len(got) != len(want)/2 {
			t.Fatalf("path of %d: %d fields: %v", n, len(got), got)
		}
		for i, f := range got {
			if f.Name != want[2*i] || f.Value != want[2*i+1] {
				t.Fatalf("path of %d: field %d is %s: %.40q, want %s", n, i, f.Name, f.Value, want[2*i])
			}
		}
	}
}

func TestAppendInt(t *testing.T) {
	// RFC 7541 C.1: 10 and 1337 with a 5-bit prefix, 42 with 8 bits.
	for _, tc := range []struct {
		n    uint
		v    uint64
		want []byte
	}{{5, 10, []byte{10}}, {5, 1337, []byte{31, 154, 10}}, {8, 42, []byte{42}}, {4, 15, []byte{15, 0}}} {
		if got := appendInt(nil, tc.n, 0, tc.v); string(got) != string(tc.want) {
			t.Errorf("appendInt(%d bits, %d) = %v, want %v", tc.n, tc.v, got, tc.want)
		}
	}
}
