package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pushdeck/pushdeck/certs"
)

// devicesDoc is devices.json of the JSON store; ExportDevices writes the same
// shape, so an export is also a valid import.
type devicesDoc struct {
	schemaField
	Devices []Device `json:"devices"`
}

// nsOf is t as stored: Unix nanoseconds, UTC; NULL for the zero time.
func nsOf(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// timeOf reads a stored time back (zero for NULL).
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

const deviceCols = `d.id, d.environment, d.token, d.kind, d.activity_type, d.label, d.topic, d.added_at,
	d.last_status, d.last_reason, d.last_apns_id, d.last_at, d.unregistered_at, d.last_seen_valid`

// scanDevice reads one row of deviceCols.
func scanDevice(sc interface{ Scan(...any) error }) (int64, Device, error) {
	var (
		id                          int64
		d                           Device
		env, kind                   string
		added                       int64
		lastStatus                  sql.NullInt64
		lastReason, lastID          sql.NullString
		lastAt, unreg, lastSeenGood sql.NullInt64
	)
	err := sc.Scan(&id, &env, &d.Token, &kind, &d.ActivityType, &d.Label, &d.Topic, &added,
		&lastStatus, &lastReason, &lastID, &lastAt, &unreg, &lastSeenGood)
	if err != nil {
		return 0, d, err
	}
	d.Environment = certs.Environment(env)
	d.Kind = TokenKind(kind)
	d.AddedAt = time.Unix(0, added).UTC()
	if lastAt.Valid {
		d.Last = &LastResult{Status: int(lastStatus.Int64), Reason: lastReason.String, ApnsID: lastID.String, At: timeOf(lastAt)}
	}
	d.UnregisteredAt = timeOf(unreg)
	d.LastSeenValid = timeOf(lastSeenGood)
	return id, d, nil
}

// DeviceFilter narrows a device listing; zero fields match everything.
type DeviceFilter struct {
	Environment  certs.Environment
	Group        string    // any case
	Kind         TokenKind // "" any kind
	ActivityType string
	Unregistered bool // only devices Apple said are gone (410)
	Status       int  // only devices whose last result had this status (0: any)
}

// Devices lists the device book, by environment then label.
func (s *Store) Devices() ([]Device, error) { return s.DevicesWhere(DeviceFilter{}) }

// DevicesWhere lists the devices f matches, by environment then label.
func (s *Store) DevicesWhere(f DeviceFilter) ([]Device, error) {
	var out []Device
	err := s.EachDevice(context.Background(), f, func(d Device) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// EachDevice calls fn for every device f matches, by environment then
// label, without holding the whole book in memory.
func (s *Store) EachDevice(ctx context.Context, f DeviceFilter, fn func(Device) error) error {
	db, err := s.db()
	if err != nil {
		return err
	}
	s.settle(ctx)
	var where []string
	var args []any
	if f.Environment != "" {
		env, err := certs.ParseEnvironment(string(f.Environment))
		if err != nil {
			return err
		}
		where, args = append(where, "d.environment = ?"), append(args, string(env))
	}
	if f.Group != "" {
		where = append(where, "d.id IN (SELECT device_id FROM device_groups WHERE name_key = ?)")
		args = append(args, groupKey(f.Group))
	}
	if f.Kind != "" {
		where, args = append(where, "d.kind = ?"), append(args, string(f.Kind))
	}
	if f.ActivityType != "" {
		where, args = append(where, "d.activity_type = ?"), append(args, f.ActivityType)
	}
	if f.Unregistered {
		where = append(where, "d.unregistered_at IS NOT NULL")
	}
	if f.Status != 0 {
		where, args = append(where, "d.last_status = ?"), append(args, f.Status)
	}
	q := `SELECT ` + deviceCols + `, (SELECT group_concat(name, char(31)) FROM (SELECT name FROM device_groups g WHERE g.device_id = d.id ORDER BY g.pos))
		FROM devices d`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY d.environment, d.label_key, d.token"
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return s.dbErr("reading the device book", err)
	}
	defer rows.Close()
	for rows.Next() {
		var groups sql.NullString
		var d Device
		dest := deviceDest(&d, &groups)
		if err := rows.Scan(dest.ptrs...); err != nil {
			return s.dbErr("reading the device book", err)
		}
		dest.finish()
		if err := fn(d); err != nil {
			return err
		}
	}
	return s.dbErr("reading the device book", rows.Err())
}

// deviceScan holds the scan targets of deviceCols plus the groups column.
type deviceScan struct {
	ptrs   []any
	finish func()
}

func deviceDest(d *Device, groups *sql.NullString) deviceScan {
	var (
		id                          int64
		env, kind                   string
		added                       int64
		lastStatus                  sql.NullInt64
		lastReason, lastID          sql.NullString
		lastAt, unreg, lastSeenGood sql.NullInt64
	)
	return deviceScan{
		ptrs: []any{&id, &env, &d.Token, &kind, &d.ActivityType, &d.Label, &d.Topic, &added,
			&lastStatus, &lastReason, &lastID, &lastAt, &unreg, &lastSeenGood, groups},
		finish: func() {
			d.Environment = certs.Environment(env)
			d.Kind = TokenKind(kind)
			d.AddedAt = time.Unix(0, added).UTC()
			if lastAt.Valid {
				d.Last = &LastResult{Status: int(lastStatus.Int64), Reason: lastReason.String, ApnsID: lastID.String, At: timeOf(lastAt)}
			}
			d.UnregisteredAt = timeOf(unreg)
			d.LastSeenValid = timeOf(lastSeenGood)
			if groups.Valid && groups.String != "" {
				d.Groups = strings.Split(groups.String, "\x1f")
			}
		},
	}
}

// groupKey is how groups compare: any case.
func groupKey(g string) string { return strings.ToLower(strings.TrimSpace(g)) }

// labelKey is how labels compare: any case.
func labelKey(l string) string { return strings.ToLower(l) }

// AddDevice normalises the token and adds the device; the same token in the
// same environment updates the existing entry instead (label and topic if
// given, groups merged). It returns the stored device and whether it was new.
// A label already used by another token of the same environment is refused:
// labels are how `send --device` picks a phone, so they must be unambiguous.
func (s *Store) AddDevice(d Device) (Device, bool, error) {
	d, err := normalizeDevice(d)
	if err != nil {
		return Device{}, false, err
	}
	var stored Device
	var isNew bool
	err = s.write(context.Background(), "saving the device", func(tx *sql.Tx) error {
		up, err := newUpserter(tx)
		if err != nil {
			return err
		}
		defer up.close()
		id, n, err := up.upsert(d)
		if err != nil {
			return err
		}
		isNew = n
		row := tx.QueryRow(`SELECT `+deviceCols+`, (SELECT group_concat(name, char(31)) FROM (SELECT name FROM device_groups g WHERE g.device_id = d.id ORDER BY g.pos)) FROM devices d WHERE d.id = ?`, id)
		var groups sql.NullString
		dest := deviceDest(&stored, &groups)
		if err := row.Scan(dest.ptrs...); err != nil {
			return err
		}
		dest.finish()
		return nil
	})
	return stored, isNew, err
}

// normalizeDevice checks and cleans what a caller gives (token, environment,
// label, groups, kind) before it meets the book.
func normalizeDevice(d Device) (Device, error) {
	if !isNormalToken(d.Token) {
		tok, err := certs.NormalizeToken(d.Token)
		if err != nil {
			return d, err
		}
		d.Token = tok
	}
	if d.Environment == "" {
		return d, fmt.Errorf("say which environment the device token is for (--env development or --env production): a token from a debug build only works with development")
	}
	env, err := certs.ParseEnvironment(string(d.Environment))
	if err != nil {
		return d, err
	}
	d.Environment = env
	d.Label = strings.TrimSpace(d.Label)
	if strings.IndexFunc(d.Label, unicode.IsControl) >= 0 {
		return d, fmt.Errorf("the label %q has a control character: use plain text", d.Label)
	}
	if len(d.Label) > 80 {
		return d, fmt.Errorf("the label is %d characters long: keep it to 80", len(d.Label))
	}
	kind, err := ParseTokenKind(string(d.Kind))
	if err != nil {
		return d, err
	}
	d.Kind = kind
	d.ActivityType = strings.TrimSpace(d.ActivityType)
	if strings.IndexFunc(d.ActivityType, unicode.IsControl) >= 0 || len(d.ActivityType) > 200 {
		return d, fmt.Errorf("the activity type %q is not a type name: give the Swift name of the ActivityAttributes type", d.ActivityType)
	}
	d.Groups = cleanGroups(d.Groups)
	for _, g := range d.Groups {
		if strings.IndexFunc(g, unicode.IsControl) >= 0 || len(g) > 80 {
			return d, fmt.Errorf("the group name %q is not plain text of up to 80 characters", g)
		}
	}
	d.Topic = strings.TrimSpace(d.Topic)
	return d, nil
}

func cleanGroups(gs []string) []string {
	if groupsClean(gs) {
		return gs
	}
	var out []string
	for _, g := range gs {
		g = strings.TrimSpace(g)
		if g != "" && !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, g) }) {
			out = append(out, g)
		}
	}
	return out
}

