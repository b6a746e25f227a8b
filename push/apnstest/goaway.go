package apnstest

import (
	"crypto/tls"
	"net"
	"sync"
)

// goAwayConn watches the HTTP/2 frames the server writes so the handler of
// stream GoAwayAfter can hold its response until the GOAWAY is on the wire.
// Without that wait the client could receive the response first and send one
// more stream on the old connection, and which connection served which push
// would depend on goroutine scheduling.
type goAwayConn struct {
	*tls.Conn
	hdr  [9]byte
	hn   int
	skip int
	once sync.Once
	sent chan struct{}
}

func newGoAwayConn(c *tls.Conn) *goAwayConn {
	return &goAwayConn{Conn: c, sent: make(chan struct{})}
}

// Write is called by one writer at a time (the HTTP/2 server serialises its
// frame writes), so the parse state needs no lock.
func (g *goAwayConn) Write(p []byte) (int, error) {
	n, err := g.Conn.Write(p)
	g.scan(p[:n])
	return n, err
}

func (g *goAwayConn) scan(p []byte) {
	for len(p) > 0 {
		if g.skip > 0 {
			k := min(g.skip, len(p))
			g.skip -= k
			p = p[k:]
			continue
		}
		k := copy(g.hdr[g.hn:], p)
		g.hn += k
		p = p[k:]
		if g.hn < len(g.hdr) {
			return
		}
		g.hn = 0
		g.skip = int(g.hdr[0])<<16 | int(g.hdr[1])<<8 | int(g.hdr[2])
		if g.hdr[3] == 0x7 { // GOAWAY
			g.once.Do(func() { close(g.sent) })
		}
	}
}

var _ net.Conn = (*goAwayConn)(nil)
