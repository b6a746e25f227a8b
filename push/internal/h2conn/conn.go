// Package h2conn is an HTTP/2 client connection made for device pushes:
// many small POSTs with bodies shared by a batch, small answers, on one
// long-lived connection per slot of the engine's pool.
//
// It exists for CPU. x/net's http2 client costs a goroutine per request,
// a context and timer per request, the encoding of every header per
// request and a full decode of every response's headers into a map; in a
// whole-process send those were most of the client's CPU. Here:
//   - one reader goroutine per connection and no goroutine per request: the
//     caller's goroutine writes its request's frames under the write lock
//     and waits on its stream's completion (a pooled stream with a buffered
//     channel);
//   - the request's header block is encoded by the caller once per header
//     set (Request.Header) with the HPACK dynamic table unused; only :path
//     and content-length are encoded per request;
//   - the response's headers are decoded into what a result needs
//     (:status, apns-id, apns-unique-id), the full list only on request;
//   - deadlines are checked by one timer per connection that sweeps the
//     streams, not a timer per request; the caller's context still ends
//     its wait at once (the stream is reset with CANCEL).
//
// The protocol parts are built on x/net's Framer and hpack: the client
// preface and SETTINGS, the server's MAX_CONCURRENT_STREAMS (followed both
// ways during the connection), INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE,
// send and receive flow control, PING (answered, and sent after a quiet
// read side as a keepalive), GOAWAY, RST_STREAM, CONTINUATION and the
// exhaustion of stream IDs.
package h2conn

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Config tunes a connection; the zero value is the defaults.
type Config struct {
	// SweepEvery is how often the deadlines of the requests in flight are
	// checked (default 50ms): a request fails at most this long after its
	// deadline.
	SweepEvery time.Duration
	// ReadIdleTimeout is how long the read side may be quiet before a PING
	// is sent (default 15s); PingTimeout how long the PING may go
	// unanswered before the connection is closed as lost (default 10s).
	ReadIdleTimeout time.Duration
	PingTimeout     time.Duration
	// MaxStreamID is the highest stream ID the connection opens (default
	// and most 2^31-1); tests lower it to reach the exhaustion of IDs.
	MaxStreamID uint32
}

// Settings the client announces, and limits it keeps.
const (
	// streamRecvWindow is the per-stream receive window announced
	// (SETTINGS_INITIAL_WINDOW_SIZE): no APNs answer comes near it.
	streamRecvWindow = 4 << 20
	// connRecvWindow is the connection receive window, raised from the
	// protocol's 65,535 by a WINDOW_UPDATE right after the preface.
	connRecvWindow = 16 << 20
	// maxHeaderList is the most header bytes (as HPACK counts them) a
	// response may carry, and the most header block bytes read for one
	// (CONTINUATION frames included).
	maxHeaderList = 1 << 20
	// MaxBody is the most of a response body kept; a longer one is cut
	// there and its stream reset.
	MaxBody = 64 << 10
	// initialMaxStreams is the stream limit assumed before the server's
	// SETTINGS arrive (as x/net does); defaultMaxStreams the one used when
	// the server names none.
	initialMaxStreams = 100
	defaultMaxStreams = 1000
	maxStreamID       = 1<<31 - 1
	maxWindow         = 1<<31 - 1
)

// Request is one POST. Header, Path and Body are read, never changed, and
// may be shared by many requests at once.
type Request struct {
	// Header is the HPACK encoding of every field but :path and
	// content-length (pseudo-header fields first), made without the
	// dynamic table: as literals "never indexed" or static table
	// references (EncodeHeader).
	Header []byte
	Path   string
	Body   []byte
	// Deadline, if not zero, fails the request with ErrTimeout once passed.
	Deadline time.Time
	// WantHeaders asks for every response header in Response.Header.
	WantHeaders bool
}

// Response is the part of an answer a push result needs.
type Response struct {
	Status       int
	ApnsID       string
	ApnsUniqueID string
	// Header is every response header by lower-case name, values joined
	// with ", ", :status included; nil unless Request.WantHeaders.
	Header map[string]string
	// Body is at most MaxBody bytes of the response body.
	Body []byte
}

// Stream states.
const (
	stateIdle   = iota
	stateQueued // waiting for the server's stream limit
	stateOpen   // HEADERS sent (or being sent under wmu)
	stateDone   // finished; done has been signalled
)

