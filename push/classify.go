package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/pushdeck/pushdeck/push/internal/h2conn"
	"golang.org/x/net/http2"
)

// classify names a transport failure: ctx is the caller's context, actx the
// attempt's (with the per-request timeout; the device push path passes
// ctx, its timeouts come as h2conn.ErrTimeout). Errors of x/net's
// transport (the channel API) and of push/internal/h2conn (device pushes)
// are both understood.
func classify(ctx, actx context.Context, err error) Class {
	if ctx.Err() != nil || errors.Is(err, errPoolClosed) {
		return ClassCancelled
	}
	var dnsErr *net.DNSError
	var goAway http2.GoAwayError
	var h2GoAway *h2conn.GoAwayError
	var tErr *tlsError
	var verr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &goAway), errors.As(err, &h2GoAway):
		return ClassGoAway
	case errors.As(err, &dnsErr):
		return ClassDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.As(err, &tErr), isTLSAlert(err), errors.As(err, &verr),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &recErr):
		return ClassTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, h2conn.ErrTimeout), actx.Err() != nil:
		return ClassTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return ClassTimeout
	case strings.Contains(err.Error(), "GOAWAY"):
		return ClassGoAway
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return ClassConnectionReset
	}
	// Anything else lost the connection before a response came ("http2:
	// client connection lost", a stream reset).
	return ClassConnectionReset
}

// describeGoAway gives a GOAWAY's code and Apple's reason from its debug
// data ({"reason":"Shutdown"}), if the error carries them.
func describeGoAway(err error) (desc, reason string) {
	var g http2.GoAwayError
	if h := (*h2conn.GoAwayError)(nil); errors.As(err, &h) {
		g = http2.GoAwayError{LastStreamID: h.LastStreamID, ErrCode: h.ErrCode, DebugData: h.DebugData}
	} else if !errors.As(err, &g) {
		return "the server sent GOAWAY", ""
	}
	desc = fmt.Sprintf("the server sent GOAWAY (%v)", g.ErrCode)
	var body apnsBody
	if g.DebugData != "" {
		if json.Unmarshal([]byte(g.DebugData), &body) == nil && body.Reason != "" {
			return desc + ": " + body.Reason, body.Reason
		}
		return desc + ": " + g.DebugData, ""
	}
	return desc, ""
}

// isTLSAlert reports whether the peer ended TLS with an alert (a refused
// client certificate shows up so, in TLS 1.3 on the first read after the
// handshake). Go wraps the unexported alert in a net.OpError "remote error".
func isTLSAlert(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	var alert tls.AlertError
	return errors.As(err, &alert)
}
