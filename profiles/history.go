package profiles

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Record is one send result on its way to the store: a history entry, and
// (when Book is set) the device's last result in the device book.
type Record struct {
	Entry HistoryEntry
	// Book sets the device's last result from this one. False for a
	// result that says nothing about the device (a cancelled try).
	Book bool
	// Tag is the caller's, handed back untouched in the Commit (the
	// result to print or draw once it is recorded).
	Tag any
}

// AppendHistory writes entries in one transaction: all of them are
// recorded, or (error) none.
func (s *Store) AppendHistory(entries ...HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	recs := make([]Record, len(entries))
	for i := range entries {
		recs[i].Entry = entries[i]
	}
	return s.Record(context.Background(), recs)
}

// Record writes recs in one transaction: each entry to the history, each
// Book record's result to the device book, each batch's totals to the
// sends. All of it is committed (and on disk) when Record returns nil;
// none of it when it returns an error.
func (s *Store) Record(ctx context.Context, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	return s.write(ctx, fmt.Sprintf("recording %d send results", len(recs)), func(tx *sql.Tx) error {
		return insertRecords(tx, recs, s.statements(ctx, tx))
	})
}

// prepareFunc gives a prepared statement for a query, usable in one
// transaction.
type prepareFunc func(query string) (*sql.Stmt, error)

// statements prepares each of the recorder's statements once per
// connection and keeps them for the Store's life: compiling a 32-row
// INSERT for every group cost more than running it.
func (s *Store) statements(ctx context.Context, tx *sql.Tx) prepareFunc {
	inTx := map[string]*sql.Stmt{}
	return func(q string) (*sql.Stmt, error) {
		if st := inTx[q]; st != nil {
			return st, nil
		}
		s.st.stmtMu.Lock()
		st := s.st.stmts[q]
		if st == nil {
			db, err := s.db()
			if err == nil {
				st, err = db.PrepareContext(ctx, q)
			}
			if err != nil {
				s.st.stmtMu.Unlock()
				return nil, err
			}
			if s.st.stmts == nil {
				s.st.stmts = map[string]*sql.Stmt{}
			}
			s.st.stmts[q] = st
		}
		s.st.stmtMu.Unlock()
		st = tx.StmtContext(ctx, st) // closed with the transaction
		inTx[q] = st
		return st, nil
	}
}

// txStatements prepares each statement once in tx (an import: one
// transaction).
func txStatements(tx *sql.Tx) prepareFunc {
	inTx := map[string]*sql.Stmt{}
	return func(q string) (*sql.Stmt, error) {
		if st := inTx[q]; st != nil {
			return st, nil
		}
		st, err := tx.Prepare(q)
		if err != nil {
			return nil, err
		}
		inTx[q] = st
		return st, nil
	}
}

// chunkSize is how many rows of n go in the next statement: historyChunk,
// else the largest power of two up to n, so a group of any size uses at
// most a handful of distinct (cached) statements.
func chunkSize(n, chunk int) int {
	if n >= chunk {
		return chunk
	}
	k := 1
	for k*2 <= n {
		k *= 2
	}
	return k
}