// stream is one request on the connection; pooled.
type stream struct {
	state    int
	id       uint32
	req      *Request
	deadline time.Time
	sent     int   // body bytes sent
	win      int64 // send window
	final    bool  // final (non-1xx) headers received
	resp     Response
	err      error
	done     chan struct{} // cap 1: signalled once per use
}

var streamPool = sync.Pool{New: func() any { return &stream{done: make(chan struct{}, 1)} }}

// Conn is a client HTTP/2 connection. Safe for concurrent use.
type Conn struct {
	nc  net.Conn
	cfg Config
	fr  *http2.Framer // read side, the reader goroutine's

	// wmu serialises writes; it is taken before mu when both are held.
	wmu  sync.Mutex
	fw   *http2.Framer
	hbuf []byte    // a HEADERS block being built
	ops  []writeOp // DATA frames to write, taken under mu

	mu            sync.Mutex
	streams       map[uint32]*stream
	queue         []*stream // waiting for a stream, in arrival order
	blocked       []*stream // open with body bytes waiting for window
	nextID        uint32
	maxStreams    uint32
	settingsKnown bool
	peerInitWin   int64
	peerMaxFrame  int
	sendWin       int64
	recvUnacked   int
	goAway        *GoAwayError
	exhausted     bool  // stream IDs used up
	err           error // why the connection ended; set once
	sweepArmed    bool
	sweep         *time.Timer
	keepalive     *time.Timer
	pingOut       bool
	seenFrames    uint64

	// Left by the reader's frame handlers for afterFrame; the reader's own.
	resets       []reset
	windowUpdate uint32
	needFlush    bool
	needPump     bool
	needClose    bool

	frames atomic.Uint64 // frames read: the keepalive's sign of life

	// Header decoding, the reader's alone (under mu while decoding).
	hdec       *hpack.Decoder
	hst        *stream // the stream of the block being decoded, nil to discard
	hTrailers  *stream // the stream whose trailers are being decoded
	hID        uint32
	hEnd       bool // the block's HEADERS had END_STREAM
	hBytes     int
	hTooBig    bool
	hBad       bool // a malformed :status
	hStatus    int
	hWant      bool
	hInterim   bool
	hFragBytes int
}

// writeOp is one DATA frame: copied out under mu so that the stream may
// be finished and reused while the frame is written.
type writeOp struct {
	id   uint32
	data []byte
	end  bool
}

// New starts HTTP/2 on nc, an established connection that negotiated h2:
// it writes the preface and the client's SETTINGS and starts the reader.
// nc should buffer its writes (push/internal/coalesce): frames are written
// one Write each.
func New(nc net.Conn, cfg Config) (*Conn, error) {
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = 50 * time.Millisecond
	}
	if cfg.ReadIdleTimeout <= 0 {
		cfg.ReadIdleTimeout = 15 * time.Second
	}
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = 10 * time.Second
	}
	if cfg.MaxStreamID == 0 || cfg.MaxStreamID > maxStreamID {
		cfg.MaxStreamID = maxStreamID
	}
	c := &Conn{
		nc:           nc,
		cfg:          cfg,
		streams:      make(map[uint32]*stream),
		nextID:       1,
		maxStreams:   initialMaxStreams,
		peerInitWin:  65535,
		peerMaxFrame: 16384,
		sendWin:      65535,
	}
	c.fw = http2.NewFramer(nc, nil)
	c.fr = http2.NewFramer(nil, bufio.NewReaderSize(nc, 32<<10))
	c.fr.SetMaxReadFrameSize(16384) // the default, as none is announced
	c.fr.SetReuseFrames()
	c.hdec = hpack.NewDecoder(4096, c.onField)
	c.hdec.SetMaxStringLength(maxHeaderList)
	if _, err := nc.Write([]byte(http2.ClientPreface)); err != nil {
		return nil, err
	}
	err := c.fw.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: streamRecvWindow},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: maxHeaderList},
	)
	if err == nil {
		err = c.fw.WriteWindowUpdate(0, connRecvWindow-65535)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.keepalive = time.AfterFunc(cfg.ReadIdleTimeout, c.checkAlive)
	c.mu.Unlock()
	go c.readLoop()
	return c, nil
}

