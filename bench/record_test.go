package main

import (
	"strings"
	"testing"
)

// The recording benchmark end to end, small: pushdeck send recording and
// with --no-history, each round checked against what the store holds.
func TestQuickRecordRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pushdeck binary: run without -short")
	}
	var rep recordReport
	b, stdout := quickRun(t, "latest-record.json", &rep, "-quick", "-mode", "record", "-runs", "2")
	if len(rep.Cases) != 1 || len(rep.Cases[0].Runs) != 2 {
		t.Fatalf("%d cases: %s", len(rep.Cases), b)
	}
	c := rep.Cases[0]
	for _, m := range []procSample{c.On, c.Off} {
		if m.OK != m.Tokens || m.Tokens != 200 || m.Failed != 0 || m.PeakRSSMB <= 0 || m.CPUS <= 0 {
			t.Errorf("%s: %+v", m.Client, m)
		}
	}
	if c.On.Client != "pushdeck" || c.Off.Client != "pushdeck --no-history" || c.Ratios.Rate <= 0 || c.Ratios.CPU <= 0 {
		t.Errorf("on %q, off %q, ratios %+v", c.On.Client, c.Off.Client, c.Ratios)
	}
	if !strings.Contains(stdout, "recording on ÷ off") {
		t.Errorf("no paired ratio in the table:\n%s", stdout)
	}
}
