package ui

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// Demo profile names.
const (
	DemoDevProfile   = "demo-dev"
	DemoProdProfile  = "demo-prod"
	DemoTokenProfile = "demo-token"
)

// NewDemoWorld starts the demo servers and fills a store in a temporary
// folder with the demo profiles and devices; Close removes all of it.
func NewDemoWorld() (DemoWorld, error) {
	d, err := apnstest.NewDemo()
	if err != nil {
		return DemoWorld{}, fmt.Errorf("cannot start the demo servers: %w", err)
	}
	dir, err := os.MkdirTemp("", "pushdeck-demo-home-")
	if err != nil {
		d.Close()
		return DemoWorld{}, fmt.Errorf("cannot make a temporary folder for the demo: %w", err)
	}
	closeAll := func() error {
		return errors.Join(d.Close(), os.RemoveAll(dir))
	}
	w, err := fillDemoStore(d, dir)
	if err != nil {
		_ = closeAll() // the fill error says more
		return DemoWorld{}, err
	}
	w.Close = closeAll
	return w, nil
}

func fillDemoStore(d *apnstest.Demo, dir string) (DemoWorld, error) {
	store, err := profiles.Open(dir)
	if err != nil {
		return DemoWorld{}, err
	}
	pwSource := profiles.PasswordSource{Kind: "none"}
	pws := map[string]string{}
	if d.CertPassword != "" {
		pwSource = profiles.PasswordSource{Kind: "prompt"}
		pws[DemoDevProfile], pws[DemoProdProfile] = d.CertPassword, d.CertPassword
	}
	cert := func(name string, env certs.Environment, srv *apnstest.Server, note string) profiles.Profile {
		return profiles.Profile{Name: name, CertPath: d.CertPath, Auth: certs.AuthCertificate, Environment: env,
			Topic: d.Topic, Host: srv.URL(), ServerCA: d.ServerCAPath, Password: pwSource, Notes: note}
	}
	ps := []profiles.Profile{
		cert(DemoDevProfile, certs.Development, d.Development, "demo: the universal certificate on the local development server"),
		cert(DemoProdProfile, certs.Production, d.Production, "demo: the universal certificate on the local production server"),
		{Name: DemoTokenProfile, CertPath: d.P8Path, Auth: certs.AuthToken, KeyID: d.KeyID, TeamID: d.TeamID,
			Environment: certs.Development, Topic: d.Topic, Host: d.Development.URL(), ServerCA: d.ServerCAPath,
			Password: profiles.PasswordSource{Kind: "none"}, Notes: "demo: a token key (.p8) on the local development server"},
	}
	for _, p := range ps {
		if err := store.SaveProfile(p); err != nil {
			return DemoWorld{}, fmt.Errorf("demo profile %s: %w", p.Name, err)
		}
	}
	now := time.Now().UTC()
	for _, dd := range d.Devices {
		dev := profiles.Device{Label: dd.Label, Token: dd.Token, Environment: dd.Environment, Topic: d.Topic, AddedAt: now}
		if _, _, err := store.AddDevice(dev); err != nil {
			return DemoWorld{}, fmt.Errorf("demo device %s: %w", dd.Label, err)
		}
	}
	// The Live Activity app: a push-to-start token and update tokens (one
	// ended), in their own group, with their kinds; and the channels with
	// their labels and policies.
	for _, a := range d.Activities {
		kind, err := profiles.ParseTokenKind(a.Kind)
		if err != nil {
			return DemoWorld{}, fmt.Errorf("demo activity %s: %w", a.Label, err)
		}
		dev := profiles.Device{Label: a.Label, Token: a.Token, Environment: a.Environment, Topic: d.Topic, Kind: kind,
			ActivityType: a.ActivityType, Groups: []string{"live-activity"}, AddedAt: now}
		if _, _, err := store.AddDevice(dev); err != nil {
			return DemoWorld{}, fmt.Errorf("demo activity %s: %w", a.Label, err)
		}
	}
	for _, c := range d.Channels {
		ch := profiles.Channel{ID: c.ID, Topic: d.Topic, Environment: c.Environment, Label: c.Label, StoragePolicy: c.Policy, CreatedAt: now}
		if _, err := store.SaveChannel(ch); err != nil {
			return DemoWorld{}, fmt.Errorf("demo channel %s: %w", c.Label, err)
		}
	}
	if err := store.SetActive(DemoDevProfile); err != nil {
		return DemoWorld{}, err
	}
	return DemoWorld{Store: store, Passwords: pws}, nil
}
