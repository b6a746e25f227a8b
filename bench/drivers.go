package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sideshow/apns2"
	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
)

// outcome is what one pass over the devices ended with.
type outcome struct {
	ok, failed int
	firstErr   string
}

// driver sends the first n prepared notifications once, writing each one's
// latency into lat[i]. Its input is built before any measurement starts, so
// a run's memory figures show what sending costs, not what the device list
// costs.
type driver interface {
	run(ctx context.Context, n int, lat []time.Duration) outcome
	// connections is the client's own count of connections opened, or -1
	// when it keeps none.
	connections() int
	close()
}

// pushdeckDriver sends through push.Client.Batch with the settings `pushdeck
// send` uses by default: one connection, 64 in flight, 3 attempts, 30s
// timeout, push type alert.
type pushdeckDriver struct {
	client      *push.Client
	jobs        []push.Job
	concurrency int
}

func newPushdeckDriver(cr *creds, auth string, srv *serverProc, tokens []string, body []byte, concurrency, conns int) (*pushdeckDriver, error) {
	cred, err := cr.credential(auth)
	if err != nil {
		return nil, fmt.Errorf("loading the %s credential: %w", auth, err)
	}
	cfg := push.Config{
		Credential:  cred,
		Environment: certs.Development,
		Host:        srv.URL,
		ServerCA:    srv.CAPEM,
		Connections: conns,
		Timeout:     push.DefaultTimeout,
	}
	if auth == "token" {
		cfg.Topic = benchTopic // a .p8 names no app: `pushdeck send --topic`
	}
	client, err := push.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("push.NewClient: %w", err)
	}
	jobs := make([]push.Job, len(tokens))
	h := payload.Headers{PushType: payload.Alert}
	for i, t := range tokens {
		jobs[i] = push.Job{Token: t, Payload: body, Headers: h}
	}
	// `pushdeck send` checks the headers once before anything goes out.
	if err := client.Check(jobs[0]); err != nil {
		client.Close()
		return nil, fmt.Errorf("push.Client.Check: %w", err)
	}
	return &pushdeckDriver{client: client, jobs: jobs, concurrency: concurrency}, nil
}

func (d *pushdeckDriver) run(ctx context.Context, n int, lat []time.Duration) outcome {
	var o outcome
	results := d.client.Batch(ctx, d.jobs[:n], push.BatchOptions{
		Concurrency: d.concurrency,
		MaxAttempts: push.DefaultMaxAttempts,
	})
	for r := range results {
		if r.Index >= 0 && r.Index < len(lat) {
			lat[r.Index] = r.Latency
		}
		if r.OK() {
			o.ok++
			continue
		}
		o.failed++
		if o.firstErr == "" {
			o.firstErr = describeResult(r)
		}
	}
	return o
}

func describeResult(r push.Result) string {
	switch {
	case r.Err != nil:
		return fmt.Sprintf("%s: %v", r.Class, r.Err)
	case r.Reason != "":
		return fmt.Sprintf("%d %s", r.Status, r.Reason)
	}
	return fmt.Sprintf("status %d", r.Status)
}

func (d *pushdeckDriver) connections() int { return d.client.Connections() }
func (d *pushdeckDriver) close()           { d.client.Close() }

// libraryDriver is the library ceiling: apns2's Client.Push called from N
// goroutines that take the next notification from a shared counter, the
// same work split pushdeck's Batch uses.
type libraryDriver struct {
	client      *apns2.Client
	notes       []*apns2.Notification
	concurrency int
}

func newLibraryDriver(cr *creds, auth string, srv *serverProc, tokens []string, body []byte, concurrency int) (*libraryDriver, error) {
	var c *apns2.Client
	switch auth {
	case "cert":
		c = apns2.NewClient(cr.cert)
	case "token":
		c = apns2.NewTokenClient(&token.Token{AuthKey: cr.tokenKey, KeyID: benchKeyID, TeamID: benchTeamID})
	default:
		return nil, fmt.Errorf("auth %q: use cert or token", auth)
	}
	c.Host = srv.URL
	tr, ok := c.HTTPClient.Transport.(*http2.Transport)
	if !ok {
		return nil, errors.New("apns2's client no longer uses an *http2.Transport: cannot trust the local server's CA")
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CAPEM) {
		return nil, errors.New("the server's CA PEM holds no certificate")
	}
	tr.TLSClientConfig.RootCAs = pool
	notes := make([]*apns2.Notification, len(tokens))
	for i, t := range tokens {
		notes[i] = &apns2.Notification{DeviceToken: t, Topic: benchTopic, Payload: body, PushType: apns2.PushTypeAlert}
	}
	return &libraryDriver{client: c, notes: notes, concurrency: concurrency}, nil
}

func (d *libraryDriver) run(ctx context.Context, n int, lat []time.Duration) outcome {
	var (
		next       atomic.Int64
		ok, failed atomic.Int64
		errOnce    sync.Once
		firstErr   string
		wg         sync.WaitGroup
	)
	for range min(d.concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				start := time.Now()
				res, err := d.client.PushWithContext(ctx, d.notes[i])
				lat[i] = time.Since(start)
				if err == nil && res.StatusCode == 200 {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				errOnce.Do(func() {
					if err != nil {
						firstErr = err.Error()
					} else {
						firstErr = fmt.Sprintf("%d %s", res.StatusCode, res.Reason)
					}
				})
			}
		}()
	}
	wg.Wait()
	return outcome{ok: int(ok.Load()), failed: int(failed.Load()), firstErr: firstErr}
}

func (d *libraryDriver) connections() int { return -1 }

func (d *libraryDriver) close() {
	if tr, ok := d.client.HTTPClient.Transport.(*http2.Transport); ok {
		tr.CloseIdleConnections()
	}
}