// State is what the pool and the in-flight window need to know.
type State struct {
	// MaxStreams is the server's current SETTINGS_MAX_CONCURRENT_STREAMS
	// (1,000 when it names none); Known is false until its first SETTINGS.
	MaxStreams int
	Known      bool
	// Usable is false once the connection takes no new requests (GOAWAY,
	// stream IDs used up, closed).
	Usable bool
}

// State reports the connection's state.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return State{MaxStreams: int(c.maxStreams), Known: c.settingsKnown, Usable: c.usableLocked()}
}

// Usable reports whether the connection takes new requests.
func (c *Conn) Usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.usableLocked()
}

func (c *Conn) usableLocked() bool { return c.err == nil && c.goAway == nil && !c.exhausted }

// Close ends the connection; requests on it fail.
func (c *Conn) Close() error {
	c.closeWith(ErrClosed)
	return nil
}

// RoundTrip sends req and waits for its response, for ctx's end or for
// req.Deadline. req must stay unchanged until it returns. A
// *NotProcessedError says the server never processed the request.
func (c *Conn) RoundTrip(ctx context.Context, req *Request) (Response, error) {
	st := streamPool.Get().(*stream)
	st.req, st.deadline = req, req.Deadline
	c.wmu.Lock()
	c.mu.Lock()
	if err := c.refuseLocked(); err != nil {
		c.mu.Unlock()
		c.wmu.Unlock()
		st.req = nil
		streamPool.Put(st)
		return Response{}, err
	}
	if len(c.queue) > 0 || uint32(len(c.streams)) >= c.maxStreams {
		st.state = stateQueued
		c.queue = append(c.queue, st)
		c.armSweepLocked()
		c.mu.Unlock()
		c.wmu.Unlock()
	} else {
		c.openLocked(st)
		op := c.takeDataLocked(st)
		id := st.id
		c.mu.Unlock()
		err := c.writeRequest(id, req, op)
		c.wmu.Unlock()
		if err != nil {
			c.closeWith(err)
		}
	}
	select {
	case <-st.done:
	case <-ctx.Done():
		if c.cancel(st) {
			st.err = ctx.Err()
		}
	}
	resp, err := st.resp, st.err
	*st = stream{done: st.done}
	streamPool.Put(st)
	return resp, err
}

// refuseLocked is why a new request cannot go on this connection, if so.
func (c *Conn) refuseLocked() error {
	switch {
	case c.err != nil:
		return &NotProcessedError{Err: c.err}
	case c.goAway != nil:
		return &NotProcessedError{Err: c.goAway}
	case c.exhausted:
		return &NotProcessedError{Err: errStreamIDs}
	}
	return nil
}

// openLocked gives st the next stream ID. Called with wmu and mu held; the
// caller writes its HEADERS before releasing wmu, so IDs go out in order.
func (c *Conn) openLocked(st *stream) {
	st.state = stateOpen
	st.id = c.nextID
	c.nextID += 2
	if c.nextID > c.cfg.MaxStreamID {
		c.exhausted = true
	}
	st.win = c.peerInitWin
	c.streams[st.id] = st
	if !st.deadline.IsZero() {
		c.armSweepLocked()
	}
}

// takeDataLocked takes as much of st's remaining body as the windows and
// the frame size allow; if some is left, st waits in blocked for a
// WINDOW_UPDATE.
func (c *Conn) takeDataLocked(st *stream) writeOp {
	body := st.req.Body
	rest := len(body) - st.sent
	if rest == 0 {
		return writeOp{}
	}
	n := int64(min(rest, c.peerMaxFrame))
	n = min(n, c.sendWin, st.win)
	if n <= 0 {
		c.addBlockedLocked(st)
		return writeOp{}
	}
	op := writeOp{id: st.id, data: body[st.sent : st.sent+int(n)]}
	st.sent += int(n)
	c.sendWin -= n
	st.win -= n
	if st.sent == len(body) {
		op.end = true
	} else {
		c.addBlockedLocked(st)
	}
	return op
}

func (c *Conn) addBlockedLocked(st *stream) {
	for _, b := range c.blocked {
		if b == st {
			return
		}
	}
	c.blocked = append(c.blocked, st)
}

func (c *Conn) removeBlockedLocked(st *stream) {
	for i, b := range c.blocked {
		if b == st {
			c.blocked = append(c.blocked[:i], c.blocked[i+1:]...)
			return
		}
	}
}

