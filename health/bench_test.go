package health

import (
	"context"
	"testing"
)

// BenchmarkInspectFixtures inspects the shared fixture folder (25
// credential files, the password-protected ones opened with the password):
// the cost of one `pushdeck inspect testdata/fixtures` without process
// start-up.
func BenchmarkInspectFixtures(b *testing.B) {
	opts := InspectOptions{WarnDays: DefaultWarnDays, Password: func(string) (string, bool, error) { return "hello123", true, nil }}
	for b.Loop() {
		if _, err := Inspect(context.Background(), []string{fixtures}, opts); err != nil {
			b.Fatal(err)
		}
	}
}
