package cli

import (
	"bufio"
	"io"
	"time"

	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// Output and recording of a send run off the engine's result loop: the
// loop only counts and hands each result to the pipe, so a slow disk
// (history's fsync) or a slow terminal never holds up the workers. The
// pipe's goroutine gathers results into groups, commits each group to
// history and the device book (one write and one fsync per group), and
// only then prints the group: a printed result is a recorded result. Output
// is buffered and flushed at least every flushEvery and when the pipe
// closes.
type resultPipe struct {
	in   chan push.Result
	done chan struct{}
	rec  *session.Recorder
	out  *resultWriter
	bw   *bufio.Writer
}

const (
	// flushEvery bounds how long a result waits to be recorded and printed.
	flushEvery = 100 * time.Millisecond
	// pipeGroup is the most results committed at once.
	pipeGroup = 512
	// pipeQueue is the results that can wait for the pipe before the result
	// loop (and so the engine) waits: a bound, not a drop.
	pipeQueue = 1024
)

// newResultPipe starts the pipe's goroutine; w is the command's stdout.
func newResultPipe(w io.Writer, rec *session.Recorder, newWriter func(io.Writer) *resultWriter) *resultPipe {
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &resultPipe{in: make(chan push.Result, pipeQueue), done: make(chan struct{}), rec: rec, bw: bw, out: newWriter(bw)}
	go p.run()
	return p
}

// add queues a result; it blocks only when pipeQueue results wait.
func (p *resultPipe) add(r push.Result) { p.in <- r }

// close commits and prints what is queued, flushes the output and waits.
func (p *resultPipe) close() {
	close(p.in)
	<-p.done
}

func (p *resultPipe) run() {
	defer close(p.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	group := make([]push.Result, 0, pipeGroup)
	commit := func() {
		if len(group) > 0 {
			for _, r := range group {
				p.rec.Add(r)
			}
			p.rec.Flush()
			for _, r := range group {
				p.out.write(r)
			}
			clear(group) // drop the results' maps for the GC
			group = group[:0]
		}
		p.bw.Flush()
	}
	for {
		select {
		case r, ok := <-p.in:
			if !ok {
				commit()
				return
			}
			group = append(group, r)
			if len(group) == pipeGroup {
				commit()
			}
		case <-t.C:
			commit()
		}
	}
}

// summary prints the summary line after close and flushes it.
func (p *resultPipe) summary(s summary) {
	p.out.summary(s)
	p.bw.Flush()
}
