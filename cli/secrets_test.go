package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/ui"
)

// secretNeedles are the forms a leaked secret could take: the password,
// and each private key as DER, base64 (whole and PEM line by line), hex
// (both cases) and its raw private number in hex.
type secretNeedles struct {
	names []string
	b     [][]byte
}

func (n *secretNeedles) add(name string, b []byte) {
	if len(b) < 8 {
		panic("needle too short to mean anything: " + name)
	}
	n.names = append(n.names, name)
	n.b = append(n.b, b)
}

func (n *secretNeedles) addKey(t *testing.T, name string, key any) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	n.addDER(name+" PKCS#8", der)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		d, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		n.add(name+" scalar", d)
		n.add(name+" scalar hex", []byte(hex.EncodeToString(d)))
		n.add(name+" scalar base64", []byte(base64.RawURLEncoding.EncodeToString(d)))
		if sec, err := x509.MarshalECPrivateKey(k); err == nil {
			n.addDER(name+" SEC1", sec)
		}
	case *rsa.PrivateKey:
		n.addDER(name+" PKCS#1", x509.MarshalPKCS1PrivateKey(k))
		n.add(name+" prime hex", []byte(hex.EncodeToString(k.Primes[0].Bytes())))
		n.add(name+" d hex", []byte(hex.EncodeToString(k.D.Bytes())))
	}
}

// addDER adds one encoding of a key as DER, base64 (whole and PEM line by
// line) and hex in both cases.
func (n *secretNeedles) addDER(name string, der []byte) {
	n.add(name+" DER", der)
	b64 := base64.StdEncoding.EncodeToString(der)
	n.add(name+" base64", []byte(b64))
	for i := 0; i+64 <= len(b64); i += 64 {
		n.add(name+" PEM line", []byte(b64[i:i+64]))
	}
	n.add(name+" hex", []byte(hex.EncodeToString(der)))
	n.add(name+" HEX", []byte(strings.ToUpper(hex.EncodeToString(der))))
}

// find reports which secret data holds, if any.
func (n *secretNeedles) find(data []byte) string {
	for i, b := range n.b {
		if bytes.Contains(data, b) {
			return n.names[i]
		}
	}
	return ""
}

// checkFolder greps every file under dir and checks the modes: folders
// 0700, files 0600.
func (n *secretNeedles) checkFolder(t *testing.T, dir string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("%s has mode %04o, want 0700", p, fi.Mode().Perm())
			}
			return nil
		}
		files++
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", p, fi.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if s := n.find(data); s != "" {
			t.Errorf("%s holds a secret: %s", p, s)
		}
		if bytes.Contains(data, []byte("eyJhbGciOi")) || bytes.Contains(bytes.ToLower(data), []byte("bearer ")) {
			t.Errorf("%s holds a provider token (JWT)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSecretsNeverWritten runs inspect, send, probe and the profile
// commands with a known password and known keys, then greps every output
// and every file under PUSHDECK_HOME for them.
func TestSecretsNeverWritten(t *testing.T) {
	home := newHome(t)
	const password = fxPass
	var n secretNeedles
	n.add("password", []byte(password))
	p12 := filepath.Join(fixtureDir, "dev-modern.p12")
	p8 := filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8")
	cc, err := certs.Load(p12, certs.Options{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	n.addKey(t, "certificate key", cc.TLS.PrivateKey)
	tk, err := certs.Load(p8, certs.Options{TeamID: fxTeam})
	if err != nil {
		t.Fatal(err)
	}
	n.addKey(t, "token key", tk.Signer)

	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenArgs := []string{"--p8", p8, "--key-id", fxKeyID, "--team-id", fxTeam, "--env", "development", "--topic", fxTopic, "--host", s.URL(), "--server-ca", s.caFile}
	runs := []struct {
		env   map[string]string
		stdin string
		args  []string
	}{
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", []string{"inspect", p12}},
		{nil, "", []string{"inspect", p12, "--json", "--password-file", pwFile}},
		{nil, password + "\n", []string{"inspect", p12, "--password-stdin"}},
		{nil, "", []string{"inspect", p12, "--password-file", filepath.Join(dir, "wrong")}},
		{map[string]string{"PUSHDECK_PASSWORD": "not-" + password}, "", []string{"inspect", p12}},
		{nil, "", []string{"inspect", p8, "--team-id", fxTeam, "--json"}},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", certArgs(s, "--token", tokActive, "--token", tokGone, "--alert", "hi")},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", certArgs(s, "--token", tokActive, "--alert", "hi", "--json")},
		{nil, "", append([]string{"send", "--token", tokActive, "--alert", "hi", "--json"}, tokenArgs...)},
		{nil, "", append([]string{"probe", "--json"}, tokenArgs...)},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", probeArgs(s, "dev-modern.p12")},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", probeArgs(s, "dev-modern.p12", "--json")},
		{nil, "", []string{"profiles", "add", "dev", "--cert", p12, "--password-file", pwFile, "--host", s.URL(), "--server-ca", s.caFile}},
		{map[string]string{"APP_PW": password}, "", []string{"profiles", "add", "dev-env", "--cert", p12, "--password-env", "APP_PW", "--host", s.URL(), "--server-ca", s.caFile}},
		{nil, "", append([]string{"profiles", "add", "tok"}, tokenArgs...)},
		{nil, "", []string{"profiles", "list", "--json"}},
		{nil, "", []string{"profiles", "show", "dev", "--json"}},
		{nil, "", []string{"devices", "add", tokActive, "--label", "phone", "--env", "development"}},
		{nil, "", []string{"send", "--profile", "dev", "--device", "phone", "--alert", "hi"}},
		{nil, "", []string{"send", "--profile", "tok", "--device", "phone", "--alert", "hi", "--json"}},
		{nil, "", []string{"history", "--json"}},
		{nil, "", []string{"history"}},
	}
	for _, r := range runs {
		te := &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}, stdin: r.stdin}
		for k, v := range r.env {
			te.vars[k] = v
			t.Setenv(k, v)
		}
		code := te.run(r.args...)
		for k := range r.env {
			t.Setenv(k, "")
		}
		out := te.stdout.String() + te.stderr.String()
		if s := n.find([]byte(out)); s != "" {
			t.Errorf("pushdeck %s printed a secret (%s):\n%s", strings.Join(r.args, " "), s, out)
		}
		if strings.Contains(out, "eyJhbGciOi") {
			t.Errorf("pushdeck %s printed a provider token", strings.Join(r.args, " "))
		}
		t.Logf("exit %d: pushdeck %s", code, strings.Join(r.args[:min(2, len(r.args))], " "))
	}
	files := n.checkFolder(t, home)
	hist, _ := os.ReadFile(filepath.Join(home, "history.jsonl"))
	if bytes.Count(hist, []byte("\n")) < 5 {
		t.Errorf("history has %d lines: the sends did not run, the test proves little", bytes.Count(hist, []byte("\n")))
	}
	t.Logf("%d runs, %d files under PUSHDECK_HOME, %d needles: none found", len(runs), files, len(n.b))
}