// writeRequest writes a stream's HEADERS (and CONTINUATIONs) and its first
// DATA frame. Called with wmu held.
func (c *Conn) writeRequest(id uint32, req *Request, op writeOp) error {
	b := appendLiteral(c.hbuf[:0], 4, req.Path) // :path, static index 4
	b = append(b, req.Header...)
	b = appendLiteral(b, 28, strconv.Itoa(len(req.Body))) // content-length
	c.hbuf = b
	endStream := len(req.Body) == 0
	c.mu.Lock()
	maxFrame := c.peerMaxFrame
	c.mu.Unlock()
	first := b
	if len(first) > maxFrame {
		first = b[:maxFrame]
	}
	err := c.fw.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: endStream, EndHeaders: len(first) == len(b)})
	for rest := b[len(first):]; err == nil && len(rest) > 0; {
		k := min(len(rest), maxFrame)
		err = c.fw.WriteContinuation(id, k == len(rest), rest[:k])
		rest = rest[k:]
	}
	if err == nil && op.id != 0 {
		err = c.fw.WriteData(op.id, op.end, op.data)
	}
	return err
}

// cancel ends st's wait for the caller (its context ended): a queued
// stream leaves the queue, an open one is reset with CANCEL. It reports
// false if the stream had finished first (its outcome stands).
func (c *Conn) cancel(st *stream) bool {
	c.mu.Lock()
	switch st.state {
	case stateQueued:
		c.removeQueuedLocked(st)
		st.state = stateDone
		c.mu.Unlock()
		return true
	case stateDone:
		c.mu.Unlock()
		<-st.done // signalled under mu before the state became done
		return false
	}
	id := st.id
	c.forgetLocked(st)
	st.state = stateDone
	pump := c.canPumpLocked()
	idle := c.idleDoneLocked()
	c.mu.Unlock()
	c.writeRST(id, http2.ErrCodeCancel)
	if pump {
		c.pump()
	}
	if idle {
		c.closeWith(c.goAwayOr(errStreamIDs))
	}
	return true
}

func (c *Conn) removeQueuedLocked(st *stream) {
	for i, q := range c.queue {
		if q == st {
			c.queue = append(c.queue[:i], c.queue[i+1:]...)
			return
		}
	}
}

// forgetLocked takes an open stream out of the connection's books.
func (c *Conn) forgetLocked(st *stream) {
	delete(c.streams, st.id)
	if st.sent < len(st.req.Body) {
		c.removeBlockedLocked(st)
	}
}

// finishLocked ends an open or queued stream with err (nil: its response
// is complete) and wakes its caller.
func (c *Conn) finishLocked(st *stream, err error) {
	switch st.state {
	case stateOpen:
		c.forgetLocked(st)
	case stateQueued:
		c.removeQueuedLocked(st)
	default:
		return
	}
	st.state = stateDone
	st.err = err
	st.done <- struct{}{}
}

// canPumpLocked reports whether queued requests can now be opened.
func (c *Conn) canPumpLocked() bool {
	return len(c.queue) > 0 && uint32(len(c.streams)) < c.maxStreams && c.err == nil
}

// pump opens queued requests while the server's limit allows.
func (c *Conn) pump() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for {
		c.mu.Lock()
		if !c.canPumpLocked() {
			c.mu.Unlock()
			return
		}
		if err := c.refuseLocked(); err != nil {
			for len(c.queue) > 0 {
				c.finishLocked(c.queue[0], err)
			}
			c.mu.Unlock()
			return
		}
		st := c.queue[0]
		c.queue = c.queue[1:]
		c.openLocked(st)
		op := c.takeDataLocked(st)
		id, req := st.id, *st.req // copied: st may finish while written
		c.mu.Unlock()
		if err := c.writeRequest(id, &req, op); err != nil {
			c.closeWith(err)
			return
		}
	}
}

// flushBlocked sends the body bytes the windows now allow.
func (c *Conn) flushBlocked() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	ops := c.ops[:0]
	for i := 0; i < len(c.blocked) && c.sendWin > 0; {
		st := c.blocked[i]
		op := c.takeDataLocked(st)
		if op.id != 0 {
			ops = append(ops, op)
		}
		if op.end {
			c.removeBlockedLocked(st)
		} else {
			i++ // still waiting for its stream's window
		}
	}
	c.mu.Unlock()
	var err error
	for _, op := range ops {
		if err = c.fw.WriteData(op.id, op.end, op.data); err != nil {
			break
		}
	}
	clear(ops)
	c.ops = ops[:0]
	if err != nil {
		c.closeWith(err)
	}
}

