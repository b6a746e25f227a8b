package h2conn

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// readLoop is the connection's one reader: it reads frames until the
// connection ends and acts on each.
func (c *Conn) readLoop() {
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.frames.Add(1)
				c.resetStream(se.StreamID, se.Code)
				continue
			}
			var ce http2.ConnectionError
			if errors.As(err, &ce) {
				c.protocolError(http2.ErrCode(ce), err)
			}
			c.closeWith(err)
			return
		}
		c.frames.Add(1)
		if err := c.handle(f); err != nil {
			var ce *connError
			if errors.As(err, &ce) {
				c.protocolError(ce.code, err) // mu is not held here
			}
			c.closeWith(err)
			return
		}
		c.afterFrame()
	}
}

// afterFrame does what handling a frame left to do outside mu: resets and
// window updates to write, body bytes a window now allows, queued
// requests a freed stream allows, the close of a finished connection.
// The fields it reads are the reader's own.
func (c *Conn) afterFrame() {
	if len(c.resets) == 0 && c.windowUpdate == 0 && !c.needFlush && !c.needPump && !c.needClose {
		return
	}
	if len(c.resets) > 0 || c.windowUpdate > 0 {
		var err error
		c.wmu.Lock()
		for _, r := range c.resets {
			if err == nil {
				err = c.fw.WriteRSTStream(r.id, r.code)
			}
		}
		if err == nil && c.windowUpdate > 0 {
			err = c.fw.WriteWindowUpdate(0, c.windowUpdate)
		}
		c.wmu.Unlock()
		c.resets, c.windowUpdate = c.resets[:0], 0
		if err != nil {
			c.closeWith(err)
			return
		}
	}
	if c.needFlush {
		c.needFlush = false
		c.flushBlocked()
	}
	if c.needPump {
		c.needPump = false
		c.pump()
	}
	if c.needClose {
		c.needClose = false
		c.closeWith(c.goAwayOr(errStreamIDs))
	}
}

// connError is a protocol error of the server's that ends the connection.
type connError struct {
	code http2.ErrCode
	why  string
}

func (e *connError) Error() string {
	return fmt.Sprintf("the server broke HTTP/2 (%v): %s", e.code, e.why)
}

// protocolError tells the server why the connection ends. Called without
// mu (wmu comes first).
func (c *Conn) protocolError(code http2.ErrCode, err error) {
	c.wmu.Lock()
	c.fw.WriteGoAway(0, code, []byte(err.Error()))
	c.wmu.Unlock()
	if f, ok := c.nc.(interface{ Flush(time.Duration) }); ok {
		f.Flush(goAwayFlush) // a buffering connection drops unsent bytes on Close
	}
}

// goAwayFlush bounds the wait for a GOAWAY to leave before the close.
const goAwayFlush = time.Second

// fail is a frame handler's connection error; readLoop sends the GOAWAY.
func (c *Conn) fail(code http2.ErrCode, format string, args ...any) error {
	return &connError{code: code, why: fmt.Sprintf(format, args...)}
}

func (c *Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.HeadersFrame:
		return c.onHeaders(f.StreamID, f.HeaderBlockFragment(), f.HeadersEnded(), f.StreamEnded(), true)
	case *http2.ContinuationFrame:
		return c.onHeaders(f.StreamID, f.HeaderBlockFragment(), f.HeadersEnded(), false, false)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		c.wmu.Lock()
		err := c.fw.WritePing(true, f.Data)
		c.wmu.Unlock()
		return err
	case *http2.GoAwayFrame:
		c.onGoAway(f)
	case *http2.RSTStreamFrame:
		c.onReset(f.StreamID, f.ErrCode)
	case *http2.PushPromiseFrame:
		return c.fail(http2.ErrCodeProtocol, "PUSH_PROMISE after SETTINGS_ENABLE_PUSH 0")
	}
	return nil // PRIORITY, unknown frame types: ignored
}

