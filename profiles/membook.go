package profiles

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
)

// An import into an empty or small device book (a new config folder, the
// usual first `devices import`, a big list into a book of a few phones)
// is resolved in Go and written in the cheapest order SQLite knows. The
// book is read into memory first; then what upserting the lines one by
// one would do (a repeated token updates its device, a label in use is
// refused at the line that repeats it, in file order) follows from the
// lines and the book alone. The new devices go in by ascending id
// (appends, no B-tree search), with the indexes of the device tables
// dropped and built again afterwards from their own SQL in sqlite_schema:
// CREATE INDEX sorts the keys once, where 100,000 inserts into indexes
// keyed by random tokens and labels cost a search and a page split each.
// A book larger than the import goes row by row instead (upsertMany):
// rebuilding its indexes would cost more than inserting into them. All of
// it is one transaction, like any import: a failure (a full disk) rolls
// back the rows and the dropped indexes alike.

// memChunk is how many new devices one INSERT writes; each takes four
// bound values (memUniform), well under SQLite's limit.
const memChunk = 500

// memDevice is one device as the import leaves it.
type memDevice struct {
	id                 int64
	env                certs.Environment
	token, label, lkey string
	kind, atype, topic string
	added              int64
	last               *memLast   // what a JSON export knew of a new device
	groups             []memGroup // in the order they were added
	oldGroups          int        // how many of groups are in the book already
	maxPos             int64      // the largest group position in the book
	old, changed       bool       // in the book before; its columns changed
}

// memLast is what upserter.upsert's setLast writes for a new device.
type memLast struct {
	status, at, unreg, seen sql.NullInt64
	reason, apnsID          sql.NullString
}

// memGroup is one of a device's groups.
type memGroup struct{ name, key string }

// envKey is a token or a label key in one environment, without building a
// string per line.
type envKey struct {
	env certs.Environment
	s   string
}

// memBook resolves normalised devices in order as upserter.upsert would.
type memBook struct {
	now     int64
	maxID   int64       // the largest id in the book before the import
	devs    []memDevice // the book's devices (old), then the new ones by id
	nOld    int
	byToken map[envKey]int32
	byLabel map[envKey]int32
}

// loadMemBook reads the device book of tx for an import of n devices,
// or says (ok false) that it holds more devices than that: then the
// import goes row by row.
func loadMemBook(tx *sql.Tx, now int64, n int) (b *memBook, ok bool, err error) {
	var size int
	if err := tx.QueryRow(`SELECT count(*) FROM (SELECT 1 FROM devices LIMIT ?)`, n+1).Scan(&size); err != nil {
		return nil, false, err
	}
	if size > n {
		return nil, false, nil
	}
	b = &memBook{now: now, devs: make([]memDevice, 0, size+n),
		byToken: make(map[envKey]int32, size+n), byLabel: make(map[envKey]int32, size+n)}
	// A group row of a device that is not in the book (written with
	// foreign keys off) could take a new device's id: then row by row,
	// whose inserts leave such rows alone.
	var orphans bool
	if err := tx.QueryRow(`SELECT coalesce((SELECT max(id) FROM devices), 0),
		EXISTS (SELECT 1 FROM device_groups WHERE device_id NOT IN (SELECT id FROM devices))`).Scan(&b.maxID, &orphans); err != nil {
		return nil, false, err
	}
	if orphans {
		return nil, false, nil
	}
	if size == 0 {
		return b, true, nil
	}
	rows, err := tx.Query(`SELECT id, environment, token, label, label_key, topic, kind, activity_type FROM devices ORDER BY id`)
	if err != nil {
		return nil, false, err
	}
	byID := make(map[int64]int32, size)
	for rows.Next() {
		d := memDevice{old: true}
		var env string
		if err := rows.Scan(&d.id, &env, &d.token, &d.label, &d.lkey, &d.topic, &d.kind, &d.atype); err != nil {
			rows.Close()
			return nil, false, err
		}
		d.env = certs.Environment(env)
		i := int32(len(b.devs))
		b.devs = append(b.devs, d)
		byID[d.id] = i
		b.byToken[envKey{d.env, d.token}] = i
		b.byLabel[envKey{d.env, d.lkey}] = i
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, false, err
	}
	b.nOld = len(b.devs)
	rows, err = tx.Query(`SELECT device_id, name, name_key, pos FROM device_groups ORDER BY device_id, pos`)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, pos int64
		var g memGroup
		if err := rows.Scan(&id, &g.name, &g.key, &pos); err != nil {
			return nil, false, err
		}
		d := &b.devs[byID[id]]
		d.groups = append(d.groups, g)
		d.oldGroups++
		d.maxPos = max(d.maxPos, pos)
	}
	return b, true, rows.Err()
}

