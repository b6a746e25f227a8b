package cli

import (
	"bufio"
	"io"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// Output and recording of a send run off the engine's result loop: the
// loop only counts and hands each result to the pipe, so a slow disk
// (history's fsync) or a slow terminal never holds up the workers. The
// pipe's goroutine hands each result to the recorder, which commits them
// in groups (one write and one fsync per group) on its own goroutine and
// hands each result back once its group is committed; only then is it
// printed: a printed result is a recorded result. The next group gathers
// while one commits, and a recorder that is behind commits bigger groups;
// when it is too far behind (its queue is full) the pipe waits, then the
// result loop, then the engine: a bound, not a drop. Output is buffered and
// flushed at least every flushEvery and when the pipe closes.
type resultPipe struct {
	in     chan push.Result
	done   chan struct{}
	newRec func() *session.Recorder
	rec    *session.Recorder // made by newRec for the first result

	mu  sync.Mutex // out and bw: the recorder's goroutine prints, the pipe's flushes
	out *resultWriter
	bw  *bufio.Writer
}

const (
	// flushEvery bounds how long a printed result waits in the buffer.
	flushEvery = 100 * time.Millisecond
	// pipeQueue is the results that can wait for the pipe before the result
	// loop (and so the engine) waits: a bound, not a drop.
	pipeQueue = 1024
)

// newResultPipe makes the pipe; w is the command's stdout. Give its show
// to the recorder as the shown callback, then start it with the recorder.
func newResultPipe(w io.Writer, newWriter func(io.Writer) *resultWriter) *resultPipe {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &resultPipe{in: make(chan push.Result, pipeQueue), done: make(chan struct{}), bw: bw, out: newWriter(bw)}
}

// start starts the pipe's goroutine, recording through the recorder
// newRec makes when the first result comes (it may wait for the config
// folder to open: the first push does not).
func (p *resultPipe) start(newRec func() *session.Recorder) {
	p.newRec = newRec
	go p.run()
}

// recorder is the pipe's recorder, made now if no result came; call it
// after close.
func (p *resultPipe) recorder() *session.Recorder {
	if p.rec == nil {
		p.rec = p.newRec()
	}
	return p.rec
}

// show prints a result; the recorder calls it once the result is
// committed.
func (p *resultPipe) show(r push.Result) {
	p.mu.Lock()
	p.out.write(r)
	p.mu.Unlock()
}

// add queues a result; it blocks only when pipeQueue results wait.
func (p *resultPipe) add(r push.Result) { p.in <- r }

// close commits and prints what is queued, flushes the output and waits.
func (p *resultPipe) close() {
	close(p.in)
	<-p.done
}

func (p *resultPipe) flush() {
	p.mu.Lock()
	p.bw.Flush()
	p.mu.Unlock()
}

func (p *resultPipe) run() {
	defer close(p.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case r, ok := <-p.in:
			if !ok {
				if p.rec != nil {
					p.rec.Flush() // every result committed and shown
				}
				p.flush()
				return
			}
			if p.rec == nil {
				p.rec = p.newRec()
			}
			p.rec.Add(r)
		case <-t.C:
			p.flush()
		}
	}
}

// summary prints the summary line after close and flushes it.
func (p *resultPipe) summary(s summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out.summary(s)
	p.bw.Flush()
}
