package push

import (
	"context"
	"sync"
	"sync/atomic"
)

// batch runs jobs on min(Concurrency, len(jobs)) workers that take the next
// index from a shared counter. The engine holds no per-job state beyond the
// caller's slice and the results channel (buffered to the worker count), so
// memory does not grow with the number of jobs. A worker blocks on the
// channel until the caller reads: results are never dropped.
func (c *Client) batch(ctx context.Context, jobs []Job, opts BatchOptions) <-chan Result {
	workers := opts.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	workers = min(workers, len(jobs))
	out := make(chan Result, max(workers, 1))
	if len(jobs) == 0 {
		close(out)
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				out <- c.run(ctx, i, jobs[i], opts)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}