// groupsClean says whether cleanGroups would return gs as it is: no
// spaces around a name, no empty name, no name twice in any case.
func groupsClean(gs []string) bool {
	for i, g := range gs {
		if g == "" || strings.TrimSpace(g) != g {
			return false
		}
		for _, h := range gs[:i] {
			if strings.EqualFold(g, h) {
				return false
			}
		}
	}
	return true
}

// isNormalToken says whether s is already what certs.NormalizeToken
// makes of a token (lower-case hex, an even number of digits, 64 to 200),
// so it would return s unchanged: the common case, without its copy.
func isNormalToken(s string) bool {
	if len(s) < certs.DeviceTokenHexLen || len(s) > 200 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// defaultLabel names a device added without a label (an import line with
// just a token) after its token, so it can still be picked by label.
func defaultLabel(token string) string { return "device-" + token[:8] }

// upserter adds or updates many devices in one transaction with prepared
// statements: an import of 100,000 devices is 100,000 index look-ups, not
// 100,000 scans of the book.
type upserter struct {
	tx                   *sql.Tx
	upsert1, group, find *sql.Stmt
	setLast              *sql.Stmt
	conflict             *sql.Stmt
	maxBefore            int64
	seen                 map[int64]bool
	now                  int64
	added                map[string]bool      // environment/token added by upsertMany
	stmts                map[string]*sql.Stmt // upsertMany's, by text
}

func newUpserter(tx *sql.Tx) (*upserter, error) {
	u := &upserter{tx: tx, seen: map[int64]bool{}, now: time.Now().UTC().UnixNano(), added: map[string]bool{}, stmts: map[string]*sql.Stmt{}}
	if err := tx.QueryRow(`SELECT coalesce(max(id), 0) FROM devices`).Scan(&u.maxBefore); err != nil {
		return nil, err
	}
	var err error
	// ?8 says whether the caller gave a label: an update without one
	// keeps the old label.
	if u.upsert1, err = tx.Prepare(`INSERT INTO devices (environment, token, kind, activity_type, label, label_key, topic, added_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9)
		ON CONFLICT (environment, token) DO UPDATE SET
			label = CASE WHEN ?8 THEN excluded.label ELSE label END,
			label_key = CASE WHEN ?8 THEN excluded.label_key ELSE label_key END,
			topic = CASE WHEN excluded.topic <> '' THEN excluded.topic ELSE topic END,
			kind = CASE WHEN ?10 THEN excluded.kind ELSE kind END,
			activity_type = CASE WHEN excluded.activity_type <> '' THEN excluded.activity_type ELSE activity_type END
		RETURNING id`); err != nil {
		return nil, err
	}
	if u.group, err = tx.Prepare(`INSERT INTO device_groups (device_id, name, name_key, pos)
		VALUES (?1, ?2, ?3, (SELECT coalesce(max(pos), 0) + 1 FROM device_groups WHERE device_id = ?1)) ON CONFLICT DO NOTHING`); err != nil {
		u.close()
		return nil, err
	}
	if u.conflict, err = tx.Prepare(`SELECT token FROM devices WHERE environment = ? AND label_key = ? AND token <> ?`); err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

func (u *upserter) close() {
	for _, st := range []*sql.Stmt{u.upsert1, u.group, u.find, u.conflict, u.setLast} {
		if st != nil {
			st.Close()
		}
	}
	for _, st := range u.stmts {
		st.Close()
	}
}

// upsert adds a normalised device or updates the entry with its token and
// environment; it returns the row and whether it is new.
func (u *upserter) upsert(d Device) (int64, bool, error) {
	label, hasLabel := d.Label, d.Label != ""
	if !hasLabel {
		label = defaultLabel(d.Token)
	}
	added := u.now
	if !d.AddedAt.IsZero() {
		added = d.AddedAt.UTC().UnixNano()
	}
	kindGiven := d.Kind != "" && d.Kind != KindDevice
	if d.Kind == "" {
		d.Kind = KindDevice
	}
	var id int64
	err := u.upsert1.QueryRow(string(d.Environment), d.Token, string(d.Kind), d.ActivityType, label, labelKey(label), d.Topic,
		hasLabel, added, kindGiven).Scan(&id)
	if err != nil {
		if sqliteCode(err) == 19 { // SQLITE_CONSTRAINT: the label's unique index
			var other string
			if u.conflict.QueryRow(string(d.Environment), labelKey(label), d.Token).Scan(&other) == nil {
				return 0, false, labelInUse(label, other, d.Environment)
			}
		}
		return 0, false, err
	}
	for _, g := range d.Groups {
		if _, err := u.group.Exec(id, g, groupKey(g)); err != nil {
			return 0, false, err
		}
	}
	isNew := id > u.maxBefore && !u.seen[id]
	u.seen[id] = true
	if isNew && (d.Last != nil || !d.UnregisteredAt.IsZero() || !d.LastSeenValid.IsZero()) {
		// An export or the JSON store carries what the book knew.
		if u.setLast == nil {
			if u.setLast, err = u.tx.Prepare(`UPDATE devices SET last_status = ?, last_reason = ?, last_apns_id = ?, last_at = ?,
				unregistered_at = ?, last_seen_valid = ? WHERE id = ?`); err != nil {
				return 0, false, err
			}
		}
		var st sql.NullInt64
		var reason, apnsID sql.NullString
		var at sql.NullInt64
		if l := d.Last; l != nil {
			st = sql.NullInt64{Int64: int64(l.Status), Valid: true}
			reason = sql.NullString{String: l.Reason, Valid: true}
			apnsID = sql.NullString{String: l.ApnsID, Valid: true}
			at = nsOf(l.At)
			if !at.Valid {
				at = sql.NullInt64{Int64: u.now, Valid: true}
			}
		}
		if _, err := u.setLast.Exec(st, reason, apnsID, at, nsOf(d.UnregisteredAt), nsOf(d.LastSeenValid), id); err != nil {
			return 0, false, err
		}
	}
	return id, isNew, nil
}

// RemoveDevice removes by label (or by token). A label used in both
// environments is refused rather than guessed: remove by token then.
func (s *Store) RemoveDevice(labelOrToken string) error {
	return s.write(context.Background(), "removing the device", func(tx *sql.Tx) error {
		ids, ds, err := matchDevices(tx, "", labelOrToken)
		if err != nil {
			return err
		}
		switch len(ids) {
		case 0:
			return notFoundf("no device labelled %q and no token like it: see `pushdeck devices list`", labelOrToken)
		case 1:
			_, err := tx.Exec(`DELETE FROM devices WHERE id = ?`, ids[0])
			return err
		}
		var which []string
		for _, d := range ds {
			which = append(which, fmt.Sprintf("%s in %s", d.Token, d.Environment))
		}
		return fmt.Errorf("%q names %d devices (%s): remove one by its token", labelOrToken, len(ids), strings.Join(which, "; "))
	})
}

// querier is what a *sql.DB and a *sql.Tx share.
type querier interface {
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
}

// matchDevices finds devices (in env, or any) by label (any case) or by
// token, written however the user pasted it.
func matchDevices(q querier, env certs.Environment, labelOrToken string) ([]int64, []Device, error) {
	key := strings.TrimSpace(labelOrToken)
	tok, tokErr := certs.NormalizeToken(key)
	if tokErr != nil {
		tok = "\x00" // matches no token
	}
	// Both conditions name the environment, so each is answered from a
	// unique index (environment, token) or (environment, label_key).
	envs := []any{string(certs.Development), string(certs.Production)}
	if env != "" {
		envs = []any{string(env), string(env)}
	}
	query := `SELECT ` + deviceCols + ` FROM devices d WHERE
		(d.environment IN (?, ?) AND d.label_key = ?) OR (d.environment IN (?, ?) AND d.token = ?)`
	args := []any{envs[0], envs[1], labelKey(key), envs[0], envs[1], tok}
	query += ` ORDER BY d.environment, d.label_key, d.token`
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ids []int64
	var ds []Device
	for rows.Next() {
		id, d, err := scanDevice(rows)
		if err != nil {
			return nil, nil, err
		}
		ids, ds = append(ids, id), append(ds, d)
	}
	return ids, ds, rows.Err()
}

// SelectDevices resolves `--device LABEL` (repeatable) and `--group G` for a
// send in env: every named device must exist in env, every group must have a
// member there. Each device appears once, in book order, with what a send
// uses of it: environment, token, kind, activity type, label, topic and
// 410 date (not its groups, added time or last result: reading those for
// 20,000 devices was most of the select's time).
func (s *Store) SelectDevices(env certs.Environment, labels, groups []string) ([]Device, error) {
	db, err := s.db()
	if err != nil {
		return nil, err
	}
	s.settle(context.Background())
	env, err = certs.ParseEnvironment(string(env))
	if err != nil {
		return nil, err
	}
	picked := map[int64]bool{}
	for _, l := range labels {
		ids, _, err := matchDevices(db, env, l)
		if err != nil {
			return nil, s.dbErr("reading the device book", err)
		}
		if len(ids) == 0 {
			return nil, notFoundf("no %s device labelled %q: %s", env, l, s.knownLabels(env))
		}
		for _, id := range ids {
			picked[id] = true
		}
	}
	var groupKeys []any
	for _, g := range groups {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM device_groups g JOIN devices d ON d.id = g.device_id WHERE g.name_key = ? AND d.environment = ?`,
			groupKey(g), string(env)).Scan(&n)
		if err != nil {
			return nil, s.dbErr("reading the device book", err)
		}
		if n == 0 {
			return nil, notFoundf("no %s device is in group %q: add one with `pushdeck devices add TOKEN --label L --env %s --group %q`", env, g, env, g)
		}
		groupKeys = append(groupKeys, groupKey(g))
	}
	if len(picked) == 0 && len(groupKeys) == 0 {
		return nil, nil
	}
	// One pass over the environment's devices in book order, keeping the
	// picked ones and the members of the groups.
	// Each device's group names are left out (NULL): a send needs none,
	// and gathering them cost a sub-query per device (a third of the time
	// of selecting a 20,000-device group).
	q := `SELECT d.environment, d.token, d.kind, d.activity_type, d.label, d.topic, d.unregistered_at FROM devices d WHERE d.environment = ?`
	args := []any{string(env)}
	var ors []string
	if len(picked) > 0 {
		ph := make([]string, 0, len(picked))
		for id := range picked {
			ph = append(ph, "?")
			args = append(args, id)
		}
		ors = append(ors, "d.id IN ("+strings.Join(ph, ",")+")")
	}
	if len(groupKeys) > 0 {
		ors = append(ors, "d.id IN (SELECT device_id FROM device_groups WHERE name_key IN ("+strings.TrimSuffix(strings.Repeat("?,", len(groupKeys)), ",")+"))")
		args = append(args, groupKeys...)
	}
	q += " AND (" + strings.Join(ors, " OR ") + ") ORDER BY d.label_key, d.token"
	rows, err := db.Query(q, args...)
	if err != nil {
		return nil, s.dbErr("reading the device book", err)
	}
	defer rows.Close()
	var out []Device
	var envName, kind string
	var unreg sql.NullInt64
	for rows.Next() {
		var d Device
		if err := rows.Scan(&envName, &d.Token, &kind, &d.ActivityType, &d.Label, &d.Topic, &unreg); err != nil {
			return nil, s.dbErr("reading the device book", err)
		}
		d.Environment, d.Kind, d.UnregisteredAt = certs.Environment(envName), TokenKind(kind), timeOf(unreg)
		out = append(out, d)
	}
	return out, s.dbErr("reading the device book", rows.Err())
}

// knownLabels lists a few labels of env for a "no such device" message.
func (s *Store) knownLabels(env certs.Environment) string {
	db, err := s.db()
	if err != nil {
		return ""
	}
	rows, err := db.Query(`SELECT label FROM devices WHERE environment = ? ORDER BY label_key LIMIT 21`, string(env))
	if err != nil {
		return ""
	}
	defer rows.Close()
	var ls []string
	for rows.Next() {
		var l string
		if rows.Scan(&l) == nil {
			ls = append(ls, l)
		}
	}
	switch {
	case len(ls) == 0:
		return "the device book has none in this environment"
	case len(ls) > 20:
		return "known labels include " + strings.Join(ls[:20], ", ") + ", … (see `pushdeck devices list`)"
	}
	return "known labels are " + strings.Join(ls, ", ")
}

// RecordResults sets each device's last result (by environment and token); an
// Unregistered result marks the device dead with Apple's timestamp, and a
// later success clears that mark. Tokens not in the book are ignored: a send
// to a pasted token does not add it.
func (s *Store) RecordResults(env certs.Environment, results []DeviceResult) error {
	if len(results) == 0 {
		return nil
	}
	env, err := certs.ParseEnvironment(string(env))
	if err != nil {
		return err
	}
	return s.write(context.Background(), fmt.Sprintf("recording %d results in the device book", len(results)), func(tx *sql.Tx) error {
		return recordDeviceResults(tx, env, results)
	})
}

// deviceResultSQL sets a device's last result unless a newer one is there
// already (a late result must not hide a newer one).
const deviceResultSQL = `UPDATE devices SET
	last_status = ?1, last_reason = ?2, last_apns_id = ?3, last_at = ?4,
	unregistered_at = CASE WHEN ?5 IS NOT NULL THEN ?5 WHEN ?1 = 410 THEN ?4 WHEN ?1 = 200 THEN NULL ELSE unregistered_at END,
	last_seen_valid = CASE WHEN ?1 = 200 THEN ?4 ELSE last_seen_valid END
	WHERE environment = ?6 AND token = ?7 AND (last_at IS NULL OR last_at <= ?4)`

func recordDeviceResults(tx *sql.Tx, env certs.Environment, results []DeviceResult) error {
	st, err := tx.Prepare(deviceResultSQL)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC()
	for _, r := range results {
		if err := execDeviceResult(st, env, r, now); err != nil {
			return err
		}
	}
	return nil
}

func execDeviceResult(st *sql.Stmt, env certs.Environment, r DeviceResult, now time.Time) error {
	tok := r.Token
	if t, err := certs.NormalizeToken(tok); err == nil {
		tok = t
	}
	when := r.At
	if when.IsZero() {
		when = now
	}
	_, err := st.Exec(r.Status, r.Reason, r.ApnsID, when.UTC().UnixNano(), nsOf(r.UnregisteredAt), string(env), tok)
	return err
}

// DeviceCount is the number of devices in the book.
func (s *Store) DeviceCount() (int, error) {
	db, err := s.db()
	if err != nil {
		return 0, err
	}
	var n int
	err = db.QueryRow(`SELECT count(*) FROM devices`).Scan(&n)
	return n, s.dbErr("reading the device book", err)
}

// errStop ends an iteration early without being an error to the caller.
var errStop = errors.New("stop")

// deviceUpdate is one result on its way to the device book.
type deviceUpdate struct {
	env certs.Environment
	r   DeviceResult
}

// deviceResultsSQL is deviceResultSQL for many devices at once: r's
// columns are status, reason, apns-id, at, unregistered-at, environment,
// token. Each device may appear once per statement (an UPDATE ... FROM
// uses one of several matching rows). OR FAIL: no statement journal (see
// historyInsertHead).
const (
	deviceResultsHead = `UPDATE OR FAIL devices SET
	last_status = r.column1, last_reason = r.column2, last_apns_id = r.column3, last_at = r.column4,
	unregistered_at = CASE WHEN r.column5 IS NOT NULL THEN r.column5 WHEN r.column1 = 410 THEN r.column4 WHEN r.column1 = 200 THEN NULL ELSE devices.unregistered_at END,
	last_seen_valid = CASE WHEN r.column1 = 200 THEN r.column4 ELSE devices.last_seen_valid END
	FROM (VALUES `
	deviceResultsRow  = `(?,?,?,?,?,?,?)`
	deviceResultsTail = `) AS r
	WHERE devices.environment = r.column6 AND devices.token = r.column7 AND (devices.last_at IS NULL OR devices.last_at <= r.column4)`
	deviceResultsChunk = 32
)

func deviceResultsSQL(n int) string {
	return deviceResultsHead + strings.TrimSuffix(strings.Repeat(deviceResultsRow+",", n), ",") + deviceResultsTail
}

// updateDeviceResults sets the last result of each device in ups, in
// order, as execDeviceResult one by one would, in statements of up to
// deviceResultsChunk devices. An environment with no device in the book
// (a send from a tokens file) costs one look-up per group. A device that
// appears more than once goes in a later statement each time, so its
// results still apply in order.
func updateDeviceResults(ups []deviceUpdate, now time.Time, prep prepareFunc) error {
	if len(ups) == 0 {
		return nil
	}
	inBook := map[certs.Environment]bool{}
	for _, u := range ups {
		if _, ok := inBook[u.env]; ok {
			continue
		}
		exists, err := prep(`SELECT EXISTS (SELECT 1 FROM devices WHERE environment = ?)`)
		if err != nil {
			return err
		}
		var has bool
		if err := exists.QueryRow(string(u.env)).Scan(&has); err != nil {
			return err
		}
		inBook[u.env] = has
	}
	type key struct {
		env certs.Environment
		tok string
	}
	seen := map[key]int{}
	var rounds [][]deviceUpdate
	for _, u := range ups {
		if !inBook[u.env] {
			continue
		}
		if t, err := certs.NormalizeToken(u.r.Token); err == nil {
			u.r.Token = t
		}
		if u.r.At.IsZero() {
			u.r.At = now
		}
		k := key{u.env, u.r.Token}
		n := seen[k]
		seen[k] = n + 1
		if n == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[n] = append(rounds[n], u)
	}
	args := make([]any, 0, 7*deviceResultsChunk)
	for _, round := range rounds {
		for len(round) > 0 {
			n := chunkSize(len(round), deviceResultsChunk)
			args = args[:0]
			for _, u := range round[:n] {
				args = append(args, int64(u.r.Status), u.r.Reason, u.r.ApnsID, u.r.At.UTC().UnixNano(), nullNS(u.r.UnregisteredAt), string(u.env), u.r.Token)
			}
			st, err := prep(deviceResultsSQL(n))
			if err != nil {
				return err
			}
			if _, err := st.Exec(args...); err != nil {
				return err
			}
			round = round[n:]
		}
	}
	return nil
}