// onHeaders decodes a header block fragment (HEADERS, then CONTINUATIONs:
// the Framer checks their order). The block is always decoded, even for a
// stream no longer wanted, to keep HPACK's state in step with the server.
func (c *Conn) onHeaders(id uint32, frag []byte, ended, endStream, first bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if first {
		if id%2 == 0 {
			return c.fail(http2.ErrCodeProtocol, "HEADERS on server stream %d", id)
		}
		c.hID, c.hEnd = id, endStream
		c.hBytes, c.hFragBytes, c.hTooBig, c.hBad, c.hStatus, c.hInterim = 0, 0, false, false, 0, false
		c.hst = c.streams[id]
		c.hTrailers = nil
		if c.hst != nil && c.hst.final {
			// Trailers: nothing a push result needs, but their
			// END_STREAM ends the response.
			c.hTrailers, c.hst = c.hst, nil
		}
		c.hWant = c.hst != nil && c.hst.req.WantHeaders
		if c.hWant && c.hst.resp.Header == nil {
			c.hst.resp.Header = make(map[string]string, 6)
		}
	}
	c.hFragBytes += len(frag)
	if c.hFragBytes > maxHeaderList {
		return c.fail(http2.ErrCodeEnhanceYourCalm, "a header block over %d bytes", maxHeaderList)
	}
	if _, err := c.hdec.Write(frag); err != nil {
		return c.fail(http2.ErrCodeCompression, "HPACK: %v", err)
	}
	if !ended {
		return nil
	}
	if err := c.hdec.Close(); err != nil {
		return c.fail(http2.ErrCodeCompression, "HPACK: %v", err)
	}
	st := c.hst
	c.hst = nil
	if st == nil {
		if c.hEnd && c.hTrailers != nil {
			c.completeLocked(c.hTrailers)
		} else if c.hEnd {
			c.afterCloseLocked()
		}
		c.hTrailers = nil
		return nil
	}
	switch {
	case c.hTooBig:
		c.resetLocked(st, http2.ErrCodeProtocol, fmt.Errorf("response headers over %d bytes", maxHeaderList))
		return nil
	case c.hBad || c.hStatus == 0:
		c.resetLocked(st, http2.ErrCodeProtocol, errors.New("the response has no valid :status"))
		return nil
	case c.hInterim:
		// 1xx: the final headers are still to come.
		if c.hEnd {
			c.resetLocked(st, http2.ErrCodeProtocol, errors.New("the stream ended after a 1xx response"))
		} else if st.resp.Header != nil {
			clear(st.resp.Header)
		}
		st.resp.ApnsID, st.resp.ApnsUniqueID = "", ""
		return nil
	}
	st.final = true
	st.resp.Status = c.hStatus
	if c.hEnd {
		c.completeLocked(st)
	}
	return nil
}

// onField takes one decoded response header field.
func (c *Conn) onField(f hpack.HeaderField) {
	c.hBytes += int(f.Size())
	if c.hBytes > maxHeaderList {
		c.hTooBig = true
		return
	}
	st := c.hst
	if st == nil {
		return
	}
	switch f.Name {
	case ":status":
		n, err := strconv.Atoi(f.Value)
		if err != nil || n < 100 || n > 999 || len(f.Value) != 3 {
			c.hBad = true
			return
		}
		c.hStatus, c.hInterim = n, n < 200
	case "apns-id":
		st.resp.ApnsID = f.Value
	case "apns-unique-id":
		st.resp.ApnsUniqueID = f.Value
	}
	if c.hWant {
		if v, ok := st.resp.Header[f.Name]; ok {
			st.resp.Header[f.Name] = v + ", " + f.Value
		} else {
			st.resp.Header[f.Name] = f.Value
		}
	}
}

// completeLocked ends a stream whose response has ended; a body still
// being sent is abandoned with a reset.
func (c *Conn) completeLocked(st *stream) {
	if st.sent < len(st.req.Body) {
		id := st.id
		c.finishLocked(st, nil)
		c.resetAsync(id, http2.ErrCodeCancel)
		return
	}
	c.finishLocked(st, nil)
	c.afterCloseLocked()
}

// afterCloseLocked schedules what a freed stream allows: queued requests,
// or the close of a connection that takes no new ones.
func (c *Conn) afterCloseLocked() {
	if c.canPumpLocked() {
		c.needPump = true
	}
	if c.idleDoneLocked() {
		c.needClose = true
	}
}

// resetLocked fails st with err and resets it with code.
func (c *Conn) resetLocked(st *stream, code http2.ErrCode, err error) {
	id := st.id
	c.finishLocked(st, err)
	c.resetAsync(id, code)
}

// resetAsync queues an RST_STREAM to write once mu is released.
func (c *Conn) resetAsync(id uint32, code http2.ErrCode) {
	c.resets = append(c.resets, reset{id, code})
	c.afterCloseLocked()
}

type reset struct {
	id   uint32
	code http2.ErrCode
}

// resetStream resets a stream the Framer found broken.
func (c *Conn) resetStream(id uint32, code http2.ErrCode) {
	c.mu.Lock()
	if st := c.streams[id]; st != nil {
		c.resetLocked(st, code, &StreamError{StreamID: id, Code: code})
	} else {
		c.resetAsync(id, code)
	}
	c.mu.Unlock()
	c.afterFrame()
}

