package health

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/pushdeck/pushdeck/certs"
)

// Mark is the sign a status is shown with: ✓ ⚠ ✗, "?" for needs-password.
func (s Status) Mark() string {
	switch s {
	case StatusOK:
		return "✓"
	case StatusWarning:
		return "⚠"
	case StatusNeedsPassword:
		return "?"
	}
	return "✗"
}

// short is a finding in a few words, for one table cell; validity is the
// certificate's state in words, which says expiry findings best.
func short(f certs.Finding, validity string) string {
	switch f.Code {
	case certs.CodeExpired, certs.CodeNotYetValid, certs.CodeExpiresSoon:
		if validity != "" {
			return validity
		}
	case certs.CodeWrongPassword:
		return "wrong password"
	case certs.CodePasswordRequired:
		return "needs a password"
	case certs.CodeNoPrivateKey:
		return "no private key"
	case certs.CodeKeyMismatch:
		return "key does not match the certificate"
	case certs.CodeCorrupt:
		return "damaged file"
	case certs.CodeEmpty:
		return "empty file"
	case certs.CodeNotCertificate:
		if keyOnly(f) {
			return "key only, no certificate"
		}
		return "not a push credential"
	case certs.CodeUnsupportedKey:
		return "key APNs does not accept"
	case certs.CodeFileMissing:
		return "no such file"
	case certs.CodeUnreadable:
		return "cannot be read"
	case certs.CodeNoPushExtension:
		return "not an APNs certificate"
	case certs.CodeMissingKeyID:
		return "no key ID"
	case certs.CodeMissingTeamID:
		return "no team ID"
	case CodePasswordSource:
		return "password source fails"
	case CodeNeedsPassword:
		return "needs password (typed)"
	case CodeProfileMismatch:
		return "certificate does not fit the profile"
	case CodeProbeFailed:
		return "probe failed"
	}
	return strings.TrimSuffix(f.Message, ".")
}

// keyOnly reports whether a finding is certs' "holds a private key but no
// certificate" (the key half of a .cer + key pair).
func keyOnly(f certs.Finding) bool {
	return f.Code == certs.CodeNotCertificate && strings.Contains(f.Message, "private key but no certificate")
}

// verdict is the one-cell verdict: the mark, then the first problem (or
// warning), then how many more there are.
func verdict(st Status, problems, warnings []certs.Finding, validity string) string {
	list := problems
	if st == StatusWarning || st == StatusOK {
		list = warnings
	}
	if len(list) == 0 {
		if st == StatusOK {
			return st.Mark() + " usable"
		}
		return st.Mark() + " " + string(st)
	}
	s := st.Mark() + " " + clean(short(list[0], validity))
	if len(list) > 1 {
		s += fmt.Sprintf(" (+%d more)", len(list)-1)
	}
	return s
}

// Verdict is the file's verdict in one cell: "✓ usable", "⚠ expires in 12
// days", "✗ expired 36 days ago (+1 more)".
func (r FileResult) Verdict() string {
	return verdict(r.Status, r.Report.Problems, r.Report.Warnings, r.Validity())
}

// Verdict is the profile's verdict in one cell.
func (r ProfileResult) Verdict() string {
	return verdict(r.Status, r.Problems, r.Warnings, r.Validity())
}

// envText is the environment cell: "development", "production", "both".
func envText(envs []certs.Environment) string {
	switch len(envs) {
	case 0:
		return "-"
	case 1:
		return string(envs[0])
	}
	return "both"
}

// topicText is the topic cell: the first topic and how many more.
func topicText(topics []string) string {
	switch len(topics) {
	case 0:
		return "-"
	case 1:
		return clean(topics[0])
	}
	return fmt.Sprintf("%s +%d", clean(topics[0]), len(topics)-1)
}

func daysText(d *int) string {
	if d == nil {
		return "-"
	}
	return strconv.Itoa(*d)
}

