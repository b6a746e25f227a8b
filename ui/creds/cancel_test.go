package creds

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/ui/common"
)

// TestFormEscStopsTheCheck: esc cancels the credential check in flight,
// and a newer check cancels the older one (issue 12: a hostile file must
// not keep loading after the form is gone).
func TestFormEscStopsTheCheck(t *testing.T) {
	dir := t.TempDir()
	if _, err := certgen.HostileCorpus(dir); err != nil {
		t.Fatal(err)
	}
	m := NewForm(common.DefaultStyles(true, true), nil, nil)
	m.f[fPath].input.SetValue(filepath.Join(dir, "rsa1024.pem"))
	first := m.checkNow()
	second := m.checkNow() // a newer edit: the first check is stale
	if r, ok := first().(checkResultMsg); !ok || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the older check was not cancelled: %#v", r)
	}
	m.Update(common.KeyPress("esc"))
	if r, ok := second().(checkResultMsg); !ok || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("esc did not cancel the check: %#v", r)
	}
}