// historyInsertHead is the INSERT of history rows; historyRow is one row's
// placeholders. A group is written historyChunk rows per statement: one
// call through database/sql and one statement run per 32 rows instead of
// per row (that per-call work was most of the recording's CPU). OR FAIL:
// a statement that writes many rows would otherwise keep a statement
// journal (a copy of every page it changes) to undo only itself on an
// error; every error rolls the whole transaction back anyway.
const (
	historyInsertHead = `INSERT OR FAIL INTO history (at, batch, profile, environment, topic, push_type, priority, collapse_id,
	expiration, payload_sha256, payload_size, token, channel_id, label, status, reason, apns_id, apns_unique_id,
	latency_ms, attempts, error, unregistered_at) VALUES `
	historyRow   = `(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	historyCols  = 22
	historyChunk = 32
)

// historyInsertSQL inserts n rows.
func historyInsertSQL(n int) string {
	return historyInsertHead + strings.TrimSuffix(strings.Repeat(historyRow+",", n), ",")
}

const sendsUpsertSQL = `INSERT INTO sends (batch, started_at, last_at, profile, environment, topic, devices, accepted, failed)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (batch) DO UPDATE SET
		started_at = min(started_at, excluded.started_at),
		last_at = max(last_at, excluded.last_at),
		devices = devices + excluded.devices,
		accepted = accepted + excluded.accepted,
		failed = failed + excluded.failed`

// nullNS is a time for a bound argument: Unix nanoseconds, or NULL.
func nullNS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// insertRecords is the body of every history write: the history rows
// (historyChunk per statement), each distinct payload body once, each
// batch's totals once per group, and the device book's last results
// (batched, see updateDeviceResults).
func insertRecords(tx *sql.Tx, recs []Record, prep prepareFunc) error {
	type sendTotals struct {
		first, last       int64
		profile, env, top string
		n, ok, failed     int
	}
	sends := map[string]*sendTotals{}
	var order []string
	var book []deviceUpdate
	lastBody := ""
	now := time.Now().UTC()
	args := make([]any, 0, historyCols*min(len(recs), historyChunk))
	rows := 0
	// flush writes the rows in args, historyChunk (or a power of two)
	// to a statement.
	flush := func() error {
		for done := 0; done < rows; {
			n := chunkSize(rows-done, historyChunk)
			st, err := prep(historyInsertSQL(n))
			if err != nil {
				return err
			}
			if _, err := st.Exec(args[done*historyCols : (done+n)*historyCols]...); err != nil {
				return err
			}
			done += n
		}
		clear(args)
		args, rows = args[:0], 0
		return nil
	}
	for i := range recs {
		e := &recs[i].Entry
		if e.At.IsZero() {
			e.At = now
		}
		at := e.At.UTC().UnixNano()
		if e.Payload != "" {
			if e.PayloadHash == "" {
				e.PayloadHash = bodyHash(e.Payload)
			}
			if e.PayloadHash != lastBody { // a batch repeats one body
				body, err := prep(`INSERT INTO bodies (sha256, body) VALUES (?, ?) ON CONFLICT DO NOTHING`)
				if err != nil {
					return err
				}
				if _, err := body.Exec(e.PayloadHash, e.Payload); err != nil {
					return err
				}
				lastBody = e.PayloadHash
			}
		}
		args = append(args, at, e.Batch, e.Profile, string(e.Environment), e.Topic, e.PushType, int64(e.Priority), e.CollapseID,
			e.Expiration, e.PayloadHash, int64(e.PayloadSize), e.Token, e.Channel, e.Label, int64(e.Status), e.Reason, e.ApnsID, e.ApnsUniqueID,
			e.LatencyMS, int64(e.Attempts), e.Error, nullNS(e.UnregisteredAt))
		if rows++; rows == historyChunk {
			if err := flush(); err != nil {
				return err
			}
		}
		if e.Batch != "" {
			t := sends[e.Batch]
			if t == nil {
				t = &sendTotals{first: at, last: at, profile: e.Profile, env: string(e.Environment), top: e.Topic}
				sends[e.Batch] = t
				order = append(order, e.Batch)
			}
			t.first, t.last = min(t.first, at), max(t.last, at)
			t.n++
			if e.Status == 200 {
				t.ok++
			} else {
				t.failed++
			}
		}
		if recs[i].Book && e.Status != 0 && e.Token != "" {
			env, err := certs.ParseEnvironment(string(e.Environment))
			if err != nil {
				continue // not a device of the book
			}
			book = append(book, deviceUpdate{env: env, r: DeviceResult{Token: e.Token, Status: e.Status, Reason: e.Reason, ApnsID: e.ApnsID, At: e.At, UnregisteredAt: e.UnregisteredAt}})
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := updateDeviceResults(book, now, prep); err != nil {
		return err
	}
	if len(order) > 0 {
		up, err := prep(sendsUpsertSQL)
		if err != nil {
			return err
		}
		for _, b := range order {
			t := sends[b]
			if _, err := up.Exec(b, t.first, t.last, t.profile, t.env, t.top, t.n, t.ok, t.failed); err != nil {
				return err
			}
		}
	}
	return nil
}

// bodyHash is the sha256 history keeps to tell payloads apart.
func bodyHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// History appends entries to the send history. Kept for callers of the
// JSON store's API; a Recorder is the way to record a stream of results.
type History struct {
	s      *Store
	mu     sync.Mutex
	closed bool
}

// OpenHistory returns a History on the store's database.
func (s *Store) OpenHistory() (*History, error) {
	if _, err := s.db(); err != nil {
		return nil, err
	}
	return &History{s: s}, nil
}

// Append writes entries in one transaction (all or nothing, on disk when
// it returns nil).
func (h *History) Append(entries ...HistoryEntry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("the send history %s is closed", h.s.dbPath())
	}
	return h.s.AppendHistory(entries...)
}

// Close ends the History (the database stays open: it is the Store's).
func (h *History) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	return nil
}

// Commit reports one group commit of a Recorder.
type Commit struct {
	// Tags are the tags of this group's records, in the order they were
	// added (the Recorder keeps the records themselves packed). The slice
	// is the Recorder's, valid during OnCommit only (the next group reuses
	// it): copy what must outlive the call.
	Tags []any
	// Err is why none of Records was recorded; nil when all were.
	Err error
}

// RecorderOptions tune a Recorder; zero values take the defaults.
type RecorderOptions struct {
	// MaxDelay is the longest a record waits for its group to commit
	// (default 50 ms).
	MaxDelay time.Duration
	// MaxBatch commits a group as soon as it has this many records
	// (default 500). A recorder that is behind commits up to four times
	// as many at once.
	MaxBatch int
	// Queue is how many records may wait; Add blocks beyond it, so a
	// slow disk slows the sender rather than piling results up in memory
	// (default 4 × MaxBatch: the largest group a Recorder that is behind
	// commits can gather while the one before it commits).
	Queue int
	// OnCommit is called after each group commit (or failed write), in
	// order, on the Recorder's goroutine: this is where a CLI prints its
	// result lines and the console learns which rows to draw. It must
	// not call the Recorder.
	OnCommit func(Commit)
}

// RecorderStats says what a Recorder did.
type RecorderStats struct {
	Recorded    int   // records committed
	NotRecorded int   // records whose write failed
	Commits     int   // group commits (each one fsync)
	Err         error // the last write error, if any
}

// Recorder records a stream of results with group commits: a record is
// committed at most MaxDelay after it was added (or as soon as MaxBatch
// are waiting), in one transaction with the others of its group, and
// OnCommit then hands it back. Printing a result only in OnCommit makes
// "printed ⇒ recorded" hold even if the process is killed.
//
// Its memory is bounded by the queue, whatever the number of records: a
// record is packed as it is queued (about 130 bytes, as it will be
// written), the queue and the group being committed swap their buffers
// instead of copying, and the recorder appends on one connection of its
// own with a small page cache (recordCacheKB: appending packed rows reads
// nothing back), so a long send holds no more than a short one.
type Recorder struct {
	s   *Store
	opt RecorderOptions
	// conn is the connection the recorder commits on, from its first
	// commit to Close; group is the group being committed, its buffers
	// reused for the queue. Both belong to the loop's goroutine.
	conn  *sql.Conn
	group *packedRows

	mu      sync.Mutex
	cond    *sync.Cond
	queue   *packedRows
	first   time.Time // when the oldest queued record arrived
	closing bool
	flushes int // Flush calls waiting
	stats   RecorderStats
	done    chan struct{}
	wake    chan struct{}
}

// NewRecorder starts a Recorder on the store. Close it to commit the rest
// and stop it.
func (s *Store) NewRecorder(opt RecorderOptions) *Recorder {
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = 50 * time.Millisecond
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 500
	}
	if opt.Queue < opt.MaxBatch {
		opt.Queue = 4 * opt.MaxBatch
	}
	r := &Recorder{s: s, opt: opt, done: make(chan struct{}), wake: make(chan struct{}, 1), queue: &packedRows{}, group: &packedRows{}}
	r.cond = sync.NewCond(&r.mu)
	go r.loop()
	return r
}

// ErrRecorderClosed is returned by Add after Close.
var ErrRecorderClosed = errors.New("the recorder is closed")

// Add queues a record. It blocks while the queue is full (the disk is
// slower than the sender).
func (r *Recorder) Add(rec Record) error {
	r.mu.Lock()
	for r.queue.len() >= r.opt.Queue && !r.closing {
		r.cond.Wait()
	}
	if r.closing {
		r.mu.Unlock()
		return ErrRecorderClosed
	}
	if r.queue.len() == 0 {
		r.first = time.Now()
	}
	r.queue.add(&rec)
	n := r.queue.len()
	full := n >= r.opt.MaxBatch
	r.mu.Unlock()
	if full || n == 1 {
		r.poke()
	}
	return nil
}

// Flush commits what is queued now, without waiting for MaxDelay, and
// returns once it is committed (OnCommit has run for it).
func (r *Recorder) Flush() {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return
	}
	r.flushes++
	r.mu.Unlock()
	r.poke()
	r.mu.Lock()
	for r.flushes > 0 && !r.closing {
		r.cond.Wait()
	}
	r.mu.Unlock()
}

func (r *Recorder) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close commits what is queued, stops the Recorder and says what it did.
// Add fails afterwards.
func (r *Recorder) Close() RecorderStats {
	r.mu.Lock()
	r.closing = true
	r.cond.Broadcast()
	r.mu.Unlock()
	r.poke()
	<-r.done
	return r.Stats()
}

// Stats says what the Recorder did so far.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

func (r *Recorder) loop() {
	defer close(r.done)
	defer r.releaseConn()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		r.mu.Lock()
		n, closing, flush := r.queue.len(), r.closing, r.flushes > 0
		wait := time.Until(r.first.Add(r.opt.MaxDelay))
		r.mu.Unlock()
		switch {
		case n == 0 && closing:
			r.mu.Lock()
			r.flushes = 0
			r.cond.Broadcast()
			r.mu.Unlock()
			return
		case n == 0 && flush:
			r.mu.Lock()
			r.flushes = 0
			r.cond.Broadcast()
			r.mu.Unlock()
			continue
		case n == 0:
			<-r.wake
			continue
		case n < r.opt.MaxBatch && !closing && !flush && wait > 0:
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-r.wake:
				timer.Stop() // Go 1.23 timers: no stale tick is delivered after Stop
			}
			continue
		}
		r.mu.Lock()
		// Behind (more than a group waiting): commit all that waits, up
		// to four groups (in whole rows), in one transaction; fewer
		// commits let the recorder catch up, and the queue bound still
		// holds.
		k, take := 1, r.queue.rows[0].n
		for k < len(r.queue.rows) && take+r.queue.rows[k].n <= 4*r.opt.MaxBatch {
			take += r.queue.rows[k].n
			k++
		}
		batch := r.group
		if k == len(r.queue.rows) {
			// All of it: the queue's buffers become the group's, and
			// the last group's the queue's.
			r.queue, r.group = batch, r.queue
			batch = r.group
		} else {
			r.queue.moveRows(batch, k)
		}
		if r.queue.len() > 0 {
			r.first = time.Now()
		}
		flushed := r.queue.len() == 0
		r.cond.Broadcast() // room in the queue
		r.mu.Unlock()

		err := r.commit(batch)
		r.mu.Lock()
		if err != nil {
			r.stats.NotRecorded += batch.len()
			r.stats.Err = err
		} else {
			r.stats.Recorded += batch.len()
			r.stats.Commits++
		}
		r.mu.Unlock()
		if r.opt.OnCommit != nil {
			r.opt.OnCommit(Commit{Tags: batch.tags, Err: err})
		}
		batch.reset()
		if flushed {
			r.mu.Lock()
			if r.flushes > 0 {
				r.flushes = 0
				r.cond.Broadcast()
			}
			r.mu.Unlock()
		}
	}
}

// commit writes one group; a busy database is tried again (the other
// writer is doing real work), anything else fails the group whole (and
// the next group starts on a fresh connection).
func (r *Recorder) commit(batch *packedRows) error {
	var err error
	for try := 0; try < 3; try++ {
		if err = r.takeConn(); err == nil {
			err = r.s.writePending(context.Background(), r.conn, batch)
		}
		if !errors.Is(err, ErrBusy) {
			break
		}
	}
	if err != nil {
		r.releaseConn()
	}
	return err
}

// takeConn takes the recorder's connection from the pool, if it has none,
// and gives it the recorder's page cache. A send uses one connection: the
// one the store opened with is idle by then, and it is this one.
func (r *Recorder) takeConn() error {
	if r.conn != nil {
		return nil
	}
	db, err := r.s.db()
	if err != nil {
		return err
	}
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		return r.s.dbErr("recording send results", err)
	}
	if _, err := c.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, recordCacheKB)); err != nil {
		c.Close()
		return r.s.dbErr("recording send results", err)
	}
	r.conn = c
	return nil
}

// releaseConn gives the recorder's connection back to the pool with the
// page cache every connection has.
func (r *Recorder) releaseConn() {
	if r.conn == nil {
		return
	}
	_, _ = r.conn.ExecContext(context.Background(), fmt.Sprintf(`PRAGMA cache_size = -%d`, cacheKB))
	r.conn.Close()
	r.conn = nil
}