// add applies one normalised device; isNew says whether it added one
// (else it updated a device of the book or of an earlier line), err is
// the line's refusal (nothing of it applied).
func (b *memBook) add(d Device) (isNew bool, err error) {
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
	f := memDevice{env: d.Environment, token: d.Token, label: label, lkey: lk, kind: string(kind),
		atype: d.ActivityType, topic: d.Topic, added: b.now}
	if !d.AddedAt.IsZero() {
		f.added = d.AddedAt.UTC().UnixNano()
	}
	if d.Last != nil || !d.UnregisteredAt.IsZero() || !d.LastSeenValid.IsZero() {
		l := &memLast{unreg: nsOf(d.UnregisteredAt), seen: nsOf(d.LastSeenValid)}
		if r := d.Last; r != nil {
			l.status = sql.NullInt64{Int64: int64(r.Status), Valid: true}
			l.reason = sql.NullString{String: r.Reason, Valid: true}
			l.apnsID = sql.NullString{String: r.ApnsID, Valid: true}
			l.at = nsOf(r.At)
			if !l.at.Valid {
				l.at = sql.NullInt64{Int64: b.now, Valid: true}
			}
		}
		f.last = l
	}
	f.addGroups(d.Groups)
	i := int32(len(b.devs))
	f.id = b.maxID + int64(len(b.devs)-b.nOld) + 1
	b.devs = append(b.devs, f)
	b.byToken[envKey{d.Environment, d.Token}] = i
	b.byLabel[envKey{d.Environment, lk}] = i
	return true, nil
}

// update is upsert's ON CONFLICT DO UPDATE: a label if given (refused if
// another device of the environment has it), topic, kind and activity
// type if given, groups merged. The last result is not touched.
func (b *memBook) update(i int32, d Device) error {
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
		f.changed = f.changed || f.label != d.Label
		f.label, f.lkey = d.Label, lk
	}
	if d.Topic != "" {
		f.changed = f.changed || f.topic != d.Topic
		f.topic = d.Topic
	}
	if d.Kind != "" && d.Kind != KindDevice {
		f.changed = f.changed || f.kind != string(d.Kind)
		f.kind = string(d.Kind)
	}
	if d.ActivityType != "" {
		f.changed = f.changed || f.atype != d.ActivityType
		f.atype = d.ActivityType
	}
	f.addGroups(d.Groups)
	return nil
}

