package cli

import (
	"fmt"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
)

// storeOpening is the config folder opening on its own goroutine: SQLite's
// open, migrations and, for a new folder, its first fsyncs take tens of
// milliseconds that a send without --profile, --device or --group does not
// need before its first push, only before its first commit.
type storeOpening struct {
	done  chan struct{}
	store *profiles.Store
	err   error
}

// openStoreLater starts opening the config folder.
func openStoreLater() *storeOpening {
	o := &storeOpening{done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.store, o.err = session.OpenStore()
	}()
	return o
}

// wait is the opened store, or why it could not be opened.
func (o *storeOpening) wait() (*profiles.Store, error) {
	<-o.done
	return o.store, o.err
}

// takeStore waits for a config folder still opening and hands it to the
// session, saying what opening it found (the notes Resolve would have
// printed before the send) and why it could not be opened. It runs once,
// before the recorder is made.
func (p *sendPlan) takeStore(e env, warn func(string)) {
	if p.store == nil {
		return
	}
	st, err := p.store.wait()
	p.store = nil
	if err != nil {
		warn(fmt.Sprintf("cannot open the config folder: %v", err))
		p.setup.StoreErr = err
		return
	}
	for _, n := range append(st.Notices(), st.Warnings()...) {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	p.setup.Store = st
}

// close closes the tokens file, and a config folder opened for nothing
// (the send was refused first) once it is open: the process does not end
// in the middle of its set-up.
func (p *sendPlan) close() {
	if p.targets != nil {
		p.targets.close()
	}
	if p.store != nil {
		if st, err := p.store.wait(); err == nil {
			st.Close()
		}
		p.store = nil
	}
}