func (c *Conn) onData(f *http2.DataFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.recvUnacked += int(f.Length)
	if c.recvUnacked >= connRecvWindow/4 {
		c.windowUpdate = uint32(c.recvUnacked)
		c.recvUnacked = 0
	}
	st := c.streams[f.StreamID]
	if st == nil {
		if f.StreamID >= c.nextID {
			return c.fail(http2.ErrCodeProtocol, "DATA on idle stream %d", f.StreamID)
		}
		return nil // a stream the caller left, or reset
	}
	if !st.final {
		c.resetLocked(st, http2.ErrCodeProtocol, errors.New("response DATA before its headers"))
		return nil
	}
	data := f.Data()
	if room := MaxBody - len(st.resp.Body); len(data) > room {
		st.resp.Body = append(st.resp.Body, data[:room]...)
		if f.StreamEnded() {
			c.completeLocked(st)
		} else {
			c.resetLocked(st, http2.ErrCodeCancel, nil) // kept what a result shows
		}
		return nil
	}
	st.resp.Body = append(st.resp.Body, data...)
	if f.StreamEnded() {
		c.completeLocked(st)
	}
	return nil
}

func (c *Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	c.mu.Lock()
	first := !c.settingsKnown
	c.settingsKnown = true
	grew, widened := false, false
	sawMax := false
	err := f.ForeachSetting(func(s http2.Setting) error {
		switch s.ID {
		case http2.SettingMaxConcurrentStreams:
			sawMax = true
			grew = s.Val > c.maxStreams
			c.maxStreams = s.Val
		case http2.SettingInitialWindowSize:
			if s.Val > maxWindow {
				return &connError{http2.ErrCodeFlowControl, "INITIAL_WINDOW_SIZE over 2^31-1"}
			}
			delta := int64(s.Val) - c.peerInitWin
			c.peerInitWin = int64(s.Val)
			for _, st := range c.streams {
				st.win += delta
			}
			widened = delta > 0
		case http2.SettingMaxFrameSize:
			if s.Val < 16384 || s.Val > 1<<24-1 {
				return &connError{http2.ErrCodeProtocol, "MAX_FRAME_SIZE out of range"}
			}
			c.peerMaxFrame = int(s.Val)
		}
		// HEADER_TABLE_SIZE needs nothing: requests never use the
		// dynamic table (Request.Header).
		return nil
	})
	if first && !sawMax {
		grew = c.maxStreams < defaultMaxStreams
		c.maxStreams = defaultMaxStreams
	}
	if grew && c.canPumpLocked() {
		c.needPump = true
	}
	if widened && len(c.blocked) > 0 {
		c.needFlush = true
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.wmu.Lock()
	err = c.fw.WriteSettingsAck()
	c.wmu.Unlock()
	return err
}

func (c *Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.StreamID == 0 {
		if c.sendWin+int64(f.Increment) > maxWindow {
			return c.fail(http2.ErrCodeFlowControl, "connection window over 2^31-1")
		}
		c.sendWin += int64(f.Increment)
	} else if st := c.streams[f.StreamID]; st != nil {
		if st.win+int64(f.Increment) > maxWindow {
			c.resetLocked(st, http2.ErrCodeFlowControl, &StreamError{StreamID: st.id, Code: http2.ErrCodeFlowControl})
			return nil
		}
		st.win += int64(f.Increment)
	}
	if len(c.blocked) > 0 {
		c.needFlush = true
	}
	return nil
}

// onGoAway stops new requests: those beyond the last stream the server
// will process fail as not processed (the engine sends them again), those
// at or below it finish, and the connection closes after the last.
func (c *Conn) onGoAway(f *http2.GoAwayFrame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := &GoAwayError{LastStreamID: f.LastStreamID, ErrCode: f.ErrCode, DebugData: string(f.DebugData())}
	if c.goAway != nil {
		g.LastStreamID = min(g.LastStreamID, c.goAway.LastStreamID)
		if g.DebugData == "" {
			g.DebugData = c.goAway.DebugData
		}
	}
	c.goAway = g
	for id, st := range c.streams {
		if id > g.LastStreamID {
			c.finishLocked(st, &NotProcessedError{Err: g})
		}
	}
	for len(c.queue) > 0 {
		c.finishLocked(c.queue[0], &NotProcessedError{Err: g})
	}
	c.afterCloseLocked()
}

func (c *Conn) onReset(id uint32, code http2.ErrCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.streams[id]
	if st == nil {
		return
	}
	var err error = &StreamError{StreamID: id, Code: code}
	switch {
	case code == http2.ErrCodeRefusedStream:
		err = &NotProcessedError{Err: err}
	case code == http2.ErrCodeNo && st.final:
		err = nil // the answer came; the server needs no more of the body
	}
	c.finishLocked(st, err)
	c.afterCloseLocked()
}
