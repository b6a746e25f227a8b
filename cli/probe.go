package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/pushdeck/pushdeck/internal/textsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// ProbeOptions are the flags of pushdeck probe.
type ProbeOptions struct {
	Credential session.Request
	JSON       bool
	// Channels also checks the channel-management host (iOS 18 broadcast).
	Channels bool
}

const probeLong = `Checks each link to APNs in turn and says where it breaks: dns (addresses),
tcp (the port), tls (version, ALPN, the server's chain, the client
certificate), http2 (the server's stream limit), auth (a push to an all-zero
token that no device has: 400 BadDeviceToken means the credential works).
Then a verdict with advice. It never reaches a real device.

Credential: --cert F [--key F] | --p8 F --key-id K --team-id T | --profile NAME

--channels then checks the channel-management host too (iOS 18 broadcast
channels: Apple's api-manage-broadcast hosts, or --host for a local server).

Exit codes: 0 probe ok, 1 probe failed, 2 usage or credential error.`

func newProbeCmd(e env) *cobra.Command {
	var o ProbeOptions
	c := &cobra.Command{
		Use:   "probe",
		Short: "Check each link to APNs: DNS, TCP, TLS, HTTP/2, credential",
		Long:  probeLong,
		Example: `  pushdeck probe --profile myapp-dev
  pushdeck probe --cert prod.p12 --env production --json
  pushdeck probe --p8 AuthKey_ABCDE12345.p8 --team-id TEAM123456 --topic com.example.app --env development`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "probe", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runProbe(c.Context(), e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	registerCredential(fs, &o.Credential)
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per step, then the verdict")
	fs.BoolVar(&o.Channels, "channels", false, "also check the channel-management host (broadcast channels: lists them, changes nothing)")
	return c
}

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

// runProbe probes until the verdict, or until ctx (or Ctrl+C) ends it.
func runProbe(ctx context.Context, e env, o *ProbeOptions) int {
	// A credential that cannot be loaded (a wrong password, a damaged
	// file) still lets the probe check DNS and TCP, when the environment is
	// known without it: "is it the network or the certificate?" gets half
	// its answer.
	req := o.Credential
	req.WithoutCredential = true
	s, err := resolve(e, req)
	if err != nil {
		// A weak key is named here: Load refuses it before any handshake.
		fmt.Fprintf(e.stderr, "pushdeck probe: %s\n", textsafe.Clean(err.Error()))
		return exitUsage
	}
	if s.CredentialErr == nil {
		if _, err := push.NewClient(s.Config); err != nil {
			fmt.Fprintf(e.stderr, "pushdeck probe: %v\n", err)
			return exitUsage
		}
	} else if !o.JSON {
		fmt.Fprintf(e.stderr, "pushdeck probe: %s\nChecking DNS and TCP anyway.\n", textsafe.Clean(s.CredentialErr.Error()))
	}
	if !o.JSON {
		for _, n := range s.Notes {
			fmt.Fprintf(e.stderr, "note: %s\n", n)
		}
		fmt.Fprintf(e.stdout, "probing %s\n", s.Where())
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	enc := jsonEncoder(e.stdout)
	ok := false
	for ev := range push.Probe(ctx, s.Config) {
		switch {
		case ev.Step != nil:
			st := ev.Step
			ms := float64(st.Duration.Microseconds()) / 1000
			if o.JSON {
				l := probeStepLine{Step: st.Name, OK: st.OK, MS: ms, Detail: st.Detail}
				if l.Detail == nil {
					l.Detail = []string{}
				}
				if st.Err != nil {
					l.Error = st.Err.Error()
				}
				_ = enc.Encode(l)
				continue
			}
			mark := "ok  "
			if !st.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(e.stdout, "%s  %-5s  %7.1fms\n", mark, st.Name, ms)
			// Details quote the server (its certificate's subject, its
			// answers): clean them before the terminal sees them.
			for _, d := range st.Detail {
				fmt.Fprintf(e.stdout, "        %s\n", textsafe.Clean(d))
			}
			if st.Err != nil {
				fmt.Fprintf(e.stdout, "        error: %s\n", textsafe.Clean(st.Err.Error()))
			}
		case ev.Verdict != nil:
			v := ev.Verdict
			ok = v.OK
			if o.JSON {
				word := "failed"
				if v.OK {
					word = "ok"
				}
				_ = enc.Encode(probeVerdictLine{Verdict: word, Reason: v.Reason, Advice: v.Advice})
				continue
			}
			if v.OK {
				fmt.Fprintf(e.stdout, "\nverdict: ok. %s\n", textsafe.Clean(v.Advice))
			} else {
				fmt.Fprintf(e.stdout, "\nverdict: FAILED: %s\n%s\n", textsafe.Clean(strings.TrimSuffix(v.Reason, ".")), textsafe.Clean(v.Advice))
			}
		}
	}
	if ok && o.Channels {
		ok = probeChannels(ctx, e, s, o.JSON, enc)
	}
	if ok {
		return exitOK
	}
	return exitFailed
}

// probeChannels checks the channel-management host after the push host.
func probeChannels(ctx context.Context, e env, s *session.Session, asJSON bool, enc *json.Encoder) bool {
	v := push.ProbeChannels(ctx, s.Config)
	if asJSON {
		word := "failed"
		if v.OK {
			word = "ok"
		}
		_ = enc.Encode(struct {
			Channels string `json:"channels"`
			Reason   string `json:"reason"`
			Advice   string `json:"advice"`
		}{word, v.Reason, v.Advice})
		return v.OK
	}
	if v.OK {
		fmt.Fprintf(e.stdout, "channels: ok. %s\n", v.Reason)
	} else {
		fmt.Fprintf(e.stdout, "channels: FAILED: %s\n%s\n", v.Reason, v.Advice)
	}
	return v.OK
}
