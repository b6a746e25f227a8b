package session

import (
	"context"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
)

// BenchmarkSendRecording measures issue 14's "send throughput with
// recording on: within 5% of recording off". Each iteration sends the same
// 5,000 pushes twice through one push.Client to apnstest (in this process,
// loopback TLS + HTTP/2, token auth), the way `pushdeck send` does
// (Client.Stream, every result through a Recorder): once recording into a
// store in a temporary folder (group commits, fsync each), once with no
// store (results handed on at once). The two alternate, and swap order
// every iteration, so a noisy machine's swings land on both. It reports
// each's pushes/s and on/off, the throughput ratio (1 = recording costs
// nothing). "loopback" answers at once, so the send is CPU-bound and the
// recorder's CPU competes with client and server for the two cores;
// "latency20ms" delays every answer by 20 ms, about a real round trip to
// APNs.
//
//	go test -run '^$' -bench SendRecording -benchtime 10x ./session/
func BenchmarkSendRecording(b *testing.B) {
	b.Run("loopback", func(b *testing.B) { benchSendRecording(b, 0) })
	b.Run("latency20ms", func(b *testing.B) { benchSendRecording(b, 20*time.Millisecond) })
}

func benchSendRecording(b *testing.B, latency time.Duration) {
	const (
		n     = 5_000
		topic = "com.example.pushdeck"
		team  = "ABCDE12345"
		keyID = "54321EDCBA"
	)
	key, err := certgen.TokenKey()
	if err != nil {
		b.Fatal(err)
	}
	srv, err := apnstest.Start(apnstest.Config{Environment: certs.Development, Faults: apnstest.Faults{Latency: latency},
		AuthKeys: []apnstest.AuthKey{{KeyID: keyID, TeamID: team, Public: &key.PublicKey}}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client, err := push.NewClient(push.Config{
		Credential:  &certs.Credential{Kind: certs.AuthToken, Format: certs.FormatP8, Signer: key, KeyID: keyID, TeamID: team},
		Environment: certs.Development, Host: srv.URL(), ServerCA: srv.CAPEM(), Topic: topic,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	store, err := profiles.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()

	body := []byte(`{"aps":{"alert":"hello"}}`)
	h := payload.Headers{PushType: payload.Alert, Priority: 10}
	jobs := func(count int) iter.Seq[push.Job] {
		return func(yield func(push.Job) bool) {
			for i := range count {
				if !yield(push.Job{Token: fmt.Sprintf("%064x", i+1), Label: fmt.Sprintf("phone-%d", i), Payload: body, Headers: h}) {
					return
				}
			}
		}
	}
	sends := 0
	// send does one send of count pushes and returns how long it took.
	send := func(count int, st *profiles.Store) time.Duration {
		sends++
		var shown atomic.Int64
		warn := func(msg string) {
			if st != nil {
				b.Errorf("recording: %s", msg)
			}
		}
		start := time.Now()
		rec := NewRecorder(st, NewSend(fmt.Sprintf("bench-%d", sends), "bench", certs.Development, h, body, count),
			warn, func(r push.Result) {
				if !r.OK() {
					b.Errorf("push %d: %d %s %v", r.Index, r.Status, r.Reason, r.Err)
				}
				shown.Add(1)
			})
		for r := range client.Stream(context.Background(), jobs(count), push.BatchOptions{OmitExchanges: true}) {
			rec.Add(r)
		}
		rec.Close()
		d := time.Since(start)
		if shown.Load() != int64(count) || rec.NotRecorded() != 0 {
			b.Fatalf("%d of %d results shown, %d not recorded", shown.Load(), count, rec.NotRecorded())
		}
		return d
	}
	// Warm up: connections, the server's first streams, the database's
	// first pages.
	send(1_000, nil)
	send(1_000, store)

	var off, on time.Duration
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			off += send(n, nil)
			on += send(n, store)
		} else {
			on += send(n, store)
			off += send(n, nil)
		}
		i++
	}
	recorded, err := store.HistoryCount(profiles.HistoryFilter{})
	if err != nil || recorded != 1_000+i*n {
		b.Fatalf("history holds %d entries (%v), want %d", recorded, err, 1_000+i*n)
	}
	b.ReportMetric(float64(i*n)/off.Seconds(), "off-pushes/s")
	b.ReportMetric(float64(i*n)/on.Seconds(), "on-pushes/s")
	b.ReportMetric(off.Seconds()/on.Seconds(), "on/off")
}
