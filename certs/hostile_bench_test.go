package certs_test

import (
	"path/filepath"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// BenchmarkLoadHostileP12 loads the corpus's .p12 whose MAC asks for 10^12
// iterations: refused after reading the counts, without hashing. (Before
// the check, 10^8 iterations alone took 24 s; 10^12 would take days.)
func BenchmarkLoadHostileP12(b *testing.B) {
	dir := b.TempDir()
	if _, err := certgen.HostileCorpus(dir); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"mac-1e12.p12", "keybag-pbes2-1e12.p12", "pkcs8-1e12.pem"} {
		path := filepath.Join(dir, name)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := certs.Load(path, certs.Options{Password: "hostile"}); err == nil {
					b.Fatal("loaded")
				}
			}
		})
	}
}
