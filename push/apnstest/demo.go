package apnstest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// The demo credential's identity.
const (
	DemoTopic  = "com.example.pushdeck"
	DemoTeamID = "ABCDE12345"
	DemoKeyID  = "DEMOKEY123"
)

// Demo is the offline world of `pushdeck demo`: two local APNs servers
// (development and production) under a throwaway CA, a universal demo
// credential and a token key written into a temporary folder, and demo
// devices in both environments. Close stops the servers and removes the folder.
type Demo struct {
	Dir         string // temporary folder holding the files below
	Development *Server
	Production  *Server
	// CertPath is a universal (development + production) ck.pem-style
	// credential with topics (app, voip, complication); CertPassword opens it
	// ("" when unencrypted).
	CertPath     string
	CertPassword string
	// P8Path, KeyID and TeamID are a token-auth key both servers accept.
	P8Path string
	KeyID  string
	TeamID string
	Topic  string
	// ServerCAPath is the PEM file of the CA that signed both servers.
	ServerCAPath string
	// Devices are the demo devices: in each environment at least one that
	// receives, one Unregistered (with a date) and one registered only in the
	// other environment (BadDeviceToken), each with a human label.
	Devices []DemoDevice
	// Activities are the Live Activity tokens (development): a
	// push-to-start token and update tokens, one of them ended. Channels
	// are the development server's broadcast channels, one with
	// subscribers among Activities.
	Activities []DemoActivity
	Channels   []DemoChannel
	reg        *Registry
}

// DemoDevice is a demo device with its label.
type DemoDevice struct {
	Label       string
	Token       string
	Environment certs.Environment
	Note        string // what the demo shows with it
	// Expect is the reason a push to it from the demo credential gets on
	// Environment's server; "" means it is delivered (200).
	Expect string
}

// demoDevices is the demo world's cast. Tokens are derived from the labels,
// so they are the same on every run (screenshots and docs stay true).
func demoDevices() []DemoDevice {
	dev, prod := certs.Development, certs.Production
	return []DemoDevice{
		{Label: "iPhone 15 (QA)", Environment: dev,
			Note: "a development build from Xcode: receives"},
		{Label: "iPad Air (uninstalled)", Environment: dev, Expect: ReasonUnregistered,
			Note: "the app was deleted on 14 Mar 2025: 410 Unregistered with that date"},
		{Label: "iPhone 13 (App Store build)", Environment: dev, Expect: ReasonBadDeviceToken,
			Note: "its token is a production token: BadDeviceToken on the sandbox; send it to production"},
		{Label: "Apple Watch (other app)", Environment: dev, Expect: ReasonDeviceTokenNotForTopic,
			Note: "the token belongs to another app (com.example.otherapp): DeviceTokenNotForTopic"},
		{Label: "iPhone 15 Pro (release)", Environment: prod,
			Note: "an App Store / TestFlight build: receives"},
		{Label: "iPhone XR (uninstalled)", Environment: prod, Expect: ReasonUnregistered,
			Note: "the app was deleted on 2 Nov 2025: 410 Unregistered with that date"},
		{Label: "iPad mini (Xcode build)", Environment: prod, Expect: ReasonBadDeviceToken,
			Note: "its token is a development token: BadDeviceToken on production; send it to the sandbox"},
	}
}

// demoUnregistered are the fixed dates the demo's uninstalled apps went away.
var demoUnregistered = map[string]time.Time{
	"iPad Air (uninstalled)":  time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
	"iPhone XR (uninstalled)": time.Date(2025, 11, 2, 18, 4, 11, 0, time.UTC),
}

func demoToken(label string) string {
	sum := sha256.Sum256([]byte("pushdeck demo device: " + label))
	return hex.EncodeToString(sum[:])
}

// NewDemo builds the demo world in a new temporary folder.
func NewDemo() (*Demo, error) {
	dir, err := os.MkdirTemp("", "pushdeck-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: cannot make a temporary folder: %w", err)
	}
	d := &Demo{Dir: dir, KeyID: DemoKeyID, TeamID: DemoTeamID, Topic: DemoTopic}
	if err := d.build(); err != nil {
		d.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return d, nil
}

func (d *Demo) build() error {
	ca, err := certgen.NewCA("pushdeck demo CA")
	if err != nil {
		return err
	}
	cert, err := ca.Client(certgen.ClientSpec{
		Topic:        DemoTopic,
		TeamID:       DemoTeamID,
		Environments: []certs.Environment{certs.Development, certs.Production},
		Topics: []certs.Topic{
			{Topic: DemoTopic, Kind: "app"},
			{Topic: DemoTopic + ".voip", Kind: "voip"},
			{Topic: DemoTopic + ".complication", Kind: "complication"},
		},
	})
	if err != nil {
		return err
	}
	ck, err := certgen.PEM(cert)
	if err != nil {
		return err
	}
	key, err := certgen.TokenKey()
	if err != nil {
		return err
	}
	p8, err := certgen.P8(key)
	if err != nil {
		return err
	}
	d.CertPath = filepath.Join(d.Dir, "ck.pem")
	d.P8Path = filepath.Join(d.Dir, "AuthKey_"+DemoKeyID+".p8")
	d.ServerCAPath = filepath.Join(d.Dir, "server-ca.pem")
	for path, data := range map[string][]byte{d.CertPath: ck, d.P8Path: p8, d.ServerCAPath: ca.CertPEM()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}

	// One registry serves both servers, as Apple's two environments share
	// one token space: each server answers BadDeviceToken for a token
	// registered in the other environment.
	reg := NewRegistry()
	for _, dd := range demoDevices() {
		dd.Token = demoToken(dd.Label)
		d.Devices = append(d.Devices, dd)
		rd := Device{Token: dd.Token, Environment: dd.Environment, Topic: DemoTopic, Label: dd.Label}
		switch dd.Expect {
		case ReasonUnregistered:
			rd.State, rd.UnregisteredAt = StateUnregistered, demoUnregistered[dd.Label]
		case ReasonBadDeviceToken:
			rd.Environment = dd.Environment.Other()
		case ReasonDeviceTokenNotForTopic:
			rd.Topic = "com.example.otherapp"
		}
		reg.Put(rd)
	}
	auth := AuthKey{KeyID: DemoKeyID, TeamID: DemoTeamID, Public: &key.PublicKey, Topics: []string{DemoTopic}}
	for _, env := range []certs.Environment{certs.Development, certs.Production} {
		s, err := Start(Config{Environment: env, ServerCA: ca, ClientCAs: ca.Pool(), AuthKeys: []AuthKey{auth}, Registry: reg})
		if err != nil {
			return err
		}
		if env == certs.Development {
			d.Development = s
		} else {
			d.Production = s
		}
	}
	return d.buildLiveActivities(reg)
}

// Server is the demo server of an environment.
func (d *Demo) Server(env certs.Environment) *Server {
	if env == certs.Production {
		return d.Production
	}
	return d.Development
}

// Close stops both servers and removes the folder.
func (d *Demo) Close() error {
	var errs []error
	for _, s := range []*Server{d.Development, d.Production} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if d.Dir != "" {
		errs = append(errs, os.RemoveAll(d.Dir))
	}
	return errors.Join(errs...)
}
