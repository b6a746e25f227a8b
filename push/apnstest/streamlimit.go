package apnstest

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"sync"
)

// DefaultDropStreamLimit is the stream limit a server with
// Config.StreamLimitDrop starts with (and returns to) when MaxStreams is
// not set: what APNs announced in the connections of radar 27870881.
const DefaultDropStreamLimit = 500

// HTTP/2 frame types and flags the stream-limit connection reads.
const (
	frameSettings      = 0x4
	flagAck            = 0x1
	settingMaxStreams  = 0x3
	frameHeaderLen     = 9
	clientPrefaceBytes = 24 // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
)

// limitConn plays APNs' changing stream limit (radar 27870881) on one
// connection: x/net's server announces its limit once, so this wrapper
// writes further SETTINGS frames (MAX_CONCURRENT_STREAMS) between the
// server's frames, and takes the client's acknowledgements of them out of
// what the server reads (x/net would call an ACK of a SETTINGS it did not
// send a protocol error).
//
// The server's own streams limit stays at the first value: a client that
// ignores the lowered limit is served anyway, as APNs does.
type limitConn struct {
	net.Conn
	full   uint32 // the limit at first and after an accepted push
	counts *Server

	mu      sync.Mutex
	want    uint32   // the limit the server wants now
	pending []uint32 // announcements not yet written
	// settings is every SETTINGS frame written and not yet acknowledged, in
	// order: true for ours (the client's ACK of it is not passed on).
	settings []bool
	w, r     frameScanner
	preface  int // client preface bytes still to pass through
	hold     []byte
}

func newLimitConn(c net.Conn, full uint32, s *Server) *limitConn {
	return &limitConn{Conn: c, full: full, want: full, counts: s, preface: clientPrefaceBytes}
}

// ConnectionState lets HTTP/2 see the TLS state through the wrapper.
func (c *limitConn) ConnectionState() tls.ConnectionState {
	if cs, ok := c.Conn.(interface{ ConnectionState() tls.ConnectionState }); ok {
		return cs.ConnectionState()
	}
	return tls.ConnectionState{}
}

// answered moves the limit after a push: down to 1 after a rejection, back
// to the full limit after an acceptance. The SETTINGS frame goes out right
// after the next frame boundary, normally with this push's response.
func (c *limitConn) answered(accepted bool) {
	v := uint32(1)
	if accepted {
		v = c.full
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.want == v {
		return
	}
	c.want = v
	c.pending = append(c.pending, v)
}

// Write passes the server's frames on and, at a frame boundary, adds the
// SETTINGS frames waiting to be announced. The HTTP/2 server writes from
// one goroutine at a time.
func (c *limitConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.w.scan(p, func(h []byte) {
		if h[3] == frameSettings && h[4]&flagAck == 0 {
			c.settings = append(c.settings, false) // the server's own
		}
	})
	c.mu.Unlock()
	n, err := c.Conn.Write(p)
	if err != nil {
		return n, err
	}
	c.mu.Lock()
	var frames []byte
	if c.w.atBoundary() {
		for _, v := range c.pending {
			// length 6 (24 bits), type, no flags, stream 0
			frames = append(frames, 0, 0, 6, frameSettings, 0, 0, 0, 0, 0)
			frames = binary.BigEndian.AppendUint16(frames, settingMaxStreams)
			frames = binary.BigEndian.AppendUint32(frames, v)
			c.settings = append(c.settings, true)
		}
		c.pending = c.pending[:0]
	}
	c.mu.Unlock()
	if len(frames) > 0 {
		// Counted before the write: a test may read the counter the
		// moment its batch ends.
		c.counts.limitChanges.Add(int64(len(frames) / (frameHeaderLen + 6)))
		if _, err := c.Conn.Write(frames); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Read passes the client's bytes on, less its ACKs of our SETTINGS.
func (c *limitConn) Read(p []byte) (int, error) {
	for {
		if len(c.hold) > 0 {
			n := copy(p, c.hold)
			c.hold = c.hold[n:]
			return n, nil
		}
		n, err := c.Conn.Read(p)
		if n > 0 {
			out := c.filter(p[:n])
			if len(out) > len(p) {
				c.hold = append(c.hold[:0], out[len(p):]...)
				out = out[:len(p)]
			}
			copy(p, out)
			if len(out) > 0 || err != nil {
				return len(out), err
			}
			continue
		}
		return n, err
	}
}

// filter returns the bytes of in that the server should read. A frame
// header split across reads is held until whole (so an ACK can be taken
// out) and handed on with the read that completes it.
func (c *limitConn) filter(in []byte) []byte {
	out := make([]byte, 0, len(in)+frameHeaderLen)
	if c.preface > 0 {
		k := min(c.preface, len(in))
		out = append(out, in[:k]...)
		in = in[k:]
		c.preface -= k
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(in) > 0 {
		if c.r.skip > 0 {
			k := min(c.r.skip, len(in))
			out = append(out, in[:k]...)
			c.r.skip -= k
			in = in[k:]
			continue
		}
		k := copy(c.r.hdr[c.r.hn:], in)
		c.r.hn += k
		in = in[k:]
		if c.r.hn < frameHeaderLen {
			continue
		}
		h := c.r.hdr
		c.r.hn = 0
		c.r.skip = int(h[0])<<16 | int(h[1])<<8 | int(h[2])
		if h[3] == frameSettings && h[4]&flagAck != 0 && len(c.settings) > 0 {
			ours := c.settings[0]
			c.settings = c.settings[1:]
			if ours {
				continue // an ACK of our announcement: the server never sent it
			}
		}
		out = append(out, h[:]...)
	}
	return out
}

// frameScanner follows frame boundaries in a byte stream.
type frameScanner struct {
	hdr  [frameHeaderLen]byte
	hn   int
	skip int
}

func (s *frameScanner) atBoundary() bool { return s.hn == 0 && s.skip == 0 }

// scan walks p, calling onHeader with each complete frame header.
func (s *frameScanner) scan(p []byte, onHeader func([]byte)) {
	for len(p) > 0 {
		if s.skip > 0 {
			k := min(s.skip, len(p))
			s.skip -= k
			p = p[k:]
			continue
		}
		k := copy(s.hdr[s.hn:], p)
		s.hn += k
		p = p[k:]
		if s.hn < frameHeaderLen {
			return
		}
		s.hn = 0
		s.skip = int(s.hdr[0])<<16 | int(s.hdr[1])<<8 | int(s.hdr[2])
		onHeader(s.hdr[:])
	}
}
