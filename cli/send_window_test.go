package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// pushdeck send against pushdeck mock --stream-limit-drop (APNs' radar
// 27870881: the stream limit drops to 1 after every rejected push): every
// device gets exactly one result, and the --json summary carries the
// window the send ended with.
func TestSendFollowsMockStreamLimitDrop(t *testing.T) {
	newHome(t)
	f := newMockFiles(t)
	// A client certificate APNs would take (2048-bit; the mock files' is
	// smaller, for speed), under a CA of its own.
	ca, err := certgen.NewCA("stream limit test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Client(certgen.ClientSpec{Topic: mockTopic, Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	clientCA := filepath.Join(f.dir, "client-ca-2048.pem")
	if err := os.WriteFile(clientCA, ca.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(f.dir, "server-ca.pem")
	url, out, _, stop := runMockInProcess(t, "--addr", "127.0.0.1:0", "--client-ca", clientCA,
		"--devices", f.devices, "--write-server-ca", caPath, "--stream-limit-drop", "--max-streams", "50", "--quiet")
	if !strings.Contains(out.String(), "1 right after a rejected push") {
		t.Errorf("banner does not say the limit drops:\n%s", out.String())
	}
	certPEM, err := certgen.PEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(f.dir, "client.pem")
	tokensFile := filepath.Join(f.dir, "tokens.txt")
	var tokens strings.Builder
	tokens.WriteString(mockLiveTok + "\n" + mockGoneTok + "\n")
	for i := range 60 {
		fmt.Fprintf(&tokens, "%064x\n", i+1) // unknown to the mock: BadDeviceToken
		if i%3 == 0 {
			tokens.WriteString(mockLiveTok + "\n") // a duplicate: sent once
		}
	}
	for p, data := range map[string][]byte{certFile: certPEM, tokensFile: []byte(tokens.String())} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	te := &testEnv{}
	code := te.run("send", "--cert", certFile, "--host", url, "--server-ca", caPath, "--env", "development",
		"--tokens-file", tokensFile, "--alert", "hi", "--json")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\nstderr: %s", code, te.stderr.String())
	}
	rs, sum := jsonLines(t, te.stdout.String())
	seen := map[string]int{}
	for _, r := range rs {
		seen[r.Token]++
	}
	if len(rs) != 62 || len(seen) != 62 || sum.Sent != 1 || sum.Reasons["Unregistered"] != 1 || sum.Reasons["BadDeviceToken"] != 60 {
		t.Fatalf("%d results for %d tokens, summary %+v", len(rs), len(seen), sum)
	}
	if sum.Window < 1 || sum.Window > 50 || sum.WindowMax < sum.Window || sum.WindowMax > 50 {
		t.Errorf("summary window %d (max %d), want 1..50", sum.Window, sum.WindowMax)
	}
	if code := stop(); code != exitOK {
		t.Errorf("mock exit %d", code)
	}
}
