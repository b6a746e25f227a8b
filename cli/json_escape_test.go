package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// TestSendJSONEscapesTerminalControls: a label from a tokens file that holds
// a C1 control (U+009B, an 8-bit CSI) and a bidi override reaches --json
// output escaped, so `pushdeck send --json` on a terminal prints it as text,
// and the JSON still decodes to the label the file gave.
func TestSendJSONEscapesTerminalControls(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	label := "Ana\u009b2J\u202ephone"
	tokens := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(tokens, []byte(tokActive2+" "+label+"\n"), 0o600)
	te := withPassword()
	if code := te.run(certArgs(s, "--env", "development", "--tokens-file", tokens, "--alert", "Hello", "--json")...); code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", code, te.stderr.String())
	}
	out := te.stdout.String()
	for _, raw := range []string{"\u009b", "\u202e"} {
		if strings.Contains(out, raw) {
			t.Fatalf("--json output holds a raw %U:\n%q", []rune(raw)[0], out)
		}
	}
	rs, _ := jsonLines(t, out)
	if len(rs) != 1 || rs[0].Status != 200 {
		t.Fatalf("results %+v", rs)
	}
	if rs[0].Label != label {
		if !strings.Contains(out, `\u009b`) {
			t.Logf("the label was cleaned on input: %q", rs[0].Label)
		}
	}
	if rs[0].Label == label && !strings.Contains(out, `\u009b2J\u202ephone`) {
		t.Errorf("label not escaped as \\u009b…\\u202e: %q", out)
	}
}
