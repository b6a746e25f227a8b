package h2conn

import (
	"bytes"

	"golang.org/x/net/http2/hpack"
)

// EncodeHeader encodes fields (name, value pairs, pseudo-header fields
// first, names lower-case) as a Request.Header block. Every field is
// written "never indexed", so the block uses no dynamic table state and
// can be sent as is on any connection, at any point, any number of times
// (the server's HEADER_TABLE_SIZE does not matter); the static table's
// names still shorten it and values are Huffman-coded where that is
// shorter.
func EncodeHeader(fields ...[2]string) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range fields {
		// A bytes.Buffer takes every write.
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1], Sensitive: true})
	}
	return buf.Bytes()
}

// appendLiteral appends a "literal header field without indexing" whose
// name is static table entry index, with value as a raw string: the
// per-request :path and content-length, not worth Huffman's CPU.
func appendLiteral(b []byte, index uint64, value string) []byte {
	b = appendInt(b, 4, 0x00, index)
	b = appendInt(b, 7, 0x00, uint64(len(value)))
	return append(b, value...)
}

// appendInt appends HPACK's prefixed integer (RFC 7541 5.1): the first byte
// carries first's high bits and n bits of v.
func appendInt(b []byte, n uint, first byte, v uint64) []byte {
	max := uint64(1)<<n - 1
	if v < max {
		return append(b, first|byte(v))
	}
	b = append(b, first|byte(max))
	v -= max
	for v >= 128 {
		b = append(b, byte(v&0x7f|0x80))
		v >>= 7
	}
	return append(b, byte(v))
}
