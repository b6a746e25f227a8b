package main

import (
	"bufio"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// serveEnv, set to "1", makes the bench binary (or the test binary) run the
// APNs server instead of the benchmark. The server lives in its own process
// so that the client's CPU seconds and peak memory are the client's alone,
// and the server's can be read separately.
const serveEnv = "PUSHDECK_BENCH_SERVE"

// serveConfig is what the parent sends the server process, as one JSON line.
// It carries only public material: the client CA certificate and the token
// key's public half.
type serveConfig struct {
	Latency     time.Duration `json:"latency"`
	MaxStreams  uint32        `json:"max_streams"`
	ClientCAPEM []byte        `json:"client_ca_pem"`
	KeyID       string        `json:"key_id"`
	TeamID      string        `json:"team_id"`
	TokenPubDER []byte        `json:"token_pub_der"`
}

// serveHello is the server process's first line: where it listens.
type serveHello struct {
	URL   string `json:"url"`
	CAPEM []byte `json:"ca_pem"`
	Error string `json:"error,omitempty"`
}

// serveStats answers a "stats" line: the server's counters and the server
// process's own resource use so far.
type serveStats struct {
	Counters apnstest.Counters `json:"counters"`
	// FirstPushUnixNano is when the first push since the last "mark" line
	// was accepted (0: none yet): the end of a client's time to first push.
	FirstPushUnixNano int64   `json:"first_push_unix_nano"`
	CPU               float64 `json:"cpu_s"`
	MaxRSSKB          int64   `json:"max_rss_kb"`
}

// serveMain runs in the server process: it reads a serveConfig, starts an
// apnstest server, says where it listens, then answers "stats" lines until
// its standard input closes.
func serveMain(in io.Reader, out io.Writer) int {
	r := bufio.NewReader(in)
	enc := json.NewEncoder(out)
	line, err := r.ReadBytes('\n')
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench server: reading the config: %v\n", err)
		return 1
	}
	var cfg serveConfig
	if err := json.Unmarshal(line, &cfg); err != nil {
		_ = enc.Encode(serveHello{Error: "bad config: " + err.Error()})
		return 1
	}
	var first atomic.Int64
	srv, err := startAPNs(cfg, func() { first.CompareAndSwap(0, time.Now().UnixNano()) })
	if err != nil {
		_ = enc.Encode(serveHello{Error: err.Error()})
		return 1
	}
	defer srv.Close()
	if err := enc.Encode(serveHello{URL: srv.URL(), CAPEM: srv.CAPEM()}); err != nil {
		return 1
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return 0 // the parent closed our stdin: stop
		}
		switch strings.TrimSpace(line) {
		case "stats":
			cpu, rss := selfUsage()
			if err := enc.Encode(serveStats{Counters: srv.Counters(), CPU: cpu, MaxRSSKB: rss, FirstPushUnixNano: first.Load()}); err != nil {
				return 1
			}
		case "mark":
			first.Store(0)
			if err := enc.Encode(serveStats{}); err != nil {
				return 1
			}
		case "quit":
			return 0
		}
	}
}

func startAPNs(cfg serveConfig, onPush func()) (*apnstest.Server, error) {
	c := apnstest.Config{
		Environment: certs.Development,
		MaxStreams:  cfg.MaxStreams,
		Faults:      apnstest.Faults{Latency: cfg.Latency},
		OnPush:      func(apnstest.Push) { onPush() },
	}
	if len(cfg.ClientCAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.ClientCAPEM) {
			return nil, errors.New("the client CA PEM holds no certificate")
		}
		c.ClientCAs = pool
	}
	if len(cfg.TokenPubDER) > 0 {
		pub, err := parseECPublic(cfg.TokenPubDER)
		if err != nil {
			return nil, err
		}
		c.AuthKeys = []apnstest.AuthKey{{KeyID: cfg.KeyID, TeamID: cfg.TeamID, Public: pub}}
	}
	return apnstest.Start(c)
}

// serverProc is the parent's handle on a server process.
type serverProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	URL   string
	CAPEM []byte
}

// startServer starts the server process (this same executable with serveEnv
// set) and waits until it listens.
func startServer(cfg serveConfig) (*serverProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find this executable to start the server process: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := startCmd(cmd, true); err != nil {
		return nil, fmt.Errorf("starting the server process: %w", err)
	}
	s := &serverProc{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	b, _ := json.Marshal(cfg)
	if _, err := fmt.Fprintf(in, "%s\n", b); err != nil {
		s.close()
		return nil, fmt.Errorf("talking to the server process: %w", err)
	}
	var hello serveHello
	if err := s.read(&hello); err != nil {
		s.close()
		return nil, err
	}
	if hello.Error != "" {
		s.close()
		return nil, fmt.Errorf("the server process could not start: %s", hello.Error)
	}
	s.URL, s.CAPEM = hello.URL, hello.CAPEM
	return s, nil
}

func (s *serverProc) read(v any) error {
	line, err := s.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("the server process stopped answering: %w", err)
	}
	return json.Unmarshal(line, v)
}

// stats asks the server process for its counters and resource use.
func (s *serverProc) stats() (serveStats, error) {
	var st serveStats
	if _, err := io.WriteString(s.in, "stats\n"); err != nil {
		return st, fmt.Errorf("the server process is gone: %w", err)
	}
	return st, s.read(&st)
}

// quiesce waits (up to 5 s) until the server has handled no new request
// for 3 reads 20 ms apart: a client stopped with Ctrl+C leaves requests
// in the server's hands, and one handled after the next mark would be
// taken for the next client's first push.
func (s *serverProc) quiesce() error {
	last, still := int64(-1), 0
	for deadline := time.Now().Add(5 * time.Second); still < 3 && time.Now().Before(deadline); {
		st, err := s.stats()
		if err != nil {
			return err
		}
		if st.Counters.Requests == last {
			still++
		} else {
			last, still = st.Counters.Requests, 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// mark starts a new time-to-first-push measurement, once the server has
// finished the previous client's requests.
func (s *serverProc) mark() error {
	if err := s.quiesce(); err != nil {
		return err
	}
	if _, err := io.WriteString(s.in, "mark\n"); err != nil {
		return fmt.Errorf("the server process is gone: %w", err)
	}
	var st serveStats
	return s.read(&st)
}

// close stops the server process and waits for it.
func (s *serverProc) close() error {
	s.in.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("the server process did not stop within 10s; killed")
	}
}
