package profiles

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/pushdeck/pushdeck/certs"
)

// ErrNotFound is wrapped by every "no such profile/device/payload" error so
// callers can tell a missing name from a broken file.
var ErrNotFound = errors.New("not found")

// notFound is a "no such name" error whose message says what exists
// instead; errors.Is(err, ErrNotFound) holds for it.
type notFound struct{ msg string }

func (e *notFound) Error() string        { return e.msg }
func (e *notFound) Is(target error) bool { return target == ErrNotFound }

func notFoundf(format string, args ...any) error {
	return &notFound{fmt.Sprintf(format, args...)}
}

// schemaField is embedded in every file's document so each carries its
// version; stamp sets it on write.
type schemaField struct {
	Schema int `json:"schema"`
}

func (f *schemaField) stamp() { f.Schema = SchemaVersion }

// profilesDoc is profiles.json.
type profilesDoc struct {
	schemaField
	Active   string    `json:"active,omitempty"`
	Profiles []Profile `json:"profiles"`
}

// Profiles lists saved profiles by name.
func (s *Store) Profiles() ([]Profile, error) {
	doc, err := read[profilesDoc](s, profilesFile)
	if err != nil {
		return nil, err
	}
	ps := doc.Profiles
	slices.SortFunc(ps, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return ps, nil
}

// Profile returns the named profile.
func (s *Store) Profile(name string) (Profile, error) {
	doc, err := read[profilesDoc](s, profilesFile)
	if err != nil {
		return Profile{}, err
	}
	if i := findProfile(doc.Profiles, name); i >= 0 {
		return doc.Profiles[i], nil
	}
	return Profile{}, notFoundProfile(doc.Profiles, name)
}

func findProfile(ps []Profile, name string) int {
	return slices.IndexFunc(ps, func(p Profile) bool { return p.Name == name })
}

func notFoundProfile(ps []Profile, name string) error {
	if len(ps) == 0 {
		return notFoundf("no profile named %q: there are no saved profiles yet; add one with `pushdeck profiles add NAME --cert FILE --env development`", name)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	slices.Sort(names)
	return notFoundf("no profile named %q: saved profiles are %s", name, strings.Join(names, ", "))
}

// SaveProfile adds or replaces a profile by name. Checking the credential
// (health, environment allowed) is the caller's job through CheckProfile.
// Relative paths are made absolute so the profile works from any folder.
func (s *Store) SaveProfile(p Profile) error {
	p, err := normalizeProfile(p)
	if err != nil {
		return err
	}
	return update(s, profilesFile, func(doc *profilesDoc) error {
		now := time.Now().UTC()
		p.UpdatedAt = now
		if i := findProfile(doc.Profiles, p.Name); i >= 0 {
			if !doc.Profiles[i].CreatedAt.IsZero() {
				p.CreatedAt = doc.Profiles[i].CreatedAt
			}
			if p.CreatedAt.IsZero() {
				p.CreatedAt = now
			}
			doc.Profiles[i] = p
		} else {
			if p.CreatedAt.IsZero() {
				p.CreatedAt = now
			}
			doc.Profiles = append(doc.Profiles, p)
		}
		return nil
	})
}

// RemoveProfile deletes the named profile (and forgets it as the active one).
func (s *Store) RemoveProfile(name string) error {
	return update(s, profilesFile, func(doc *profilesDoc) error {
		i := findProfile(doc.Profiles, name)
		if i < 0 {
			return notFoundProfile(doc.Profiles, name)
		}
		doc.Profiles = slices.Delete(doc.Profiles, i, i+1)
		if doc.Active == name {
			doc.Active = ""
		}
		return nil
	})
}

// Active returns the name of the active profile ("" if none, or if the
// profile it named has since been removed by hand).
func (s *Store) Active() (string, error) {
	doc, err := read[profilesDoc](s, profilesFile)
	if err != nil {
		return "", err
	}
	if doc.Active == "" || findProfile(doc.Profiles, doc.Active) < 0 {
		return "", nil
	}
	return doc.Active, nil
}

// SetActive remembers the active profile; "" forgets it.
func (s *Store) SetActive(name string) error {
	return update(s, profilesFile, func(doc *profilesDoc) error {
		if name != "" && findProfile(doc.Profiles, name) < 0 {
			return notFoundProfile(doc.Profiles, name)
		}
		doc.Active = name
		return nil
	})
}

// ValidateName checks a profile or payload name: it is typed on command
// lines, so no control characters and no leading dash.
func ValidateName(kind, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("the %s name is empty: give a short name such as \"myapp-dev\"", kind)
	case name != strings.TrimSpace(name):
		return fmt.Errorf("the %s name %q starts or ends with spaces: remove them", kind, name)
	case strings.HasPrefix(name, "-"):
		return fmt.Errorf("the %s name %q starts with '-', which reads as a flag: choose another name", kind, name)
	case len(name) > 64:
		return fmt.Errorf("the %s name is %d characters long: keep it to 64", kind, len(name))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("the %s name %q has a control character: use letters, digits, spaces, '-', '_' or '.'", kind, name)
	}
	return nil
}

// normalizeProfile checks the fields a profile must have to be usable later
// and cleans them (environment synonyms, absolute paths).
func normalizeProfile(p Profile) (Profile, error) {
	if err := ValidateName("profile", p.Name); err != nil {
		return p, err
	}
	if p.CertPath == "" {
		return p, fmt.Errorf("profile %q has no credential file: give --cert FILE (.p12, .pem, .cer or .p8)", p.Name)
	}
	env, err := certs.ParseEnvironment(string(p.Environment))
	if err != nil {
		return p, fmt.Errorf("profile %q: %w", p.Name, err)
	}
	p.Environment = env
	if p.Auth == "" {
		p.Auth = certs.AuthCertificate
	}
	if p.Auth != certs.AuthCertificate && p.Auth != certs.AuthToken {
		return p, fmt.Errorf("profile %q: auth %q is neither %q nor %q", p.Name, p.Auth, certs.AuthCertificate, certs.AuthToken)
	}
	for _, path := range []*string{&p.CertPath, &p.KeyPath, &p.ServerCA} {
		if *path != "" {
			abs, err := filepath.Abs(*path)
			if err != nil {
				return p, fmt.Errorf("profile %q: %w", p.Name, err)
			}
			*path = abs
		}
	}
	if p.Host != "" {
		u, err := url.Parse(p.Host)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return p, fmt.Errorf("profile %q: host %q is not an https:// URL: write it as https://HOST[:PORT]", p.Name, p.Host)
		}
	}
	if p.Port < 0 || p.Port > 65535 {
		return p, fmt.Errorf("profile %q: port %d is out of range: APNs listens on 443 or 2197", p.Name, p.Port)
	}
	switch p.Priority {
	case 0, 1, 5, 10:
	default:
		return p, fmt.Errorf("profile %q: priority %d is not one APNs accepts: use 10 (now), 5 (power-saving) or 1 (lowest)", p.Name, p.Priority)
	}
	switch p.Password.Kind {
	case "":
		p.Password.Kind = "none"
		p.Password.Name = ""
	case "none", "prompt":
		p.Password.Name = ""
	case "env":
		if p.Password.Name == "" {
			return p, fmt.Errorf("profile %q: the password comes from an environment variable but none is named: give --password-env VAR", p.Name)
		}
	case "file":
		if p.Password.Name == "" {
			return p, fmt.Errorf("profile %q: the password comes from a file but none is named: give --password-file FILE", p.Name)
		}
		abs, err := filepath.Abs(p.Password.Name)
		if err != nil {
			return p, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		p.Password.Name = abs
	default:
		return p, fmt.Errorf("profile %q: password source %q is not none, prompt, env or file", p.Name, p.Password.Kind)
	}
	return p, nil
}
