package apnstest

import "github.com/pushdeck/pushdeck/certs"

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
}

// DemoDevice is a demo device with its label.
type DemoDevice struct {
	Label       string
	Token       string
	Environment certs.Environment
	Note        string // what the demo shows with it
}

// NewDemo builds the demo world in a new temporary folder.
func NewDemo() (*Demo, error) { panic("apnstest.NewDemo: not implemented yet") }

// Close stops both servers and removes the folder.
func (d *Demo) Close() error { panic("not implemented yet") }
