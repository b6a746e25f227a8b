package push

import (
	"context"
	"testing"

	"github.com/pushdeck/pushdeck/push/apnstest"
)

// BenchmarkBatch measures the engine alone (in-process server, so server
// CPU is in the figures too): pushes per second over loopback TLS + HTTP/2
// to apnstest with the default window (the server's limit), and
// allocations per push. 1conn-uncoalesced is 1conn with every flush of
// x/net's its own write (push/internal/coalesce off).
func BenchmarkBatch(b *testing.B) {
	for _, tc := range []struct {
		name     string
		conns    int
		coalesce bool
	}{{"1conn", 1, true}, {"4conns", 4, true}, {"1conn-uncoalesced", 1, false}} {
		conns := tc.conns
		b.Run(tc.name, func(b *testing.B) {
			defer func(old bool) { coalesceWrites = old }(coalesceWrites)
			coalesceWrites = tc.coalesce
			s := startServer(b, apnstest.Config{})
			c := newTestClient(b, s, certCred(fixture.dev), func(c *Config) { c.Connections = conns })
			js := jobs(1000)
			b.ResetTimer()
			b.ReportAllocs()
			for range b.N {
				for r := range c.Batch(context.Background(), js, BatchOptions{}) {
					if !r.OK() {
						b.Fatalf("%d %s %v", r.Status, r.Reason, r.Err)
					}
				}
			}
			b.ReportMetric(float64(b.N*len(js))/b.Elapsed().Seconds(), "pushes/s")
		})
	}
}
