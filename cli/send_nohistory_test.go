package cli

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// TestSendNoHistory: --no-history sends and prints exactly what a recorded
// send prints, and leaves history, the sends and the device book as they
// were; the same send without it records every result.
func TestSendNoHistory(t *testing.T) {
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	// What differs between two sends of the same thing: apns-ids, times.
	mask := regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f-]{27}|[0-9]+(\.[0-9]+)?`)
	for _, format := range [][]string{nil, {"--json"}} {
		st, err := profiles.Open(newHome(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		seedBook(t, st, s)
		run := func(extra ...string) (code int, out, errOut string) {
			te := &testEnv{vars: map[string]string{"MY_P12_PASSWORD": fxPass}}
			code = te.run(append(append([]string{"send", "--profile", "local", "--group", "QA", "--alert", "hi"}, format...), extra...)...)
			// Lines come in the order APNs answers: compare them sorted.
			lines := func(s string) string {
				l := strings.Split(mask.ReplaceAllString(s, "#"), "\n")
				slices.Sort(l)
				return strings.Join(l, "\n")
			}
			return code, lines(te.stdout.String()), lines(te.stderr.String())
		}

		code, out, errOut := run("--no-history")
		if code != exitFailed { // old-ipad is gone: 410
			t.Fatalf("--no-history %v: exit %d\n%s%s", format, code, out, errOut)
		}
		if n, err := st.HistoryCount(profiles.HistoryFilter{}); err != nil || n != 0 {
			t.Fatalf("--no-history %v: history has %d entries (%v)", format, n, err)
		}
		devs, _ := st.Devices()
		for _, d := range devs {
			if d.Last != nil || !d.UnregisteredAt.IsZero() {
				t.Errorf("--no-history %v: %s got a last result %+v", format, d.Label, d.Last)
			}
		}
		sends := 0
		st.Sends(context.Background(), profiles.HistoryFilter{}, func(profiles.SendSummary) error { sends++; return nil })
		if sends != 0 {
			t.Errorf("--no-history %v: %d sends listed", format, sends)
		}

		code2, out2, errOut2 := run()
		if code2 != code || out2 != out || errOut2 != errOut {
			t.Errorf("%v: output with --no-history (exit %d):\n%s%s\nwithout (exit %d):\n%s%s", format, code, out, errOut, code2, out2, errOut2)
		}
		if n, _ := st.HistoryCount(profiles.HistoryFilter{}); n != 2 {
			t.Errorf("%v: the recorded send left %d history entries, want 2", format, n)
		}
		devs, _ = st.Devices()
		for _, d := range devs {
			if d.Last == nil {
				t.Errorf("%v: the recorded send left %s without a last result", format, d.Label)
			}
		}
	}
}