// table writes rows under a header, columns padded to their widest cell
// (in terminal cells), the last column unpadded. right marks columns aligned
// to the right (numbers).
func table(w io.Writer, header []string, right map[int]bool, rows [][]string) error {
	widths := make([]int, len(header))
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range append([][]string{header}, rows...) {
		for i, c := range row {
			if i == len(row)-1 {
				b.WriteString(c)
				break
			}
			pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(c))
			if right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			b.WriteString("  ")
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteFilesTable writes one line per file: file, kind, environment(s),
// topic(s), days left, verdict; then a summary line.
func WriteFilesTable(w io.Writer, files []FileResult) error {
	rows := make([][]string, 0, len(files))
	for _, f := range files {
		s := fileSummary(f)
		rows = append(rows, []string{clean(f.File), s.kindText(), envText(s.Environments), topicText(s.Topics), daysText(s.DaysLeft), f.Verdict()})
	}
	if err := table(w, []string{"FILE", "KIND", "ENVIRONMENT", "TOPIC", "DAYS", "VERDICT"}, map[int]bool{4: true}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, FilesTally(files))
	return err
}

// FilesTally sums files up in one line: "12 files: 9 usable (2 with
// warnings), 3 not usable".
func FilesTally(files []FileResult) string {
	var usable, warn, bad int
	for _, f := range files {
		switch f.Status {
		case StatusOK:
			usable++
		case StatusWarning:
			usable++
			warn++
		default:
			bad++
		}
	}
	s := fmt.Sprintf("%s: %d usable", countOf(len(files), "file"), usable)
	if warn > 0 {
		s += fmt.Sprintf(" (%d with warnings)", warn)
	}
	if bad > 0 {
		s += fmt.Sprintf(", %d not usable", bad)
	}
	return s
}

// WriteProfilesTable writes one line per profile: profile, environment,
// topic, days left, verdict, and the probe when there was one; then a
// summary line ("All 14 profiles can push today." when every probe passed).
func WriteProfilesTable(w io.Writer, results []ProfileResult) error {
	probed := false
	for _, r := range results {
		probed = probed || r.Probe != nil
	}
	header := []string{"PROFILE", "ENVIRONMENT", "TOPIC", "KIND", "DAYS", "VERDICT"}
	if probed {
		header = append(header, "PROBE")
	}
	rows := make([][]string, 0, len(results))
	for _, r := range results {
		s := profileSummary(r)
		row := []string{clean(r.Profile.Name), string(r.Profile.Environment), topicText([]string{r.Profile.Topic}), s.kindText(), daysText(s.DaysLeft), r.Verdict()}
		if probed {
			row = append(row, probeText(r.Probe))
		}
		rows = append(rows, row)
	}
	if err := table(w, header, map[int]bool{4: true}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, profilesTally(results, probed))
	return err
}

func probeText(p *ProbeResult) string {
	switch {
	case p == nil:
		return "-"
	case p.Skipped:
		return "skipped"
	case p.OK:
		return fmt.Sprintf("✓ ok (%dms)", p.Duration.Milliseconds())
	case p.Step != "":
		return "✗ failed at " + p.Step
	}
	return "✗ failed"
}

// profilesTally sums a check up in one line.
func profilesTally(results []ProfileResult, probed bool) string {
	n := map[Status]int{}
	for _, r := range results {
		n[r.Status]++
	}
	total := len(results)
	if total == 0 {
		return "No saved profiles to check: add one with pushdeck profiles add NAME --cert FILE."
	}
	if n[StatusOK] == total {
		what := "All " + countOf(total, "profile")
		verb := "are healthy"
		if total == 1 {
			what, verb = "The 1 profile", "is healthy"
		}
		if probed {
			verb = "can push today"
		}
		return what + " " + verb + "."
	}
	parts := []string{fmt.Sprintf("%d ok", n[StatusOK])}
	if k := n[StatusWarning]; k > 0 {
		parts = append(parts, countOf(k, "warning"))
	}
	if k := n[StatusNeedsPassword]; k > 0 {
		parts = append(parts, fmt.Sprintf("%d need%s a typed password", k, map[bool]string{true: "s", false: ""}[k == 1]))
	}
	if k := n[StatusFailure]; k > 0 {
		parts = append(parts, countOf(k, "failure"))
	}
	return countOf(total, "profile") + ": " + strings.Join(parts, ", ") + "."
}

func countOf(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// summary is the table's and the JSON's view of a credential.
type summary struct {
	Kind         certs.AuthKind
	Environments []certs.Environment
	Topics       []string
	DaysLeft     *int
	keyOnly      bool // a private key file without its certificate
}

func (s summary) kindText() string {
	if s.keyOnly {
		return "private key"
	}
	switch s.Kind {
	case certs.AuthCertificate:
		return "certificate"
	case certs.AuthToken:
		return "token key"
	}
	return "-"
}

// reportSummary reads kind, environments, topics and days left from a
// report (DaysLeft is the report's, computed by certs.DaysLeft).
func reportSummary(r *certs.Report) summary {
	s := summary{Environments: []certs.Environment{}, Topics: []string{}}
	if r == nil {
		return s
	}
	switch {
	case r.Certificate != nil:
		c := r.Certificate
		s.Kind = certs.AuthCertificate
		s.Environments = append(s.Environments, c.Environments...)
		for _, t := range c.Topics {
			s.Topics = append(s.Topics, t.Topic)
		}
		if len(s.Topics) == 0 && c.Topic != "" {
			s.Topics = append(s.Topics, c.Topic)
		}
		d := c.DaysLeft
		s.DaysLeft = &d
	case r.TokenKey != nil:
		s.Kind = certs.AuthToken
		s.Environments = append(s.Environments, certs.Development, certs.Production)
	case len(r.Problems) > 0 && keyOnly(r.Problems[0]):
		s.keyOnly = true
	}
	return s
}

func fileSummary(f FileResult) summary { return reportSummary(&f.Report) }

func profileSummary(r ProfileResult) summary {
	s := reportSummary(r.Report)
	if s.Kind == "" {
		s.Kind = r.Profile.Auth
	}
	return s
}
