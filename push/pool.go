package push

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/push/internal/coalesce"
	"github.com/pushdeck/pushdeck/push/internal/h2conn"
)

// coalesceWrites gathers the connections' frame writes (two per push:
// HEADERS, then DATA) into few TLS records and write syscalls
// (push/internal/coalesce). A variable so that benchmarks can compare.
var coalesceWrites = true

// connPool keeps exactly n slots of HTTP/2 connections (push/internal/h2conn).
// Each slot holds at most one connection taking new streams; a request
// picks a slot round-robin and, when the server's stream limit is reached,
// waits on that connection for a free stream instead of dialling another
// one (which is what apns2's default transport does, a connection storm
// Apple treats as abuse). A slot dials again only when its connection takes
// no new streams (GOAWAY, stream IDs used up) or is gone, and only after a
// draining connection has finished its streams, so at most n connections
// take new streams at any time.
type connPool struct {
	addr  string
	cfg   h2conn.Config
	dial  func(ctx context.Context, addr string) (net.Conn, error)
	slots []*poolSlot
	next  atomic.Uint64

	dials atomic.Int64 // connections established over the pool's life
	open  atomic.Int64 // connections currently open (including draining ones)
	peak  atomic.Int64 // the most open at once

	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
}

type poolSlot struct {
	mu   sync.Mutex
	cc   *h2conn.Conn
	conn *trackedConn // cc's connection, to wait for its close
	// live mirrors cc for readers that must not wait behind a dial
	// (serverLimit).
	live atomic.Pointer[h2conn.Conn]
}

// set makes cc (with its connection) the slot's connection; nil clears it.
// Called with s.mu held.
func (s *poolSlot) set(cc *h2conn.Conn, conn *trackedConn) {
	s.cc, s.conn = cc, conn
	s.live.Store(cc)
}

// size is the number of connections the pool keeps.
func (p *connPool) size() int { return len(p.slots) }

// serverLimit is the sum over the pool's connections of the stream limit
// each server last announced (SETTINGS_MAX_CONCURRENT_STREAMS), counting a
// slot without a usable connection as the initial 100; 0 when no
// connection has announced one yet.
func (p *connPool) serverLimit() int {
	sum, known := 0, false
	for _, s := range p.slots {
		cc := s.live.Load()
		if cc == nil {
			sum += initialServerLimit
			continue
		}
		st := cc.State()
		if !st.Usable || !st.Known {
			// Draining after GOAWAY, or no SETTINGS yet: its successor
			// (or its SETTINGS) is about to come.
			sum += initialServerLimit
			continue
		}
		known = true
		sum += st.MaxStreams
	}
	if !known {
		return 0
	}
	return sum
}

func newConnPool(addr string, n int, cfg h2conn.Config, dial func(ctx context.Context, addr string) (net.Conn, error)) *connPool {
	p := &connPool{addr: addr, cfg: cfg, dial: dial, conns: map[*trackedConn]struct{}{}}
	for range n {
		p.slots = append(p.slots, &poolSlot{})
	}
	return p
}

// errPoolClosed is returned for requests made after Close.
var errPoolClosed = errors.New("the push client is closed")

// get returns a connection taking new streams, dialling one if its slot
// has none; deadline bounds the dial (and the wait for a draining
// connection).
func (p *connPool) get(ctx context.Context, deadline time.Time) (*h2conn.Conn, error) {
	s := p.slots[int(p.next.Add(1)-1)%len(p.slots)]
	if cc := s.live.Load(); cc != nil && cc.Usable() {
		return cc, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cc != nil && s.cc.Usable() {
		return s.cc, nil
	}
	if p.isClosed() {
		return nil, errPoolClosed
	}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if s.conn != nil {
		// The slot's connection is going away (GOAWAY): let it finish
		// its streams before dialling its replacement, so no more than
		// the configured number of connections are ever open.
		if err := s.drain(dctx); err != nil {
			return nil, err
		}
	}
	s.set(nil, nil)
	conn, err := p.dial(dctx, p.addr)
	if err != nil {
		return nil, err
	}
	if coalesceWrites {
		conn = coalesce.New(conn)
	}
	tc := p.track(conn)
	cc, err := h2conn.New(tc, p.cfg)
	if err != nil {
		tc.Close()
		return nil, err
	}
	s.set(cc, tc)
	if p.isClosed() { // Close raced with the dial: do not leak the conn.
		s.set(nil, nil)
		cc.Close()
		return nil, errPoolClosed
	}
	return cc, nil
}

// drainWait bounds how long a slot waits for a connection that sent GOAWAY
// to finish its streams; a server that never closes it is closed by us.
const drainWait = 10 * time.Second

func (s *poolSlot) drain(ctx context.Context) error {
	t := time.NewTimer(drainWait)
	defer t.Stop()
	select {
	case <-s.conn.done:
	case <-t.C:
		s.cc.Close()
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

func (p *connPool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

func (p *connPool) track(c net.Conn) *trackedConn {
	tc := &trackedConn{Conn: c, pool: p, done: make(chan struct{})}
	p.mu.Lock()
	p.conns[tc] = struct{}{}
	p.mu.Unlock()
	p.dials.Add(1)
	n := p.open.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	return tc
}

// close closes every connection, draining or not.
func (p *connPool) close() {
	p.mu.Lock()
	p.closed = true
	conns := make([]*trackedConn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, s := range p.slots {
		s.mu.Lock()
		if s.cc != nil {
			s.cc.Close()
			s.set(nil, nil)
		}
		s.mu.Unlock()
	}
	for _, c := range conns {
		c.Close()
	}
}

// trackedConn counts itself out of the pool when closed.
type trackedConn struct {
	net.Conn
	pool *connPool
	once sync.Once
	done chan struct{} // closed by Close
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.pool.mu.Lock()
		delete(c.pool.conns, c)
		c.pool.mu.Unlock()
		c.pool.open.Add(-1)
		close(c.done)
	})
	return err
}

// Flush passes a flush on to a coalescing connection (h2conn flushes its
// last GOAWAY before closing).
func (c *trackedConn) Flush(d time.Duration) {
	if f, ok := c.Conn.(interface{ Flush(time.Duration) }); ok {
		f.Flush(d)
	}
}
