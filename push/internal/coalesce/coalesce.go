// Package coalesce gathers the many small writes of an HTTP/2 client into
// few large ones.
//
// An HTTP/2 client writes each frame as it is ready: a push is a HEADERS
// write and a DATA write, each its own TLS record and its own write
// syscall if written straight to the connection. Conn takes those writes
// into a buffer and returns at once; one goroutine per connection writes
// whatever has gathered in one call. While that call is on the wire the
// next requests' frames gather behind it, so under load a write carries
// tens of requests (one TLS record per 16 KB, one syscall), and an idle
// connection's single write leaves at once: nothing waits for a timer.
package coalesce

import (
	"net"
	"sync"
	"time"
)

// maxPending is how much a connection buffers before Write waits for the
// writer: enough for a window of 1,000 small pushes to gather into a few
// writes, little enough that a stalled peer stops the client quickly.
const maxPending = 256 << 10

// Conn is a net.Conn whose writes are gathered and written by one
// goroutine. A write error is returned by the next Write (and closes the
// connection, so reads fail too), as a lost connection's would be.
type Conn struct {
	net.Conn

	mu      sync.Mutex
	ready   sync.Cond // the writer: data is pending, or the conn is closed
	room    sync.Cond // writers: the buffer has room, or an error
	pending []byte
	spare   []byte
	err     error
	closed  bool
	busy    bool          // the writer is writing
	done    chan struct{} // closed when the writer goroutine returns
}

// New wraps c and starts its writer; Close stops it.
func New(c net.Conn) *Conn {
	w := &Conn{Conn: c, done: make(chan struct{})}
	w.ready.L = &w.mu
	w.room.L = &w.mu
	go w.writer()
	return w
}

// Write copies p into the pending buffer and returns; the writer sends it.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.err == nil && !c.closed && len(c.pending) > 0 && len(c.pending)+len(p) > maxPending {
		c.room.Wait()
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(c.pending) == 0 {
		c.ready.Signal()
	}
	c.pending = append(c.pending, p...)
	return len(p), nil
}

func (c *Conn) writer() {
	defer close(c.done)
	c.mu.Lock()
	for {
		for len(c.pending) == 0 && !c.closed {
			c.ready.Wait()
		}
		if c.closed {
			c.mu.Unlock()
			return
		}
		buf := c.pending
		c.pending = c.spare[:0]
		c.busy = true
		c.room.Broadcast()
		c.mu.Unlock()
		_, err := c.Conn.Write(buf)
		c.mu.Lock()
		c.busy = false
		if cap(buf) <= maxPending*2 {
			c.spare = buf[:0]
		}
		c.room.Broadcast()
		if err != nil {
			c.err = err
			c.mu.Unlock()
			c.Conn.Close()
			return
		}
	}
}

// Flush waits, at most d, until what was written has gone to the
// connection (or the connection failed or closed): for a last frame
// written right before Close, which would drop it.
func (c *Conn) Flush(d time.Duration) {
	expired := false
	t := time.AfterFunc(d, func() {
		c.mu.Lock()
		expired = true
		c.room.Broadcast()
		c.mu.Unlock()
	})
	defer t.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !expired && c.err == nil && !c.closed && (len(c.pending) > 0 || c.busy) {
		c.room.Wait()
	}
}

// Close stops the writer (data not yet written is dropped, as a closed
// socket's would be) and closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.ready.Broadcast()
	c.room.Broadcast()
	c.mu.Unlock()
	return c.Conn.Close()
}
