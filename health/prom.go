package health

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// The metrics WritePrometheus writes, for node_exporter's textfile collector
// (https://github.com/prometheus/node_exporter#textfile-collector). Every
// per-profile sample carries the labels profile, environment and topic.
const (
	MetricExpiry    = "pushdeck_credential_expiry_timestamp_seconds"
	MetricUsable    = "pushdeck_credential_usable"
	MetricChecked   = "pushdeck_credential_checked"
	MetricProbeOK   = "pushdeck_probe_ok"
	MetricCheckTime = "pushdeck_check_timestamp_seconds"
)

var metricHelp = map[string]string{
	MetricExpiry:    "When the profile's certificate expires (its notAfter), in seconds since the Unix epoch. No sample for token keys, which do not expire, or for a credential that could not be opened.",
	MetricUsable:    "1 if the profile's credential can push, 0 if not (expired, not yet valid, damaged, missing, a password source that fails, refused by the profile's environment or topic). No sample when its password must be typed.",
	MetricChecked:   "1 if the profile was checked, 0 if its password must be typed and the check ran unattended, so its credential was not opened.",
	MetricProbeOK:   "1 if the connectivity probe for the profile passed, 0 if it failed or could not run. Only when the check probes.",
	MetricCheckTime: "When this check ran, in seconds since the Unix epoch.",
}

// WritePrometheus writes a check in the Prometheus text exposition format
// (version 0.0.4), with HELP and TYPE lines, for node_exporter's textfile
// collector. Write it to a temporary file and rename it into the collector's
// folder, so the collector never reads half a file. ran is the time the
// check ran.
func WritePrometheus(w io.Writer, results []ProfileResult, ran time.Time) error {
	var b strings.Builder
	family := func(name string, samples []string) {
		if len(samples) == 0 {
			return
		}
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, escapeHelp(metricHelp[name]), name)
		for _, s := range samples {
			b.WriteString(s)
		}
	}
	var expiry, usable, checked, probe []string
	for _, r := range results {
		labels := promLabels(r.Profile.Name, string(r.Profile.Environment), r.Profile.Topic)
		sample := func(name string, v int64) string { return fmt.Sprintf("%s%s %d\n", name, labels, v) }
		if r.Report != nil && r.Report.Certificate != nil {
			expiry = append(expiry, sample(MetricExpiry, r.Report.Certificate.NotAfter.Unix()))
		}
		if r.Status != StatusNeedsPassword {
			usable = append(usable, sample(MetricUsable, b2i(r.Usable())))
		}
		checked = append(checked, sample(MetricChecked, b2i(r.Status != StatusNeedsPassword)))
		if r.Probe != nil {
			probe = append(probe, sample(MetricProbeOK, b2i(r.Probe.OK)))
		}
	}
	family(MetricExpiry, expiry)
	family(MetricUsable, usable)
	family(MetricChecked, checked)
	family(MetricProbeOK, probe)
	family(MetricCheckTime, []string{fmt.Sprintf("%s %d\n", MetricCheckTime, ran.Unix())})
	_, err := io.WriteString(w, b.String())
	return err
}

func b2i(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// promLabels is {profile="…",environment="…",topic="…"} with each value
// escaped as the text format requires (backslash, double quote, line feed)
// and made valid UTF-8.
func promLabels(profile, env, topic string) string {
	return fmt.Sprintf(`{profile="%s",environment="%s",topic="%s"}`, escapeLabel(profile), escapeLabel(env), escapeLabel(topic))
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD")) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }
