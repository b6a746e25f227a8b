package profiles

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
)

// An import into an empty device book (a new config folder, the usual
// first `devices import`) is resolved in Go and written in the cheapest
// order SQLite knows: with an empty book nothing can conflict with the
// rows already there, so what upserting the lines one by one would do
// (a repeated token updates its device, a label in use is refused at the
// line that repeats it) follows from the lines alone. The rows then go in
// by ascending id (appends, no B-tree search), with the indexes of the
// device tables dropped and built again afterwards from their own SQL in
// sqlite_schema: CREATE INDEX sorts the keys once, where 100,000 inserts
// into indexes keyed by random tokens and labels cost a search and a
// split each. All of it is one transaction, like any import: a failure
// (a full disk) rolls back the rows and the dropped indexes alike.

// freshChunk is how many devices one INSERT of the fresh path writes; each
// takes four bound values (freshUniform), well under SQLite's limit.
const freshChunk = 500

// freshDevice is one device of the empty book as the import leaves it.
type freshDevice struct {
	env                     certs.Environment
	token, label, lkey      string
	kind, atype, topic      string
	added                   int64
	last                    bool // the last-result columns are set
	status, at, unreg, seen sql.NullInt64
	reason, apnsID          sql.NullString
	groups                  []freshGroup
}

// freshGroup is one of a device's groups, in the order they were added.
type freshGroup struct{ name, key string }

// envKey is a token or a label key in one environment, without building a
// string per line.
type envKey struct {
	env certs.Environment
	s   string
}

// freshBook resolves normalised devices in order as upserter.upsert would
// into an empty book.
type freshBook struct {
	now     int64
	devs    []freshDevice
	byToken map[envKey]int32
	byLabel map[envKey]int32
}

func newFreshBook(now int64, n int) *freshBook {
	return &freshBook{now: now, devs: make([]freshDevice, 0, n),
		byToken: make(map[envKey]int32, n), byLabel: make(map[envKey]int32, n)}
}

// add applies one normalised device; isNew says whether it added one
// (else it updated a device added by an earlier line), err is the line's
// refusal (nothing of it applied).
func (b *freshBook) add(d Device) (isNew bool, err error) {
	if i, ok := b.byToken[envKey{d.Environment, d.Token}]; ok {
		return false, b.update(i, d)
	}
	label := d.Label
	if label == "" {
		label = defaultLabel(d.Token)
	}
	lk := labelKey(label)
	if o, ok := b.byLabel[envKey{d.Environment, lk}]; ok {
		return false, labelInUse(label, b.devs[o].token, d.Environment)
	}
	kind := d.Kind
	if kind == "" {
		kind = KindDevice
	}
	f := freshDevice{env: d.Environment, token: d.Token, label: label, lkey: lk, kind: string(kind),
		atype: d.ActivityType, topic: d.Topic, added: b.now}
	if !d.AddedAt.IsZero() {
		f.added = d.AddedAt.UTC().UnixNano()
	}
	if d.Last != nil || !d.UnregisteredAt.IsZero() || !d.LastSeenValid.IsZero() {
		// What upserter.upsert's setLast writes for a new device.
		f.last = true
		if l := d.Last; l != nil {
			f.status = sql.NullInt64{Int64: int64(l.Status), Valid: true}
			f.reason = sql.NullString{String: l.Reason, Valid: true}
			f.apnsID = sql.NullString{String: l.ApnsID, Valid: true}
			f.at = nsOf(l.At)
			if !f.at.Valid {
				f.at = sql.NullInt64{Int64: b.now, Valid: true}
			}
		}
		f.unreg, f.seen = nsOf(d.UnregisteredAt), nsOf(d.LastSeenValid)
	}
	f.addGroups(d.Groups)
	i := int32(len(b.devs))
	b.devs = append(b.devs, f)
	b.byToken[envKey{d.Environment, d.Token}] = i
	b.byLabel[envKey{d.Environment, lk}] = i
	return true, nil
}

