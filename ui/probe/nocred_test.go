package probe

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/ui/common"
)

// TestProbeWithUnusableCredentialChecksTheNetwork: a profile whose
// credential failed to load (here a wrong password) is still probed: DNS
// and TCP to the demo's loopback server pass, the TLS step fails naming the
// credential's problem, and the verdict says the network is fine.
func TestProbeWithUnusableCredentialChecksTheNetwork(t *testing.T) {
	demo, err := apnstest.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	// The fixture .p12 (its password is hello123) opened with another: the
	// load returns a credential holding only its report, as the console
	// keeps it.
	partial, credErr := certs.Load("../../testdata/fixtures/dev-modern.p12", certs.Options{Password: "not-the-password"})
	if credErr == nil {
		t.Fatal("a wrong password loaded the fixture credential")
	}
	p := profiles.Profile{Name: "demo-dev", CertPath: demo.CertPath, Auth: certs.AuthCertificate, Environment: certs.Development,
		Topic: demo.Topic, Host: demo.Development.URL(), ServerCA: demo.ServerCAPath}
	c := common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: partial, CredErr: credErr}
	m := New(c)
	m.SetCommon(c)
	m.SetSize(80, 19)
	drive(t, m, m.Start())
	if m.Running() {
		t.Fatal("the probe is still running")
	}
	var names []string
	for _, st := range m.steps {
		names = append(names, st.Name)
	}
	if strings.Join(names, ",") != "dns,tcp,tls" || !m.steps[0].OK || !m.steps[1].OK || m.steps[2].OK {
		t.Fatalf("steps %v: %+v", names, m.steps)
	}
	v := m.Verdict()
	if v == nil || v.OK || !strings.Contains(v.Reason, "password") || !strings.Contains(v.Advice, "network is fine") {
		t.Fatalf("verdict %+v", v)
	}
	if m.steps[2].Err == nil {
		t.Fatalf("tls step without an error: %+v", m.steps[2])
	}
	out := ansi.Strip(m.View())
	if !strings.Contains(out, "password") || strings.Contains(out, "not-the-password") {
		t.Errorf("the screen does not name the password problem (or shows the password):\n%s", out)
	}
}
