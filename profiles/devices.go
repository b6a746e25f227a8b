package profiles

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pushdeck/pushdeck/certs"
)

// devicesDoc is devices.json; ExportDevices writes the same shape, so an
// export is also a valid devices.json.
type devicesDoc struct {
	schemaField
	Devices []Device `json:"devices"`
}

// Devices lists the device book, by environment then label.
func (s *Store) Devices() ([]Device, error) {
	doc, err := read[devicesDoc](s, devicesFile)
	if err != nil {
		return nil, err
	}
	sortDevices(doc.Devices)
	return doc.Devices, nil
}

func sortDevices(ds []Device) {
	slices.SortStableFunc(ds, func(a, b Device) int {
		return cmp.Or(strings.Compare(string(a.Environment), string(b.Environment)),
			strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label)),
			strings.Compare(a.Token, b.Token))
	})
}

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
	err = update(s, devicesFile, func(doc *devicesDoc) error {
		var err error
		stored, isNew, err = doc.upsert(d)
		return err
	})
	return stored, isNew, err
}

// normalizeDevice checks and cleans what a caller gives (token, environment,
// label, groups) before it meets the book.
func normalizeDevice(d Device) (Device, error) {
	tok, err := certs.NormalizeToken(d.Token)
	if err != nil {
		return d, err
	}
	d.Token = tok
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
	d.Groups = cleanGroups(d.Groups)
	d.Topic = strings.TrimSpace(d.Topic)
	return d, nil
}

func cleanGroups(gs []string) []string {
	var out []string
	for _, g := range gs {
		g = strings.TrimSpace(g)
		if g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// defaultLabel names a device added without a label (an import line with
// just a token) after its token, so it can still be picked by label.
func defaultLabel(token string) string { return "device-" + token[:8] }

// upsert adds a normalised device or updates the entry with its token and
// environment.
func (doc *devicesDoc) upsert(d Device) (Device, bool, error) {
	i := slices.IndexFunc(doc.Devices, func(x Device) bool {
		return x.Environment == d.Environment && x.Token == d.Token
	})
	label := d.Label
	if label == "" && i >= 0 {
		label = doc.Devices[i].Label
	}
	if label == "" {
		label = defaultLabel(d.Token)
	}
	for _, x := range doc.Devices {
		if x.Environment == d.Environment && x.Token != d.Token && strings.EqualFold(x.Label, label) {
			return Device{}, false, fmt.Errorf("the label %q is already used by token %s… in %s: choose another label, or remove that device first (pushdeck devices remove %s)",
				label, x.Token[:12], x.Environment, x.Token)
		}
	}
	if i >= 0 {
		old := &doc.Devices[i]
		old.Label = label
		if d.Topic != "" {
			old.Topic = d.Topic
		}
		old.Groups = cleanGroups(append(old.Groups, d.Groups...))
		return *old, false, nil
	}
	d.Label = label
	if d.AddedAt.IsZero() {
		d.AddedAt = time.Now().UTC()
	}
	doc.Devices = append(doc.Devices, d)
	return d, true, nil
}

// RemoveDevice removes by label (or by token). A label used in both
// environments is refused rather than guessed: remove by token then.
func (s *Store) RemoveDevice(labelOrToken string) error {
	return update(s, devicesFile, func(doc *devicesDoc) error {
		idx := matchDevices(doc.Devices, labelOrToken)
		switch len(idx) {
		case 0:
			return notFoundf("no device labelled %q and no token like it: see `pushdeck devices list`", labelOrToken)
		case 1:
			doc.Devices = slices.Delete(doc.Devices, idx[0], idx[0]+1)
			return nil
		}
		var which []string
		for _, i := range idx {
			which = append(which, fmt.Sprintf("%s in %s", doc.Devices[i].Token, doc.Devices[i].Environment))
		}
		return fmt.Errorf("%q names %d devices (%s): remove one by its token", labelOrToken, len(idx), strings.Join(which, "; "))
	})
}

// matchDevices finds devices by label (any case) or by token, written
// however the user pasted it.
func matchDevices(ds []Device, labelOrToken string) []int {
	key := strings.TrimSpace(labelOrToken)
	tok, tokErr := certs.NormalizeToken(key)
	var idx []int
	for i, d := range ds {
		if strings.EqualFold(d.Label, key) || (tokErr == nil && d.Token == tok) {
			idx = append(idx, i)
		}
	}
	return idx
}

// SelectDevices resolves `--device LABEL` (repeatable) and `--group G` for a
// send in env: every named device must exist in env, every group must have a
// member there. Each device appears once, in book order.
func (s *Store) SelectDevices(env certs.Environment, labels, groups []string) ([]Device, error) {
	all, err := s.Devices()
	if err != nil {
		return nil, err
	}
	var inEnv []Device
	for _, d := range all {
		if d.Environment == env {
			inEnv = append(inEnv, d)
		}
	}
	picked := make([]bool, len(inEnv))
	for _, l := range labels {
		idx := matchDevices(inEnv, l)
		if len(idx) == 0 {
			return nil, notFoundf("no %s device labelled %q: %s", env, l, knownLabels(inEnv))
		}
		for _, i := range idx {
			picked[i] = true
		}
	}
	for _, g := range groups {
		found := false
		for i, d := range inEnv {
			if slices.ContainsFunc(d.Groups, func(x string) bool { return strings.EqualFold(x, g) }) {
				picked[i], found = true, true
			}
		}
		if !found {
			return nil, notFoundf("no %s device is in group %q: add one with `pushdeck devices add TOKEN --label L --env %s --group %q`", env, g, env, g)
		}
	}
	var out []Device
	for i, d := range inEnv {
		if picked[i] {
			out = append(out, d)
		}
	}
	return out, nil
}

func knownLabels(ds []Device) string {
	if len(ds) == 0 {
		return "the device book has none in this environment"
	}
	ls := make([]string, len(ds))
	for i, d := range ds {
		ls[i] = d.Label
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
	return update(s, devicesFile, func(doc *devicesDoc) error {
		at := make(map[string]int, len(doc.Devices))
		for i, d := range doc.Devices {
			if d.Environment == env {
				at[d.Token] = i
			}
		}
		for _, r := range results {
			tok := r.Token
			if t, err := certs.NormalizeToken(tok); err == nil {
				tok = t
			}
			i, ok := at[tok]
			if !ok {
				continue
			}
			when := r.At
			if when.IsZero() {
				when = time.Now().UTC()
			}
			d := &doc.Devices[i]
			if d.Last != nil && d.Last.At.After(when) {
				continue // an older result arriving late must not hide a newer one
			}
			d.Last = &LastResult{Status: r.Status, Reason: r.Reason, ApnsID: r.ApnsID, At: when}
			switch {
			case !r.UnregisteredAt.IsZero():
				d.UnregisteredAt = r.UnregisteredAt
			case r.Status == 410:
				d.UnregisteredAt = when
			case r.Status == 200:
				d.UnregisteredAt = time.Time{}
			}
		}
		return nil
	})
}
