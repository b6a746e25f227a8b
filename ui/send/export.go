package send

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Pointers for a debugging developer: a result's request as a curl
// command (never with a secret: a password or a token is a shell variable
// the user sets) and its payload as a Simulator .apns file for
// `xcrun simctl push`. Both go to the clipboard by OSC 52 where the
// terminal allows it, and to a file in the exports folder whose full path
// the status line shows (a terminal may ignore OSC 52 silently).

// exportedMsg says where an export was written.
type exportedMsg struct {
	what, path string
	err        error
}

// exportDir is the documented folder for what the console writes on the
// user's behalf (saved results, exports): "exports" in pushdeck's config
// folder, else the system's temporary folder.
func exportDir(c common.Common) string {
	s := c.Store
	if c.Demo {
		// The demo's folder is removed when it ends; what the user exported stays.
		return filepath.Join(os.TempDir(), "pushdeck-exports")
	}
	if s != nil && s.Dir != "" {
		return filepath.Join(s.Dir, "exports")
	}
	return filepath.Join(os.TempDir(), "pushdeck-exports")
}

// export copies text to the clipboard and writes it to a file.
func (m *Model) export(text, what, ext string) tea.Cmd {
	name := fmt.Sprintf("%s-%d%s", m.run.batch, m.detail+1, ext)
	if ext == ".sh" {
		name = fmt.Sprintf("%s-%d-curl.sh", m.run.batch, m.detail+1)
	}
	path := filepath.Join(exportDir(m.c), name)
	return tea.Batch(tea.SetClipboard(text), func() tea.Msg {
		return exportedMsg{what: what, path: path, err: writeExport(path, []byte(text))}
	})
}

// writeExport writes data to path: the folder made 0700 if pushdeck makes
// it, the file 0600, written to a temporary name and renamed, never
// through a symlink.
func writeExport(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file: not writing through it", path)
	}
	tmp, err := os.CreateTemp(dir, ".export-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// shq quotes s for a POSIX shell.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// requestTopic is the topic the request carried.
func requestTopic(r push.Result, p profiles.Profile) string {
	if t := r.Request.Headers["apns-topic"]; t != "" {
		return t
	}
	return p.Topic
}

// curlCommand is the result's request as curl would send it. The
// credential is named by its file; a password or a bearer token is a
// shell variable, never its value.
func curlCommand(p profiles.Profile, cred *certs.Credential, r push.Result) string {
	var b strings.Builder
	b.WriteString("# The request pushdeck sent, as curl (needs curl with HTTP/2).\n")
	token := p.Auth == certs.AuthToken || (cred != nil && cred.Kind == certs.AuthToken)
	p12 := strings.HasSuffix(strings.ToLower(p.CertPath), ".p12") || strings.HasSuffix(strings.ToLower(p.CertPath), ".pfx")
	switch {
	case token:
		fmt.Fprintf(&b, "# APNS_JWT: a provider token signed with %s (key ID %s, team %s).\n", p.CertPath, p.KeyID, p.TeamID)
	case p12:
		b.WriteString("# P12_PASSWORD: the .p12's password (set it in the shell; it is not written here).\n")
	}
	b.WriteString("curl -v --http2")
	switch {
	case token:
		b.WriteString(" \\\n  -H \"authorization: bearer $APNS_JWT\"")
	case p12:
		fmt.Fprintf(&b, " \\\n  --cert-type P12 --cert %s:\"$P12_PASSWORD\"", shq(p.CertPath))
	default:
		fmt.Fprintf(&b, " \\\n  --cert %s", shq(p.CertPath))
		if p.KeyPath != "" {
			fmt.Fprintf(&b, " --key %s", shq(p.KeyPath))
		}
	}
	if p.ServerCA != "" {
		fmt.Fprintf(&b, " \\\n  --cacert %s", shq(p.ServerCA))
	}
	var names []string
	for k := range r.Request.Headers {
		if !strings.HasPrefix(k, ":") && k != "authorization" && k != "content-length" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(&b, " \\\n  -H %s", shq(k+": "+r.Request.Headers[k]))
	}
	if len(r.Request.Body) > 0 {
		fmt.Fprintf(&b, " \\\n  --data-binary %s", shq(string(r.Request.Body)))
	}
	path := r.Request.Headers[":path"]
	if path == "" {
		path = "/3/device/" + r.Token
	}
	fmt.Fprintf(&b, " \\\n  %s\n", shq(common.Target(p, p.Port)+path))
	return b.String()
}

// simulatorFile is the payload as a .apns file for `xcrun simctl push`:
// the payload with "Simulator Target Bundle" naming the app.
func simulatorFile(body, topic string) string {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc == nil {
		doc = map[string]json.RawMessage{}
	}
	bundle := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(topic, ".voip"), ".complication"), ".push-type.liveactivity")
	t, _ := json.Marshal(bundle)
	doc["Simulator Target Bundle"] = t
	out, _ := json.Marshal(doc)
	var buf bytes.Buffer
	if json.Indent(&buf, out, "", "  ") != nil {
		return string(out) + "\n"
	}
	return buf.String() + "\n"
}
