package health

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/pushdeck/pushdeck/profiles"
)

// TestPrometheusParses writes a check in the textfile format and reads it
// back with the Prometheus client's own text parser: every family has HELP
// and TYPE, label values with quotes, backslashes and line feeds survive,
// and the values are the check's.
func TestPrometheusParses(t *testing.T) {
	ps, env := teamProfiles(t)
	weird := prof("we\"ird\\name\nline2", world.fine, profiles.PasswordSource{Kind: "none"})
	weird.Topic = `com.example."quoted"`
	ps = append(ps, weird)
	res, err := Check(context.Background(), ps, CheckOptions{WarnDays: 30, Env: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	// A probe result for two of them, as --probe would give.
	for i := range res {
		switch res[i].Profile.Name {
		case "fine":
			res[i].Probe = &ProbeResult{OK: true}
		case "expired":
			res[i].Probe = &ProbeResult{Skipped: true}
		}
	}
	ran := time.Unix(1_800_000_000, 0)
	var b bytes.Buffer
	if err := WritePrometheus(&b, res, ran); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	parser := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("the Prometheus parser refused the output: %v\n%s", err, text)
	}
	for _, name := range []string{MetricExpiry, MetricUsable, MetricChecked, MetricProbeOK, MetricCheckTime} {
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s family:\n%s", name, text)
		}
		if f.GetHelp() == "" || f.GetType() != dto.MetricType_GAUGE {
			t.Errorf("%s: help %q type %v", name, f.GetHelp(), f.GetType())
		}
	}
	if len(fams) != 5 {
		t.Errorf("%d families", len(fams))
	}
	// samples: profile -> value, with the other labels checked.
	samples := func(name string) map[string]float64 {
		m := map[string]float64{}
		for _, mt := range fams[name].GetMetric() {
			l := map[string]string{}
			for _, lp := range mt.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if len(l) != 3 || l["environment"] == "" || l["topic"] == "" {
				t.Errorf("%s: labels %v", name, l)
			}
			if _, dup := m[l["profile"]]; dup {
				t.Errorf("%s: two samples for %q", name, l["profile"])
			}
			m[l["profile"]] = mt.GetGauge().GetValue()
			if l["profile"] == weird.Name && l["topic"] != weird.Topic {
				t.Errorf("topic label %q, want %q", l["topic"], weird.Topic)
			}
		}
		return m
	}
	got := byName(res)
	exp := samples(MetricExpiry)
	for _, n := range []string{"fine", "expiring", "expired", "future", "env-ok", "file-ok", "wrong-env", weird.Name} {
		if v, ok := exp[n]; !ok || int64(v) != got[n].Report.Certificate.NotAfter.Unix() {
			t.Errorf("expiry of %q: %v (present %v), want %d", n, v, ok, got[n].Report.Certificate.NotAfter.Unix())
		}
	}
	for _, n := range []string{"typed", "token", "env-unset", "cert-gone"} {
		if _, ok := exp[n]; ok {
			t.Errorf("%s has an expiry sample; it has no certificate that was read", n)
		}
	}
	usable := samples(MetricUsable)
	wantUsable := map[string]float64{"fine": 1, "expiring": 1, "expired": 0, "future": 0, "env-ok": 1, "file-ok": 1, "wrong-env": 0, "token": 1, weird.Name: 0, "env-unset": 0, "cert-gone": 0} // weird: the certificate does not cover its topic
	for n, v := range wantUsable {
		if usable[n] != v {
			t.Errorf("usable %q = %v, want %v", n, usable[n], v)
		}
	}
	if _, ok := usable["typed"]; ok {
		t.Error("typed: a usable sample for a credential that was not opened")
	}
	checked := samples(MetricChecked)
	if len(checked) != len(res) || checked["typed"] != 0 || checked["fine"] != 1 || checked["env-unset"] != 1 {
		t.Errorf("checked %v", checked)
	}
	probe := samples(MetricProbeOK)
	if len(probe) != 2 || probe["fine"] != 1 || probe["expired"] != 0 {
		t.Errorf("probe_ok %v", probe)
	}
	if v := fams[MetricCheckTime].GetMetric()[0].GetGauge().GetValue(); v != 1_800_000_000 {
		t.Errorf("check time %v", v)
	}
	// The file ends with a line feed (the textfile collector needs whole lines).
	if !strings.HasSuffix(text, "\n") {
		t.Error("no final line feed")
	}
}

// TestPrometheusTokenOnly: a token key has no expiry sample but is usable.
func TestPrometheusTokenOnly(t *testing.T) {
	p := profiles.Profile{Name: "t", CertPath: filepath.Join(fixtures, "AuthKey_54321EDCBA.p8"), KeyID: "54321EDCBA", TeamID: "ABCDE12345",
		Environment: "production", Topic: testTopic}
	res, err := Check(context.Background(), []profiles.Profile{p}, CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	WritePrometheus(&b, res, time.Now())
	if strings.Contains(b.String(), MetricExpiry) || !strings.Contains(b.String(), MetricUsable+`{profile="t",environment="production",topic="com.example.pushdeck"} 1`) {
		t.Errorf("output:\n%s", b.String())
	}
}