// addGroups adds the groups f is not in yet (by name key), as the group
// insert's ON CONFLICT DO NOTHING does: the first spelling stays.
func (f *memDevice) addGroups(gs []string) {
next:
	for _, g := range gs {
		k := groupKey(g)
		for _, h := range f.groups {
			if h.key == k {
				continue next
			}
		}
		f.groups = append(f.groups, memGroup{g, k})
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

// write applies the import to the device tables of tx: the indexes go,
// the book's devices are updated, the new ones go in by id, the indexes
// come back (checking that tokens and labels are unique, as they are).
func (b *memBook) write(tx *sql.Tx) error {
	touched := len(b.devs) > b.nOld
	for i := range b.devs[:b.nOld] {
		d := &b.devs[i]
		touched = touched || d.changed || len(d.groups) > d.oldGroups
	}
	if !touched {
		return nil // every line was in the book already: nothing to write
	}
	idx, err := dropDeviceIndexes(tx)
	if err != nil {
		return err
	}
	w := memWriter{tx: tx, stmts: map[string]*sql.Stmt{}}
	defer w.close()
	if err := w.old(b.devs[:b.nOld]); err != nil {
		return err
	}
	if err := w.devices(b.devs[b.nOld:]); err != nil {
		return err
	}
	if err := w.groups(b.devs[b.nOld:]); err != nil {
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
	err = rows.Err()
	rows.Close()
	if err != nil {
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

// memWriter writes what a memBook changed, with statements of many rows
// where it can, each prepared once per shape.
type memWriter struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	args  []any
}

func (w *memWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *memWriter) exec(q string, args []any) error {
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

// old writes the changes to devices of the book (few: lines that named a
// device already there with a new label, topic, kind or group).
func (w *memWriter) old(devs []memDevice) error {
	for i := range devs {
		d := &devs[i]
		if d.changed {
			w.args = append(w.args[:0], d.label, d.lkey, d.topic, d.kind, d.atype, d.id)
			if err := w.exec(`UPDATE devices SET label = ?, label_key = ?, topic = ?, kind = ?, activity_type = ? WHERE id = ?`, w.args); err != nil {
				return err
			}
		}
		for k, g := range d.groups[d.oldGroups:] {
			w.args = append(w.args[:0], d.id, g.name, g.key, d.maxPos+int64(k)+1)
			if err := w.exec(`INSERT INTO device_groups (device_id, name, name_key, pos) VALUES (?, ?, ?, ?)`, w.args); err != nil {
				return err
			}
		}
	}
	return nil
}

// uniform says whether a and b share every column but id, token and
// label (then a statement binds those once for its rows).
func uniform(a, b *memDevice) bool {
	return a.last == nil && b.last == nil && a.env == b.env && a.kind == b.kind && a.atype == b.atype && a.topic == b.topic && a.added == b.added
}

// devices inserts the new devices, whose ids follow each other. A run of
// devices that differ only in token and label (a text import: all of
// them) goes memChunk to a statement with the shared columns bound once;
// others one statement each with every column.
func (w *memWriter) devices(devs []memDevice) error {
	for i := 0; i < len(devs); {
		d := &devs[i]
		if l := d.last; l != nil {
			w.args = append(w.args[:0], d.id, string(d.env), d.token, d.kind, d.atype, d.label, d.lkey, d.topic, d.added,
				l.status, l.reason, l.apnsID, l.at, l.unreg, l.seen)
			if err := w.exec(`INSERT INTO devices (id, environment, token, kind, activity_type, label, label_key, topic, added_at,
				last_status, last_reason, last_apns_id, last_at, unregistered_at, last_seen_valid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, w.args); err != nil {
				return err
			}
			i++
			continue
		}
		n := 1
		for n < memChunk && i+n < len(devs) && uniform(d, &devs[i+n]) {
			n++
		}
		w.args = append(w.args[:0], string(d.env), d.kind, d.atype, d.topic, d.added)
		for k := range n {
			e := &devs[i+k]
			w.args = append(w.args, e.id, e.token, e.label, e.lkey)
		}
		if err := w.exec(memUniform(n), w.args); err != nil {
			return err
		}
		i += n
	}
	return nil
}

// memUniform is the INSERT of n devices sharing environment, kind,
// activity type, topic and added time, bound once in the first five
// values; each device then binds id, token, label and label key. Every
// parameter is an anonymous "?": the driver looks each parameter's name
// up, which for numbered ones ("?7") is a walk of a list as long as the
// statement's parameters, quadratic in a statement of thousands.
func memUniform(n int) string {
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

// groups inserts the new devices' groups. Devices whose ids follow each
// other and that have the same groups go in one statement per group (an
// id range): an import with --group puts all its new devices in one
// statement per group.
func (w *memWriter) groups(devs []memDevice) error {
	for i := 0; i < len(devs); {
		d := &devs[i]
		n := 1
		for i+n < len(devs) && sameGroups(d, &devs[i+n]) {
			n++
		}
		for pos, g := range d.groups {
			w.args = append(w.args[:0], d.id, devs[i+n-1].id, g.name, g.key, int64(pos+1))
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
func sameGroups(a, b *memDevice) bool {
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

// importInMemory imports ds through a memBook if the book of tx is no
// larger than the import (done false: it is, nothing was done); isNew and
// errs are per device, as upsertMany gives them.
func importInMemory(tx *sql.Tx, now int64, ds []Device) (done bool, isNew []bool, errs []error, err error) {
	b, ok, err := loadMemBook(tx, now, len(ds))
	if err != nil || !ok {
		return false, nil, nil, err
	}
	isNew, errs = make([]bool, len(ds)), make([]error, len(ds))
	for i, d := range ds {
		isNew[i], errs[i] = b.add(d)
	}
	return true, isNew, errs, b.write(tx)
}
