package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sideshow/apns2/token"
)

// h2loadStreams is the streams h2load keeps in flight on its one connection.
const h2loadStreams = 100

// h2loadRunner drives Debian's h2load (package nghttp2-client) against the
// server in token-auth mode: one provider token is signed up front and sent
// as a fixed header, so h2load does no client-certificate or signing work
// and its rate is what the server can answer.
type h2loadRunner struct {
	path    string
	dir     string
	jwt     string
	streams int // in flight on its one connection
}

func newH2load(path, dir string, cr *creds) (*h2loadRunner, error) {
	t := &token.Token{AuthKey: cr.tokenKey, KeyID: benchKeyID, TeamID: benchTeamID}
	jwt := t.GenerateIfExpired()
	if jwt == "" {
		return nil, fmt.Errorf("cannot sign the provider token for h2load")
	}
	return &h2loadRunner{path: path, dir: dir, jwt: jwt, streams: h2loadStreams}, nil
}

// prepare writes the payload and the list of per-device URIs h2load cycles
// through (distinct tokens, as the clients send).
func (h *h2loadRunner) prepare(srv *serverProc, tokens []string, body []byte, tag string) (uris, data string, err error) {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString(srv.URL + "/3/device/" + t + "\n")
	}
	uris = filepath.Join(h.dir, "uris-"+tag+".txt")
	data = filepath.Join(h.dir, "payload-"+tag+".json")
	if err = os.WriteFile(uris, []byte(b.String()), 0o600); err != nil {
		return "", "", err
	}
	return uris, data, os.WriteFile(data, body, 0o600)
}

var (
	reFinished = regexp.MustCompile(`finished in ([0-9.]+)(ms|s|us), ([0-9.]+) req/s`)
	reStatus   = regexp.MustCompile(`status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`)
	reRequests = regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
)

// run runs h2load once over n requests and reads its figures.
func (h *h2loadRunner) run(srv *serverProc, n int, uris, data string) (sample, error) {
	logPath := filepath.Join(h.dir, "h2load.log")
	os.Remove(logPath)
	cmd := exec.Command(h.path,
		"-n", strconv.Itoa(n), "-c", "1", "-m", strconv.Itoa(h.streams),
		"-i", uris, "-d", data,
		"-H", "authorization: bearer "+h.jwt,
		"-H", "apns-topic: "+benchTopic,
		"-H", "apns-push-type: alert",
		"-H", "content-type: application/json",
		"--log-file", logPath,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	st0, err := srv.stats()
	if err != nil {
		return sample{}, err
	}
	u, err := measureProc(cmd, nil)
	if err != nil {
		return sample{}, fmt.Errorf("h2load failed: %v\n%s", err, lastLines(out.String(), 15))
	}
	st1, err := srv.stats()
	if err != nil {
		return sample{}, err
	}
	s, err := parseH2load(out.String())
	if err != nil {
		return sample{}, err
	}
	s.Devices = n
	s.CPU = u.cpuS
	s.HWMMB = u.peakMB()
	s.ServerCPU = st1.CPU - st0.CPU
	s.Connections = st1.Counters.Connections - st0.Counters.Connections
	s.ClientConnections = -1
	lat, err := readH2loadLog(logPath)
	if err != nil {
		return sample{}, err
	}
	s.P50MS, s.P99MS = percentiles(lat)
	return s, nil
}

// parseH2load reads h2load's summary: its rate, and how many requests got a
// 2xx.
func parseH2load(out string) (sample, error) {
	var s sample
	m := reFinished.FindStringSubmatch(out)
	if m == nil {
		return s, fmt.Errorf("h2load printed no \"finished in ... req/s\" line:\n%s", lastLines(out, 15))
	}
	d, _ := strconv.ParseFloat(m[1], 64)
	switch m[2] {
	case "ms":
		d /= 1e3
	case "us":
		d /= 1e6
	}
	s.Seconds = d
	s.PerSecond, _ = strconv.ParseFloat(m[3], 64)
	st := reStatus.FindStringSubmatch(out)
	rq := reRequests.FindStringSubmatch(out)
	if st == nil || rq == nil {
		return s, fmt.Errorf("h2load printed no status or request counts:\n%s", lastLines(out, 15))
	}
	s.OK, _ = strconv.Atoi(st[1])
	done, _ := strconv.Atoi(rq[3])
	s.Failed = done - s.OK
	if total, _ := strconv.Atoi(rq[1]); total > done {
		s.Failed += total - done // never finished: failed too
	}
	if s.Failed > 0 {
		s.FirstError = strings.TrimSpace(st[0] + "; " + rq[0])
	}
	return s, nil
}

// readH2loadLog reads the per-request latencies of --log-file (third column,
// microseconds).
func readH2loadLog(path string) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("h2load wrote no log: %w", err)
	}
	defer f.Close()
	var lat []time.Duration
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 {
			continue
		}
		us, err := strconv.ParseInt(strings.TrimSpace(cols[2]), 10, 64)
		if err != nil {
			continue
		}
		lat = append(lat, time.Duration(us)*time.Microsecond)
	}
	return lat, sc.Err()
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
