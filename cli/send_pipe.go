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
	in     chan push.Result
	done   chan struct{}
	newRec func() *session.Recorder
	rec    *session.Recorder // made by newRec before the first commit
	out    *resultWriter
	bw     *bufio.Writer
	closed bool
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
// newRec makes the recorder when the first group is committed (it may wait
// for the config folder to open), or in recorder.
func newResultPipe(w io.Writer, newRec func() *session.Recorder, newWriter func(io.Writer) *resultWriter) *resultPipe {
	bw := bufio.NewWriterSize(w, 64<<10)
	p := &resultPipe{in: make(chan push.Result, pipeQueue), done: make(chan struct{}), newRec: newRec, bw: bw, out: newWriter(bw)}
	go p.run()
	return p
}

// add queues a result; it blocks only when pipeQueue results wait.
func (p *resultPipe) add(r push.Result) { p.in <- r }

// close commits and prints what is queued, flushes the output and waits;
// a second call does nothing. Call it from the goroutine that calls add.
func (p *resultPipe) close() {
	if p.closed {
		return
	}
	p.closed = true
	close(p.in)
	<-p.done
}

// recorder is the pipe's recorder, made now if no group was committed;
// call it after close.
func (p *resultPipe) recorder() *session.Recorder {
	if p.rec == nil {
		p.rec = p.newRec()
	}
	return p.rec
}

func (p *resultPipe) run() {
	defer close(p.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	group := make([]push.Result, 0, pipeGroup)
	commit := func() {
		if len(group) > 0 {
			if p.rec == nil {
				p.rec = p.newRec()
			}
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
