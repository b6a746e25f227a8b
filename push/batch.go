package push

import (
	"context"
	"iter"
	"slices"
	"sync"
)

// stream runs the jobs of src as they come. One dispatcher goroutine pulls
// the next job only when the in-flight window has room, so the engine holds
// no per-job state beyond the jobs in flight (and the results channel): a
// source of a million tokens costs what a source of a thousand does, and the
// first push leaves as soon as the source yields its first job.
//
// Workers are started lazily, up to the window's current limit, and reused:
// a worker runs one job (all its attempts), delivers its result, then takes
// the next job the dispatcher hands over. A worker blocks on the results
// channel until the caller reads, so results are never dropped and the
// engine does not run ahead of a slow reader by more than the bound.
func (c *Client) stream(ctx context.Context, src iter.Seq[Job], opts BatchOptions) <-chan Result {
	bound := opts.Concurrency
	if bound <= 0 {
		bound = maxStreamsPerConn * c.pool.size()
	}
	w := newWindow(bound, c.pool)
	out := make(chan Result, min(bound, resultBuffer))
	go func() {
		d := dispatcher{c: c, ctx: ctx, opts: opts, win: w, out: out, bound: bound, work: make(chan task)}
		d.run(src)
		close(d.work)
		d.wg.Wait()
		close(out)
	}()
	return out
}

// maxStreamsPerConn bounds the default window per connection: the most
// streams APNs (and x/net's default) allows one connection, and what keeps
// a server that advertises no limit from costing a goroutine per job.
const maxStreamsPerConn = 1000

// resultBuffer caps the results channel's buffer.
const resultBuffer = 128

// task is one job handed to a worker, with the window slot for its first
// attempt already taken.
type task struct {
	index int
	job   Job
}

type dispatcher struct {
	c       *Client
	ctx     context.Context
	opts    BatchOptions
	win     *window
	out     chan<- Result
	bound   int
	work    chan task
	workers int
	wg      sync.WaitGroup
}

func (d *dispatcher) run(src iter.Seq[Job]) {
	i := 0
	for job := range src {
		index := i
		i++
		if job.Invalid != nil {
			d.out <- Result{Index: index, Token: job.Token, Label: job.Label, Err: job.Invalid, Class: ClassInvalid, Window: d.win.limit()}
			continue
		}
		if err := d.win.acquire(d.ctx); err != nil {
			// Cancelled: every job the source still yields gets its
			// result, without a slot and without a worker.
			d.out <- cancelled(Result{Index: index, Token: job.Token, Label: job.Label, Window: d.win.limit()}, d.ctx)
			continue
		}
		t := task{index: index, job: job}
		select {
		case d.work <- t:
			continue
		default:
		}
		// A new worker only while there are fewer than the window
		// allows: a worker busy handing its result to a slow reader has
		// released its slot, and starting another for each of those
		// would grow goroutines (and their stacks) towards the bound
		// instead of the window. The dispatcher waits for one instead.
		if d.workers < min(d.bound, d.win.limit()) {
			d.workers++
			d.wg.Add(1)
			go d.worker(t)
			continue
		}
		d.work <- t
	}
}

func (d *dispatcher) worker(t task) {
	defer d.wg.Done()
	for {
		r := d.c.run(d.ctx, t.index, t.job, d.opts, d.win)
		r.Window = d.win.limit()
		d.out <- r
		var ok bool
		if t, ok = <-d.work; !ok {
			return
		}
	}
}

// batch is stream over a slice.
func (c *Client) batch(ctx context.Context, jobs []Job, opts BatchOptions) <-chan Result {
	return c.stream(ctx, slices.Values(jobs), opts)
}

// FromChannel turns a channel of jobs into a source for Stream; the batch
// ends when the channel is closed.
func FromChannel(ch <-chan Job) iter.Seq[Job] {
	return func(yield func(Job) bool) {
		for j := range ch {
			if !yield(j) {
				return
			}
		}
	}
}
