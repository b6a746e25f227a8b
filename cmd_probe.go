package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/pushdeck/pushdeck/push"
)

const probeUsage = `Usage: pushdeck probe [credential flags] [--json]

Checks each link to APNs in turn and says where it breaks: dns (addresses),
tcp (the port), tls (version, ALPN, the server's chain, the client
certificate), http2 (the server's stream limit), auth (a push to an all-zero
token that no device has: 400 BadDeviceToken means the credential works).
Then a verdict with advice. It never reaches a real device.

Credential: --cert F [--key F] | --p8 F --key-id K --team-id T | --profile NAME

Exit codes: 0 probe ok, 1 probe failed, 2 usage or credential error.

Flags:
`

// probeStepLine is one step in --json output.
type probeStepLine struct {
	Step   string   `json:"step"`
	OK     bool     `json:"ok"`
	MS     float64  `json:"ms"`
	Detail []string `json:"detail"`
	Error  string   `json:"error,omitempty"`
}

// probeVerdictLine ends --json output.
type probeVerdictLine struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
	Advice  string `json:"advice"`
}

func runProbe(e env, args []string) int {
	var cf credFlags
	var asJSON bool
	fs := cmdFlags(e, "probe", probeUsage, "")
	cf.register(fs)
	fs.BoolVar(&asJSON, "json", false, "print one JSON object per step, then the verdict")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pushdeck probe: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	store, storeErr := openStore()
	s, err := cf.load(e, store, storeErr)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck probe: %v\n", err)
		return exitUsage
	}
	if _, err := push.NewClient(s.cfg); err != nil {
		fmt.Fprintf(e.stderr, "pushdeck probe: %v\n", err)
		return exitUsage
	}
	if !asJSON {
		for _, n := range s.notes {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
		fmt.Fprintf(e.stdout, "probing %s\n", s.where())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	enc := json.NewEncoder(e.stdout)
	ok := false
	for ev := range push.Probe(ctx, s.cfg) {
		switch {
		case ev.Step != nil:
			st := ev.Step
			ms := float64(st.Duration.Microseconds()) / 1000
			if asJSON {
				l := probeStepLine{Step: st.Name, OK: st.OK, MS: ms, Detail: st.Detail}
				if l.Detail == nil {
					l.Detail = []string{}
				}
				if st.Err != nil {
					l.Error = st.Err.Error()
				}
				enc.Encode(l)
				continue
			}
			mark := "ok  "
			if !st.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(e.stdout, "%s  %-5s  %7.1fms\n", mark, st.Name, ms)
			for _, d := range st.Detail {
				fmt.Fprintf(e.stdout, "        %s\n", d)
			}
			if st.Err != nil {
				fmt.Fprintf(e.stdout, "        error: %v\n", st.Err)
			}
		case ev.Verdict != nil:
			v := ev.Verdict
			ok = v.OK
			if asJSON {
				word := "failed"
				if v.OK {
					word = "ok"
				}
				enc.Encode(probeVerdictLine{Verdict: word, Reason: v.Reason, Advice: v.Advice})
				continue
			}
			if v.OK {
				fmt.Fprintf(e.stdout, "\nverdict: ok. %s\n", v.Advice)
			} else {
				fmt.Fprintf(e.stdout, "\nverdict: FAILED: %s\n%s\n", strings.TrimSuffix(v.Reason, "."), v.Advice)
			}
		}
	}
	if ok {
		return exitOK
	}
	return exitFailed
}
