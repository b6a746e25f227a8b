package certs

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoad measures one Load per format: the console loads every
// profile's credential to show its health badge, so this is per profile.
func BenchmarkLoad(b *testing.B) {
	for _, name := range []string{"dev-modern.p12", "prod-keychain-3des.p12", "ck.pem", "ck-unencrypted.pem", "AuthKey_54321EDCBA.p8", "truncated.p12"} {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				LoadBytes(data, name, Options{Password: "hello123"})
			}
		})
	}
}