// TestSecretsDemoWorld: the demo's store holds paths to its credentials,
// never their keys, with the same modes as a user's folder.
func TestSecretsDemoWorld(t *testing.T) {
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ps, err := w.Store.Profiles()
	if err != nil || len(ps) == 0 {
		t.Fatalf("demo profiles: %v", err)
	}
	var n secretNeedles
	for _, p := range ps {
		data, err := os.ReadFile(p.CertPath)
		if err != nil {
			t.Fatal(err)
		}
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if strings.Contains(b.Type, "PRIVATE KEY") {
				n.add(p.Name+" "+b.Type+" DER", b.Bytes)
				n.add(p.Name+" "+b.Type+" base64", []byte(base64.StdEncoding.EncodeToString(b.Bytes)))
				n.add(p.Name+" "+b.Type+" hex", []byte(hex.EncodeToString(b.Bytes)))
			}
		}
	}
	for _, pw := range w.Passwords {
		if pw != "" {
			n.add("demo password", []byte(pw))
		}
	}
	if len(n.b) == 0 {
		t.Fatal("no key found in the demo credentials: the test proves nothing")
	}
	files := n.checkFolder(t, w.Store.Dir)
	t.Logf("demo store: %d files, %d needles: none found", files, len(n.b))
}

// TestConfigModesFixed: a config folder or file others can read is narrowed
// to 0700/0600 on the next command, and the user is told.
func TestConfigModesFixed(t *testing.T) {
	home := newHome(t)
	te := &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}}
	if code := te.run("devices", "add", tokActive, "--label", "phone", "--env", "development"); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	os.Chmod(home, 0o755)
	os.Chmod(filepath.Join(home, "devices.json"), 0o644)
	te = &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}}
	if code := te.run("devices", "list"); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	var n secretNeedles
	n.checkFolder(t, home)
	if !strings.Contains(te.stderr.String(), "0644") || !strings.Contains(te.stderr.String(), "0755") {
		t.Errorf("the user is not told the permissions were fixed: %q", te.stderr.String())
	}
}

// TestServerCANeverDisablesVerification: --server-ca adds a CA to trust; a
// server signed by another CA is a TLS failure, for send and for probe,
// and without --server-ca the local server is not trusted either.
func TestServerCANeverDisablesVerification(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	other, err := certgen.NewCA("some other CA")
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong-ca.pem")
	if err := os.WriteFile(wrong, other.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(fixtureDir, "dev-modern.p12")
	for _, ca := range [][]string{{"--server-ca", wrong}, nil} {
		send := append([]string{"send", "--cert", p12, "--host", s.URL(), "--token", tokActive, "--alert", "hi"}, ca...)
		te := withPassword()
		code := te.run(send...)
		if code == exitOK || !strings.Contains(te.stdout.String()+te.stderr.String(), "tls") {
			t.Errorf("send %v: exit %d, want a TLS failure:\n%s%s", ca, code, te.stdout.String(), te.stderr.String())
		}
		te = withPassword()
		code = te.run(append([]string{"probe", "--cert", p12, "--host", s.URL(), "--json"}, ca...)...)
		steps, v := probeJSON(t, te.stdout.String())
		tlsFailed := false
		for _, st := range steps {
			if st.Step == "tls" && !st.OK {
				tlsFailed = true
			}
		}
		if code == exitOK || v.Verdict == "ok" || !tlsFailed {
			t.Errorf("probe %v: exit %d, verdict %+v: want the tls step to fail", ca, code, v)
		}
	}
	if n := s.Counters().Requests; n != 0 {
		t.Errorf("the server answered %d pushes over an unverified connection", n)
	}
}

// TestNoInsecureSwitch: nothing outside tests turns verification off, and
// no command has an "insecure" flag.
func TestNoInsecureSwitch(t *testing.T) {
	checked := 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if bytes.Contains(data, []byte("InsecureSkipVerify")) {
			t.Errorf("%s mentions InsecureSkipVerify", p)
		}
		if bytes.Contains(bytes.ToLower(data), []byte(`"insecure`)) || bytes.Contains(bytes.ToLower(data), []byte(`"no-verify`)) {
			t.Errorf("%s has an insecure switch", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked: the walk missed the tree", checked)
	}
	t.Logf("%d non-test Go files: no InsecureSkipVerify, no insecure flag", checked)
}
