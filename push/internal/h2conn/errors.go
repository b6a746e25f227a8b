package h2conn

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2"
)

// ErrTimeout fails a request whose deadline (Request.Deadline) passed
// before its response ended, whether it was waiting for a stream or on the
// wire; a stream on the wire is reset (RST_STREAM CANCEL).
var ErrTimeout = errors.New("the request's deadline passed before the response")

// ErrClosed is why requests fail on a connection closed by Close.
var ErrClosed = errors.New("the connection was closed")

// errStreamIDs is why a connection whose stream IDs ran out takes no new
// requests.
var errStreamIDs = errors.New("the connection's stream IDs are used up")

// GoAwayError is the server's GOAWAY: the error of a request the server
// took (at or below LastStreamID) whose connection closed before the
// answer, and the cause of a NotProcessedError for one it did not take.
type GoAwayError struct {
	LastStreamID uint32
	ErrCode      http2.ErrCode
	DebugData    string // Apple sends {"reason":"Shutdown"}
}

func (e *GoAwayError) Error() string {
	s := fmt.Sprintf("the server sent GOAWAY (%v, last stream %d)", e.ErrCode, e.LastStreamID)
	if e.DebugData != "" {
		s += ": " + e.DebugData
	}
	return s
}

// StreamError is the server's RST_STREAM for a request (or a stream the
// client reset because the server broke the protocol on it).
type StreamError struct {
	StreamID uint32
	Code     http2.ErrCode
}

func (e *StreamError) Error() string {
	return fmt.Sprintf("the server reset stream %d (%v)", e.StreamID, e.Code)
}

// NotProcessedError says the server never processed the request (it never
// left, was refused with REFUSED_STREAM, or lay beyond a GOAWAY's last
// stream): sending it again, on this client or another connection, cannot
// deliver it twice.
type NotProcessedError struct{ Err error }

func (e *NotProcessedError) Error() string { return "not processed by the server: " + e.Err.Error() }
func (e *NotProcessedError) Unwrap() error { return e.Err }

// ConnError is a lost connection: the error of every request that was on
// the wire when it went.
type ConnError struct{ Err error }

func (e *ConnError) Error() string { return "HTTP/2 connection lost: " + e.Err.Error() }
func (e *ConnError) Unwrap() error { return e.Err }

// IsNotProcessed reports whether err says the server never processed the
// request.
func IsNotProcessed(err error) bool {
	var np *NotProcessedError
	return errors.As(err, &np)
}