// update is upsert's ON CONFLICT DO UPDATE: a label if given (refused if
// another device of the environment has it), topic, kind and activity
// type if given, groups merged. The last result is not touched.
func (b *freshBook) update(i int32, d Device) error {
	f := &b.devs[i]
	if d.Label != "" {
		lk := labelKey(d.Label)
		if lk != f.lkey {
			if o, ok := b.byLabel[envKey{d.Environment, lk}]; ok {
				return labelInUse(d.Label, b.devs[o].token, d.Environment)
			}
			delete(b.byLabel, envKey{d.Environment, f.lkey})
			b.byLabel[envKey{d.Environment, lk}] = i
		}
		f.label, f.lkey = d.Label, lk
	}
	if d.Topic != "" {
		f.topic = d.Topic
	}
	if d.Kind != "" && d.Kind != KindDevice {
		f.kind = string(d.Kind)
	}
	if d.ActivityType != "" {
		f.atype = d.ActivityType
	}
	f.addGroups(d.Groups)
	return nil
}

// addGroups adds the groups f is not in yet (by name key), as the group
// insert's ON CONFLICT DO NOTHING does: the first spelling stays.
func (f *freshDevice) addGroups(gs []string) {
next:
	for _, g := range gs {
		k := groupKey(g)
		for _, h := range f.groups {
			if h.key == k {
				continue next
			}
		}
		f.groups = append(f.groups, freshGroup{g, k})
	}
}

// labelInUse is the refusal of a label another device of env has.
func labelInUse(label, other string, env certs.Environment) error {
	short := other
	if len(short) > 12 {
		short = short[:12]
	}
	return fmt.Errorf("the label %q is already used by token %s… in %s: choose another label, or remove that device first (pushdeck devices remove %s)",
		label, short, env, other)
}

// bookIsEmpty says whether the device tables hold nothing (then an import
// may take the fresh path).
func bookIsEmpty(tx *sql.Tx) (bool, error) {
	var empty bool
	err := tx.QueryRow(`SELECT NOT EXISTS (SELECT 1 FROM devices) AND NOT EXISTS (SELECT 1 FROM device_groups)`).Scan(&empty)
	return empty, err
}

// write puts the book into the empty device tables of tx: the indexes
// go, the rows go in by id (1, 2, ... in the order of the lines that
// added them), the indexes come back.
func (b *freshBook) write(tx *sql.Tx) error {
	if len(b.devs) == 0 {
		return nil
	}
	// The page cache holds the whole new book while the indexes are
	// built (about 30 MB for 100,000 devices); bulkCache's restore sets
	// the connection's own size back before the commit.
	if _, err := tx.Exec(`PRAGMA cache_size = -64000`); err != nil {
		return err
	}
	idx, err := dropDeviceIndexes(tx)
	if err != nil {
		return err
	}
	w := freshWriter{tx: tx, stmts: map[string]*sql.Stmt{}}
	defer w.close()
	if err := w.devices(b.devs); err != nil {
		return err
	}
	if err := w.groups(b.devs); err != nil {
		return err
	}
	for _, q := range idx {
		if _, err := tx.Exec(q); err != nil {
			return err
		}
	}
	return nil
}