func (c *Conn) writeRST(id uint32, code http2.ErrCode) {
	c.wmu.Lock()
	err := c.fw.WriteRSTStream(id, code)
	c.wmu.Unlock()
	if err != nil {
		c.closeWith(err)
	}
}

// armSweepLocked makes sure the deadline sweep will run.
func (c *Conn) armSweepLocked() {
	if c.sweepArmed || c.err != nil {
		return
	}
	c.sweepArmed = true
	if c.sweep == nil {
		c.sweep = time.AfterFunc(c.cfg.SweepEvery, c.sweepDeadlines)
	} else {
		c.sweep.Reset(c.cfg.SweepEvery)
	}
}

// sweepDeadlines fails the requests whose deadline passed.
func (c *Conn) sweepDeadlines() {
	now := time.Now()
	var resets []uint32
	c.mu.Lock()
	c.sweepArmed = false
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	pending := false
	for id, st := range c.streams {
		if st.deadline.IsZero() {
			continue
		}
		if now.After(st.deadline) {
			c.finishLocked(st, ErrTimeout)
			resets = append(resets, id)
		} else {
			pending = true
		}
	}
	for i := 0; i < len(c.queue); {
		st := c.queue[i]
		if !st.deadline.IsZero() && now.After(st.deadline) {
			c.finishLocked(st, ErrTimeout)
			continue
		}
		if !st.deadline.IsZero() {
			pending = true
		}
		i++
	}
	if pending {
		c.armSweepLocked()
	}
	pump := c.canPumpLocked()
	idle := c.idleDoneLocked()
	c.mu.Unlock()
	for _, id := range resets {
		c.writeRST(id, http2.ErrCodeCancel)
	}
	if pump {
		c.pump()
	}
	if idle {
		c.closeWith(c.goAwayOr(errStreamIDs))
	}
}

// idleDoneLocked reports whether a connection that takes no new requests
// has finished its last stream and can be closed.
func (c *Conn) idleDoneLocked() bool {
	return c.err == nil && (c.goAway != nil || c.exhausted) && len(c.streams) == 0 && len(c.queue) == 0
}

func (c *Conn) goAwayOr(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.goAway != nil {
		return c.goAway
	}
	return err
}

// checkAlive is the keepalive: after ReadIdleTimeout without a frame read
// it sends a PING, and closes the connection if PingTimeout passes
// without one.
func (c *Conn) checkAlive() {
	n := c.frames.Load()
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	if n != c.seenFrames {
		c.seenFrames, c.pingOut = n, false
		c.keepalive.Reset(c.cfg.ReadIdleTimeout)
		c.mu.Unlock()
		return
	}
	if c.pingOut {
		c.mu.Unlock()
		c.closeWith(errPingTimeout)
		return
	}
	c.pingOut = true
	c.keepalive.Reset(c.cfg.PingTimeout)
	c.mu.Unlock()
	c.wmu.Lock()
	err := c.fw.WritePing(false, [8]byte{'p', 'u', 's', 'h', 'd', 'e', 'c', 'k'})
	c.wmu.Unlock()
	if err != nil {
		c.closeWith(err)
	}
}

type pingTimeoutError struct{}

func (pingTimeoutError) Error() string { return "the server did not answer a PING in time" }

var errPingTimeout error = pingTimeoutError{}

// closeWith ends the connection once: requests on the wire fail with the
// server's GOAWAY if one came, else a *ConnError; queued ones were never
// sent and fail as not processed.
func (c *Conn) closeWith(err error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = err
	var onWire error = &ConnError{Err: err}
	if c.goAway != nil {
		onWire = c.goAway
	}
	for _, st := range c.streams {
		c.finishLocked(st, onWire)
	}
	for len(c.queue) > 0 {
		c.finishLocked(c.queue[0], &NotProcessedError{Err: err})
	}
	c.blocked = nil
	if c.sweep != nil {
		c.sweep.Stop()
	}
	c.keepalive.Stop()
	c.mu.Unlock()
	c.nc.Close()
}
