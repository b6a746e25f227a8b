package apnstest

import (
	"encoding/json"
	"fmt"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Registry maps tokens to devices; safe for concurrent use. A server with a
// registry answers BadDeviceToken for every token it does not hold, as APNs
// does for a token it never issued.
type Registry struct {
	mu         sync.RWMutex
	devices    map[string]Device
	activities map[string]*ActivityState // Live Activity tokens' device view
}

// NewRegistry makes a registry of the given devices. Tokens are stored in
// lower case with spaces and brackets removed; an empty State means active.
func NewRegistry(devices ...Device) *Registry {
	r := &Registry{devices: make(map[string]Device, len(devices))}
	for _, d := range devices {
		r.Put(d)
	}
	return r
}

// LoadRegistry reads a registry from a JSON file (an array of Device). Each
// entry must have a valid token; environment may be "development"
// ("sandbox"), "production" or empty (valid in both); state may be
// "active" (or empty), "unregistered" or "expired".
func LoadRegistry(path string) (*Registry, error) {
	data, err := fsafe.ReadFile(path, fsafe.LimitTokens, "device registry") // no FIFOs, devices, or memory blow-ups
	if err != nil {
		return nil, fmt.Errorf("cannot read the device registry: %w", err)
	}
	data = fsafe.StripBOM(data)
	var devs []Device
	if err := json.Unmarshal(data, &devs); err != nil {
		return nil, fmt.Errorf("%s is not a device registry: %v: it must be a JSON array of "+
			`{"token":"<64 hex>","environment":"development|production","topic":"...","state":"active|unregistered|expired"}`, path, err)
	}
	r := &Registry{devices: make(map[string]Device, len(devs))}
	for i, d := range devs {
		tok, err := certs.NormalizeToken(d.Token)
		if err != nil {
			return nil, fmt.Errorf("%s, device %d: %v", path, i+1, err)
		}
		d.Token = tok
		if d.Environment != "" {
			env, err := certs.ParseEnvironment(string(d.Environment))
			if err != nil {
				return nil, fmt.Errorf("%s, device %d: %v", path, i+1, err)
			}
			d.Environment = env
		}
		switch d.State {
		case "", StateActive, StateUnregistered, StateExpired:
		default:
			return nil, fmt.Errorf("%s, device %d: unknown state %q: use active, unregistered or expired", path, i+1, d.State)
		}
		switch d.Kind {
		case "", KindDevice, KindLiveActivityStart, KindLiveActivityUpdate:
		default:
			return nil, fmt.Errorf("%s, device %d: unknown kind %q: use device, liveactivity-start or liveactivity-update", path, i+1, d.Kind)
		}
		if _, dup := r.devices[tok]; dup {
			return nil, fmt.Errorf("%s, device %d: token %s… is listed twice", path, i+1, tok[:8])
		}
		r.Put(d)
	}
	return r, nil
}

func normalize(tok string) string {
	if t, err := certs.NormalizeToken(tok); err == nil {
		return t
	}
	return strings.ToLower(strings.TrimSpace(tok))
}

// Put adds or replaces a device.
func (r *Registry) Put(d Device) {
	d.Token = normalize(d.Token)
	if d.State == "" {
		d.State = StateActive
	}
	r.mu.Lock()
	r.devices[d.Token] = d
	r.mu.Unlock()
}

// Lookup finds a device by token (any case).
func (r *Registry) Lookup(token string) (Device, bool) {
	r.mu.RLock()
	d, ok := r.devices[normalize(token)]
	r.mu.RUnlock()
	return d, ok
}

// Unregister marks a device as uninstalled since at: from then on the
// server answers 410 Unregistered with that timestamp. It reports whether
// the token was known.
func (r *Registry) Unregister(token string, at time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := normalize(token)
	d, ok := r.devices[t]
	if ok {
		d.State, d.UnregisteredAt = StateUnregistered, at
		r.devices[t] = d
	}
	return ok
}

// Remove forgets a device; the server then answers BadDeviceToken for it.
func (r *Registry) Remove(token string) {
	r.mu.Lock()
	delete(r.devices, normalize(token))
	r.mu.Unlock()
}

// Devices lists the devices, sorted by token.
func (r *Registry) Devices() []Device {
	r.mu.RLock()
	out := make([]Device, 0, len(r.devices))
	for _, d := range r.devices {
		out = append(out, d)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Device) int { return strings.Compare(a.Token, b.Token) })
	return out
}

// Len is the number of devices.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.devices)
}
