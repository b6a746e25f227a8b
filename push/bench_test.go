package push

import (
	"context"
	"testing"

	"github.com/pushdeck/pushdeck/push/apnstest"
)

// BenchmarkBatch measures the engine alone (in-process server, so server
// CPU is in the figures too): pushes per second over loopback TLS + HTTP/2
// to apnstest with the default window (the server's limit), and
// allocations per push.
func BenchmarkBatch(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(map[int]string{1: "1conn", 4: "4conns"}[conns], func(b *testing.B) {
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