// dropDeviceIndexes drops the indexes of devices and device_groups (not
// the primary keys) and returns the SQL that makes them again, as the
// schema has it.
func dropDeviceIndexes(tx *sql.Tx) ([]string, error) {
	rows, err := tx.Query(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('devices', 'device_groups') AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, qs []string
	for rows.Next() {
		var n, q string
		if err := rows.Scan(&n, &q); err != nil {
			rows.Close()
			return nil, err
		}
		names, qs = append(names, n), append(qs, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := tx.Exec(`DROP INDEX ` + quoteIdent(n)); err != nil {
			return nil, err
		}
	}
	return qs, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// freshWriter writes a fresh book with statements of many rows, each
// prepared once per shape.
type freshWriter struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	args  []any
}

func (w *freshWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *freshWriter) exec(q string, args []any) error {
	st, ok := w.stmts[q]
	if !ok {
		var err error
		if st, err = w.tx.Prepare(q); err != nil {
			return err
		}
		w.stmts[q] = st
	}
	_, err := st.Exec(args...)
	return err
}

// uniform says whether a and b share every column but id, token and
// label (then a statement binds those once for its rows).
func uniform(a, b *freshDevice) bool {
	return !a.last && !b.last && a.env == b.env && a.kind == b.kind && a.atype == b.atype && a.topic == b.topic && a.added == b.added
}

// devices inserts devs with ids 1..len(devs). A run of devices that
// differ only in token and label (a text import: all of them) goes
// freshChunk to a statement with the shared columns bound once; others
// one statement each with every column.
func (w *freshWriter) devices(devs []freshDevice) error {
	for i := 0; i < len(devs); {
		d := &devs[i]
		if d.last {
			w.args = append(w.args[:0], int64(i+1), string(d.env), d.token, d.kind, d.atype, d.label, d.lkey, d.topic, d.added,
				d.status, d.reason, d.apnsID, d.at, d.unreg, d.seen)
			if err := w.exec(`INSERT INTO devices (id, environment, token, kind, activity_type, label, label_key, topic, added_at,
				last_status, last_reason, last_apns_id, last_at, unregistered_at, last_seen_valid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, w.args); err != nil {
				return err
			}
			i++
			continue
		}
		n := 1
		for n < freshChunk && i+n < len(devs) && uniform(d, &devs[i+n]) {
			n++
		}
		w.args = append(w.args[:0], string(d.env), d.kind, d.atype, d.topic, d.added)
		for k := range n {
			e := &devs[i+k]
			w.args = append(w.args, int64(i+k+1), e.token, e.label, e.lkey)
		}
		if err := w.exec(freshUniform(n), w.args); err != nil {
			return err
		}
		i += n
	}
	return nil
}

// freshUniform is the INSERT of n devices sharing environment, kind,
// activity type, topic and added time, bound once in the first five
// values; each device then binds id, token, label and label key. Every
// parameter is an anonymous "?": the driver looks each parameter's name
// up, which for numbered ones ("?7") is a walk of a list as long as the
// statement's parameters, quadratic in a statement of thousands.
func freshUniform(n int) string {
	var q strings.Builder
	q.Grow(256 + 10*n)
	q.WriteString(`INSERT INTO devices (id, environment, token, kind, activity_type, label, label_key, topic, added_at)
		SELECT v.column1, c.column1, v.column2, c.column2, c.column3, v.column3, v.column4, c.column4, c.column5
		FROM (VALUES (?,?,?,?,?)) AS c, (VALUES `)
	for k := range n {
		if k > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?)")
	}
	q.WriteString(`) AS v`)
	return q.String()
}

// groups inserts the devices' groups. Devices whose ids follow each other
// and that have the same group at the same position go in one statement
// (an id range): an import with --group puts every device of the book in
// one statement per group. The rest go one row each.
func (w *freshWriter) groups(devs []freshDevice) error {
	for i := 0; i < len(devs); {
		d := &devs[i]
		n := 1
		for i+n < len(devs) && sameGroups(d, &devs[i+n]) {
			n++
		}
		for pos, g := range d.groups {
			w.args = append(w.args[:0], int64(i+1), int64(i+n), g.name, g.key, int64(pos+1))
			if err := w.exec(`INSERT INTO device_groups (device_id, name, name_key, pos)
				SELECT id, ?3, ?4, ?5 FROM devices WHERE id BETWEEN ?1 AND ?2`, w.args); err != nil {
				return err
			}
		}
		i += n
	}
	return nil
}

// sameGroups says whether a and b have the same groups spelt the same way.
func sameGroups(a, b *freshDevice) bool {
	if len(a.groups) != len(b.groups) {
		return false
	}
	for i := range a.groups {
		if a.groups[i] != b.groups[i] {
			return false
		}
	}
	return true
}

// importFresh imports ds into the empty device book of tx; isNew and errs
// are per device, as upsertMany gives them.
func importFresh(tx *sql.Tx, now int64, ds []Device) (isNew []bool, errs []error, err error) {
	b := newFreshBook(now, len(ds))
	isNew, errs = make([]bool, len(ds)), make([]error, len(ds))
	for i, d := range ds {
		isNew[i], errs[i] = b.add(d)
	}
	return isNew, errs, b.write(tx)
}
