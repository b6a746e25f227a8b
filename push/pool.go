package push

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/push/internal/coalesce"
	"golang.org/x/net/http2"
)

// coalesceWrites gathers x/net's per-frame-group flushes (two per push:
// HEADERS, then DATA) into few TLS records and write syscalls
// (push/internal/coalesce). A variable so that benchmarks can compare.
var coalesceWrites = true

// connPool is an http2.ClientConnPool of exactly n slots. Each slot holds at
// most one usable connection; a request picks a slot round-robin and, with
// StrictMaxConcurrentStreams, queues on that connection when the server's
// stream limit is reached instead of dialling another one (which is what
// apns2's default transport does, a connection storm Apple treats as abuse).
// A slot dials again only when its connection is closing or gone (GOAWAY, a
// dropped connection), so at most n connections take new streams at any time.
type connPool struct {
	t     *http2.Transport
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
	cc   *http2.ClientConn
	conn *trackedConn // cc's connection, to wait for its close
	// live mirrors cc for readers that must not wait behind a dial
	// (serverLimit).
	live atomic.Pointer[http2.ClientConn]
}

// set makes cc (with its connection) the slot's connection; nil clears it.
// Called with s.mu held.
func (s *poolSlot) set(cc *http2.ClientConn, conn *trackedConn) {
	s.cc, s.conn = cc, conn
	s.live.Store(cc)
}

// size is the number of connections the pool keeps.
func (p *connPool) size() int { return len(p.slots) }

// serverLimit is the sum over the pool's connections of the stream limit
// each server last announced (SETTINGS_MAX_CONCURRENT_STREAMS), counting a
// slot without a usable connection as x/net's initial 100; 0 when no
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
		if st.Closed || st.Closing || st.MaxConcurrentStreams == 0 {
			// Draining after GOAWAY, or no SETTINGS yet: its successor
			// (or its SETTINGS) is about to come.
			sum += initialServerLimit
			continue
		}
		known = true
		sum += int(st.MaxConcurrentStreams)
	}
	if !known {
		return 0
	}
	return sum
}

func newConnPool(t *http2.Transport, n int, dial func(ctx context.Context, addr string) (net.Conn, error)) *connPool {
	p := &connPool{t: t, dial: dial, conns: map[*trackedConn]struct{}{}}
	for range n {
		p.slots = append(p.slots, &poolSlot{})
	}
	return p
}

// errPoolClosed is returned for requests made after Close.
var errPoolClosed = errors.New("the push client is closed")

// GetClientConn implements http2.ClientConnPool.
//
// It does not reserve a stream (ReserveNewRequest): with
// StrictMaxConcurrentStreams, x/net counts reservations of requests still
// queued for the connection's header lock against the stream limit, so more
// waiting requests than the server's MAX_CONCURRENT_STREAMS deadlock until
// they time out. Without a reservation RoundTrip simply waits for a free
// stream. (No idle timer is set, so an unreserved connection is not closed
// under a waiting request.)
func (p *connPool) GetClientConn(req *http.Request, addr string) (*http2.ClientConn, error) {
	s := p.slots[int(p.next.Add(1)-1)%len(p.slots)]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cc != nil && s.cc.CanTakeNewRequest() {
		return s.cc, nil
	}
	if p.isClosed() {
		return nil, errPoolClosed
	}
	if s.conn != nil {
		// The slot's connection is going away (GOAWAY): let it finish
		// its streams before dialling its replacement, so no more than
		// the configured number of connections are ever open.
		if err := s.drain(req.Context()); err != nil {
			return nil, err
		}
	}
	s.set(nil, nil)
	conn, err := p.dial(req.Context(), addr)
	if err != nil {
		return nil, err
	}
	if coalesceWrites {
		conn = coalesce.New(conn)
	}
	tc := p.track(conn)
	cc, err := p.t.NewClientConn(tc)
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

// MarkDead implements http2.ClientConnPool: the transport calls it when a
// connection dies, so the slot dials afresh next time.
func (p *connPool) MarkDead(cc *http2.ClientConn) {
	for _, s := range p.slots {
		if s.mu.TryLock() {
			if s.cc == cc && s.conn.isClosed() {
				s.set(nil, nil)
			}
			s.mu.Unlock()
		}
		// A slot that is busy dialling already dropped its dead conn.
	}
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

func (c *trackedConn) isClosed() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
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

// ConnectionState lets http2 see the negotiated protocol through the wrapper.
func (c *trackedConn) ConnectionState() tls.ConnectionState {
	if cs, ok := c.Conn.(interface{ ConnectionState() tls.ConnectionState }); ok {
		return cs.ConnectionState()
	}
	return tls.ConnectionState{}
}
