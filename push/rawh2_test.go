package push

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawServer is a small HTTP/2 server over TLS written on x/net's Framer,
// for what apnstest (x/net's server) cannot be made to do: GOAWAY with
// Apple's debug data, REFUSED_STREAM, response headers spread over
// CONTINUATION frames, a stream limit checked against the client. Each
// connection runs handle for every complete request on its read goroutine.
type rawServer struct {
	ln     net.Listener
	handle func(rc *rawConn, req rawRequest)
	// settings are the server's SETTINGS at the start of each connection.
	settings []http2.Setting
	// onConn, if set, sees each connection before its first frame.
	onConn func(rc *rawConn)
	// ignorePings leaves the client's PINGs unanswered; pings counts them.
	ignorePings atomic.Bool
	pings       atomic.Int64

	mu    sync.Mutex
	conns []*rawConn
	wg    sync.WaitGroup
}

type rawRequest struct {
	id     uint32
	header map[string]string
	body   []byte
}

// rawConn is one server connection.
type rawConn struct {
	nc   net.Conn
	n    int // the connection's number, from 1
	wmu  sync.Mutex
	fw   *http2.Framer
	enc  *hpack.Encoder
	ebuf bytes.Buffer
	reqs int // requests completed on this connection (the read goroutine's)
	// open is the streams whose request arrived, not yet answered (under wmu).
	open   map[uint32]bool
	bodies map[uint32]*rawRequest
	// onAck, if set, runs when the client acknowledges a SETTINGS.
	onAck func()
	// onHeaders, if set, sees every request's HEADERS as they arrive.
	onHeaders func(id uint32)
	// goAway is the error code of the client's GOAWAY, once one came.
	goAway atomic.Pointer[http2.ErrCode]
}

func startRaw(t *testing.T, settings []http2.Setting, handle func(rc *rawConn, req rawRequest)) *rawServer {
	return startRawConn(t, settings, nil, handle)
}

func startRawConn(t *testing.T, settings []http2.Setting, onConn func(rc *rawConn), handle func(rc *rawConn, req rawRequest)) *rawServer {
	t.Helper()
	setup(t)
	cert, err := fixture.ca.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, handle: handle, settings: settings, onConn: onConn}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

// client is a push client for the raw server (certificate auth, whose
// certificate the server does not ask for).
func (s *rawServer) client(t *testing.T, mod func(*Config)) *Client {
	t.Helper()
	return clientFor(t, Config{Credential: certCred(fixture.dev), Host: "https://" + s.ln.Addr().String(), ServerCA: fixture.ca.CertPEM()}, mod)
}

func (s *rawServer) accept() {
	defer s.wg.Done()
	for n := 1; ; n++ {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		rc := &rawConn{nc: nc, n: n, open: map[uint32]bool{}, bodies: map[uint32]*rawRequest{}}
		rc.fw = http2.NewFramer(nc, nil)
		rc.enc = hpack.NewEncoder(&rc.ebuf)
		s.mu.Lock()
		s.conns = append(s.conns, rc)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.serve(rc) }()
	}
}

func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, rc := range s.conns {
		rc.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *rawServer) serve(rc *rawConn) {
	defer rc.nc.Close()
	if s.onConn != nil {
		s.onConn(rc)
	}
	// SETTINGS first, as servers do: a client that presented a
	// certificate over TLS 1.3 waits for the server's first bytes.
	rc.wmu.Lock()
	rc.fw.WriteSettings(s.settings...)
	rc.wmu.Unlock()
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(rc.nc, preface); err != nil || string(preface) != http2.ClientPreface {
		return
	}
	fr := http2.NewFramer(nil, rc.nc)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				if rc.onAck != nil {
					rc.onAck()
				}
				continue
			}
			rc.wmu.Lock()
			rc.fw.WriteSettingsAck()
			rc.wmu.Unlock()
		case *http2.PingFrame:
			if !f.IsAck() {
				s.pings.Add(1)
			}
			if !f.IsAck() && !s.ignorePings.Load() {
				rc.wmu.Lock()
				rc.fw.WritePing(true, f.Data)
				rc.wmu.Unlock()
			}
		case *http2.MetaHeadersFrame:
			if rc.onHeaders != nil {
				rc.onHeaders(f.StreamID)
			}
			req := &rawRequest{id: f.StreamID, header: map[string]string{}}
			for _, hf := range f.Fields {
				req.header[hf.Name] = hf.Value
			}
			rc.wmu.Lock()
			rc.open[f.StreamID] = true
			rc.wmu.Unlock()
			rc.bodies[f.StreamID] = req
			if f.StreamEnded() {
				s.complete(rc, req)
			}
		case *http2.DataFrame:
			req := rc.bodies[f.StreamID]
			if n := len(f.Data()); n > 0 {
				rc.wmu.Lock()
				rc.fw.WriteWindowUpdate(0, uint32(n))
				rc.fw.WriteWindowUpdate(f.StreamID, uint32(n))
				rc.wmu.Unlock()
			}
			if req == nil {
				continue
			}
			req.body = append(req.body, f.Data()...)
			if f.StreamEnded() {
				s.complete(rc, req)
			}
		case *http2.GoAwayFrame:
			code := f.ErrCode
			rc.goAway.Store(&code)
		case *http2.RSTStreamFrame:
			rc.wmu.Lock()
			delete(rc.open, f.StreamID)
			rc.wmu.Unlock()
			delete(rc.bodies, f.StreamID)
		}
	}
}

func (s *rawServer) complete(rc *rawConn, req *rawRequest) {
	delete(rc.bodies, req.id)
	rc.reqs++
	s.handle(rc, *req)
}

// respond answers stream id with status, headers (in order) and body;
// the header block is cut into frames of at most frag bytes (HEADERS then
// CONTINUATIONs).
func (rc *rawConn) respond(id uint32, status int, headers [][2]string, body []byte, frag int) {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	delete(rc.open, id)
	rc.ebuf.Reset()
	rc.enc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	for _, h := range headers {
		rc.enc.WriteField(hpack.HeaderField{Name: h[0], Value: h[1]})
	}
	block := rc.ebuf.Bytes()
	if frag <= 0 {
		frag = 16384
	}
	first := block[:min(frag, len(block))]
	rc.fw.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: len(body) == 0, EndHeaders: len(first) == len(block)})
	for rest := block[len(first):]; len(rest) > 0; {
		k := min(frag, len(rest))
		rc.fw.WriteContinuation(id, k == len(rest), rest[:k])
		rest = rest[k:]
	}
	if len(body) > 0 {
		rc.fw.WriteData(id, true, body)
	}
}

func (rc *rawConn) write(f func(fw *http2.Framer)) {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	f(rc.fw)
}
