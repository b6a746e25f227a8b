package profiles

import (
	"database/sql"
	"slices"
	"strings"
)

// bulkChunk is how many devices an import puts in one statement.
const bulkChunk = 200

// existingDevice is what a bulk import needs to know of a device in the
// book to tell a no-op from an update.
type existingDevice struct {
	id                        int64
	label, topic, kind, atype string
	groups                    []string // name keys
}

// upsertMany applies normalised devices in order, as upsert would one by
// one, but a chunk at a time: the devices of a chunk that are all new go
// in with one INSERT, the ones already in the book unchanged are skipped;
// any other chunk (an update, a repeat, a label in use, results to keep)
// goes row by row. isNew and errs are per device.
func (u *upserter) upsertMany(ds []Device) (isNew []bool, errs []error, err error) {
	isNew, errs = make([]bool, len(ds)), make([]error, len(ds))
	for start := 0; start < len(ds); start += bulkChunk {
		chunk := ds[start:min(start+bulkChunk, len(ds))]
		done, err := u.tryBulk(chunk, isNew[start:])
		if err != nil {
			return nil, nil, err
		}
		if done {
			continue
		}
		for i, d := range chunk {
			_, n, err := u.upsert(d)
			if err != nil && sqliteCode(err) != 0 && sqliteCode(err) != 19 {
				return nil, nil, err
			}
			isNew[start+i], errs[start+i] = n, err
		}
	}
	return isNew, errs, nil
}

// tryBulk does chunk in a few statements if it is all new devices and
// no-ops; done false means nothing was written and the caller goes row by
// row.
func (u *upserter) tryBulk(chunk []Device, isNew []bool) (done bool, err error) {
	for _, d := range chunk {
		if d.Last != nil || !d.UnregisteredAt.IsZero() || !d.LastSeenValid.IsZero() {
			return false, nil
		}
	}
	var ex map[string]existingDevice
	if u.maxBefore > 0 { // an empty book holds only what this import added
		if ex, err = u.existing(chunk); err != nil {
			return false, err
		}
	}
	var fresh []int
	seen := map[string]bool{}
	for i, d := range chunk {
		key := string(d.Environment) + "/" + d.Token
		if seen[key] {
			return false, nil // the same token twice: in order, row by row
		}
		seen[key] = true
		e, ok := ex[key]
		if !ok && u.added[key] {
			return false, nil // added earlier in this import: row by row
		}
		if !ok {
			fresh = append(fresh, i)
			continue
		}
		if !noChange(d, e) {
			return false, nil
		}
	}
	if len(fresh) == 0 {
		return true, nil
	}
	// One INSERT for the new devices; a label in use fails it whole (the
	// statement is undone) and the chunk goes row by row for the message.
	var q strings.Builder
	q.WriteString(`INSERT INTO devices (environment, token, kind, activity_type, label, label_key, topic, added_at) VALUES `)
	args := make([]any, 0, len(fresh)*8)
	for k, i := range fresh {
		d := chunk[i]
		if k > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?,?,?,?,?,?,?,?)")
		label := d.Label
		if label == "" {
			label = defaultLabel(d.Token)
		}
		kind := d.Kind
		if kind == "" {
			kind = KindDevice
		}
		added := u.now
		if !d.AddedAt.IsZero() {
			added = d.AddedAt.UTC().UnixNano()
		}
		args = append(args, string(d.Environment), d.Token, string(kind), d.ActivityType, label, labelKey(label), d.Topic, added)
	}
	q.WriteString(" RETURNING id, environment, token")
	if _, err := u.tx.Exec("SAVEPOINT bulk"); err != nil {
		return false, err
	}
	ins, err := u.stmt(q.String())
	if err != nil {
		return false, err
	}
	rows, err := ins.Query(args...)
	ids := map[string]int64{}
	if err == nil {
		for rows.Next() {
			var id int64
			var env, tok string
			if err = rows.Scan(&id, &env, &tok); err != nil {
				break
			}
			ids[env+"/"+tok] = id
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
	}
	if err != nil {
		if _, rerr := u.tx.Exec("ROLLBACK TO bulk; RELEASE bulk"); rerr != nil {
			return false, rerr
		}
		if sqliteCode(err) == 19 { // a label in use: row by row says which
			return false, nil
		}
		return false, err
	}
	if _, err := u.tx.Exec("RELEASE bulk"); err != nil {
		return false, err
	}
	// The groups of the new devices, in one more INSERT.
	q.Reset()
	args = args[:0]
	for _, i := range fresh {
		d := chunk[i]
		id := ids[string(d.Environment)+"/"+d.Token]
		for pos, g := range d.Groups {
			if len(args) > 0 {
				q.WriteString(",")
			}
			q.WriteString("(?,?,?,?)")
			args = append(args, id, g, groupKey(g), pos+1)
		}
	}
	if len(args) > 0 {
		if _, err := u.tx.Exec(`INSERT INTO device_groups (device_id, name, name_key, pos) VALUES `+q.String()+` ON CONFLICT DO NOTHING`, args...); err != nil {
			return false, err
		}
	}
	for _, i := range fresh {
		key := string(chunk[i].Environment) + "/" + chunk[i].Token
		id := ids[key]
		isNew[i] = id > u.maxBefore && !u.seen[id]
		u.seen[id] = true
		u.added[key] = true
	}
	return true, nil
}

// noChange says whether upserting d onto e would change nothing.
func noChange(d Device, e existingDevice) bool {
	if d.Label != "" && d.Label != e.label {
		return false
	}
	if d.Topic != "" && d.Topic != e.topic {
		return false
	}
	if d.Kind != "" && d.Kind != KindDevice && string(d.Kind) != e.kind {
		return false
	}
	if d.ActivityType != "" && d.ActivityType != e.atype {
		return false
	}
	for _, g := range d.Groups {
		if !slices.Contains(e.groups, groupKey(g)) {
			return false
		}
	}
	return true
}

// existing reads the devices of chunk already in the book, by
// environment/token.
func (u *upserter) existing(chunk []Device) (map[string]existingDevice, error) {
	var q strings.Builder
	q.WriteString(`SELECT d.id, d.environment, d.token, d.label, d.topic, d.kind, d.activity_type,
		(SELECT group_concat(name_key, char(31)) FROM device_groups g WHERE g.device_id = d.id)
		FROM devices d WHERE (d.environment, d.token) IN (VALUES `)
	args := make([]any, 0, 2*len(chunk))
	for i, d := range chunk {
		if i > 0 {
			q.WriteString(",")
		}
		q.WriteString("(?,?)")
		args = append(args, string(d.Environment), d.Token)
	}
	q.WriteString(")")
	st, err := u.stmt(q.String())
	if err != nil {
		return nil, err
	}
	rows, err := st.Query(args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]existingDevice{}
	for rows.Next() {
		var e existingDevice
		var env, tok string
		var groups sql.NullString
		if err := rows.Scan(&e.id, &env, &tok, &e.label, &e.topic, &e.kind, &e.atype, &groups); err != nil {
			return nil, err
		}
		if groups.String != "" {
			e.groups = strings.Split(groups.String, "\x1f")
		}
		out[env+"/"+tok] = e
	}
	return out, rows.Err()
}

// stmt prepares q once per import: every full chunk has the same text.
func (u *upserter) stmt(q string) (*sql.Stmt, error) {
	if st, ok := u.stmts[q]; ok {
		return st, nil
	}
	st, err := u.tx.Prepare(q)
	if err != nil {
		return nil, err
	}
	u.stmts[q] = st
	return st, nil
}
