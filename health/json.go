package health

import (
	"encoding/json"
	"io"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// FileJSON is one file as `pushdeck inspect --json` prints it: the report of
// a single inspect (problems and warnings as sentences, plus their codes for
// scripts) with the table's columns and the verdict beside it. days_left is
// certs.DaysLeft (whole days toward zero; absent for a token key, which does
// not expire); validity says the same in words.
type FileJSON struct {
	File         string              `json:"file"`
	Status       Status              `json:"status"`
	Verdict      string              `json:"verdict"`
	Kind         certs.AuthKind      `json:"kind,omitempty"`
	Format       certs.Format        `json:"format,omitempty"`
	Usable       bool                `json:"usable"`
	Environments []certs.Environment `json:"environments"`
	Topics       []string            `json:"topics"`
	NotAfter     *time.Time          `json:"not_after,omitempty"`
	DaysLeft     *int                `json:"days_left,omitempty"`
	Validity     string              `json:"validity,omitempty"`
	Problems     []string            `json:"problems"`
	Warnings     []string            `json:"warnings"`
	ProblemCodes []certs.Code        `json:"problem_codes"`
	WarningCodes []certs.Code        `json:"warning_codes"`
	Certificate  *certs.CertInfo     `json:"certificate,omitempty"`
	PrivateKey   *certs.KeyInfo      `json:"private_key,omitempty"`
	Chain        *[]certs.ChainCert  `json:"chain,omitempty"`
	TokenKey     *certs.TokenKeyInfo `json:"token_key,omitempty"`
}

// JSON is the file's --json object.
func (r FileResult) JSON() FileJSON {
	s := fileSummary(r)
	rep := r.Report
	o := FileJSON{
		File: r.File, Status: r.Status, Verdict: r.Verdict(), Kind: s.Kind, Format: rep.Format, Usable: rep.Usable,
		Environments: s.Environments, Topics: s.Topics, DaysLeft: s.DaysLeft, Validity: r.Validity(),
		Certificate: rep.Certificate, PrivateKey: rep.PrivateKey, TokenKey: rep.TokenKey,
	}
	o.Problems, o.ProblemCodes = sentences(rep.Problems)
	o.Warnings, o.WarningCodes = sentences(rep.Warnings)
	if c := rep.Certificate; c != nil {
		na := c.NotAfter
		o.NotAfter = &na
		chain := rep.Chain
		if chain == nil {
			chain = []certs.ChainCert{}
		}
		o.Chain = &chain
	}
	return o
}

// ProfileJSON is one profile as `pushdeck check --json` prints it. usable is
// null when the credential was not opened because its password must be
// typed; probe is there only when the check probed.
type ProfileJSON struct {
	Profile        string            `json:"profile"`
	Status         Status            `json:"status"`
	Verdict        string            `json:"verdict"`
	File           string            `json:"file"`
	Kind           certs.AuthKind    `json:"kind,omitempty"`
	Environment    certs.Environment `json:"environment"`
	Topic          string            `json:"topic"`
	PasswordSource string            `json:"password_source"`
	Usable         *bool             `json:"usable"`
	NotAfter       *time.Time        `json:"not_after,omitempty"`
	DaysLeft       *int              `json:"days_left,omitempty"`
	Validity       string            `json:"validity,omitempty"`
	Problems       []string          `json:"problems"`
	Warnings       []string          `json:"warnings"`
	ProblemCodes   []certs.Code      `json:"problem_codes"`
	WarningCodes   []certs.Code      `json:"warning_codes"`
	Probe          *ProbeJSON        `json:"probe,omitempty"`
}

// ProbeJSON is a profile's probe outcome in JSON.
type ProbeJSON struct {
	OK      bool    `json:"ok"`
	Skipped bool    `json:"skipped,omitempty"`
	Step    string  `json:"failed_step,omitempty"`
	Reason  string  `json:"reason"`
	Advice  string  `json:"advice,omitempty"`
	MS      float64 `json:"ms"`
}

// JSON is the profile's --json object.
func (r ProfileResult) JSON() ProfileJSON {
	s := profileSummary(r)
	p := r.Profile
	o := ProfileJSON{
		Profile: p.Name, Status: r.Status, Verdict: r.Verdict(), File: p.CertPath, Kind: s.Kind,
		Environment: p.Environment, Topic: p.Topic, PasswordSource: string(p.Password.Kind), DaysLeft: s.DaysLeft, Validity: r.Validity(),
	}
	if o.PasswordSource == "" {
		o.PasswordSource = "none"
	}
	if r.Status != StatusNeedsPassword {
		u := r.Usable()
		o.Usable = &u
	}
	if r.Report != nil {
		if c := r.Report.Certificate; c != nil {
			na := c.NotAfter
			o.NotAfter = &na
		}
	}
	o.Problems, o.ProblemCodes = sentences(r.Problems)
	o.Warnings, o.WarningCodes = sentences(r.Warnings)
	if pr := r.Probe; pr != nil {
		o.Probe = &ProbeJSON{OK: pr.OK, Skipped: pr.Skipped, Step: pr.Step, Reason: pr.Reason, Advice: pr.Advice,
			MS: float64(pr.Duration.Microseconds()) / 1000}
	}
	return o
}

// Usable says whether the profile can push as far as its credential and
// profile go (the probe aside): the credential opened and nothing but a
// failed probe is wrong.
func (r ProfileResult) Usable() bool {
	if r.Report == nil {
		return false
	}
	for _, p := range r.Problems {
		if p.Code != CodeProbeFailed {
			return false
		}
	}
	return true
}

func sentences(fs []certs.Finding) ([]string, []certs.Code) {
	s, c := make([]string, 0, len(fs)), make([]certs.Code, 0, len(fs))
	for _, f := range fs {
		s = append(s, f.String())
		c = append(c, f.Code)
	}
	return s, c
}

// WriteFilesJSON writes one JSON object per file, one per line (JSON Lines:
// `jq` reads them as a stream, `jq -s` as an array).
func WriteFilesJSON(w io.Writer, files []FileResult) error {
	return writeJSONLines(w, files, FileResult.JSON)
}

// WriteProfilesJSON writes one JSON object per profile, one per line.
func WriteProfilesJSON(w io.Writer, results []ProfileResult) error {
	return writeJSONLines(w, results, ProfileResult.JSON)
}

// writeJSONLines writes js of each item as one line of JSON.
func writeJSONLines[T, J any](w io.Writer, items []T, js func(T) J) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(js(it)); err != nil {
			return err
		}
	}
	return nil
}
