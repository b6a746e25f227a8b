package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The device book's whole-process figures of issue 14, -mode store:
//
//   - `pushdeck devices import` of -store-import tokens with labels into a
//     fresh config folder (the target: under 3 s for 100,000), and
//     the same file again into the book it made;
//   - `pushdeck send --group` to -store-group devices of a book twice that
//     size, against `pushdeck send --tokens-file` with the same tokens (the
//     target: within 1.2x), both recording their results as a user's send
//     does, against the APNs server process with no added latency; each
//     send starts from a settled store (an untimed `history --limit 1`
//     first moves the previous round's results into history).
//
// Each is measured from exec to exit (wall, user + system CPU, peak RSS from
// VmHWM), in -runs paired rounds whose order alternates; the figure is the
// median, and for the pair the median of the per-round ratios.

// storeSample is one whole-process run.
type storeSample struct {
	WallS, CPUS, PeakRSSMB float64
}

// runTimed runs cmd to its end and measures it; stdout is discarded.
func runTimed(cmd *exec.Cmd) (storeSample, error) {
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	u, err := measureProc(cmd, nil)
	if err != nil {
		return storeSample{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args[1:3], " "), err, lastLines(stderr.String(), 5))
	}
	return storeSample{WallS: u.wall.Seconds(), CPUS: u.cpuS, PeakRSSMB: u.peakMB()}, nil
}

// labelledTokens writes n tokens of makeTokens with a label each, from
// token number from on.
func labelledTokens(path string, from, n int) error {
	var b strings.Builder
	for i, t := range makeTokens(from + n)[from:] {
		fmt.Fprintf(&b, "%s QA phone %d\n", t, from+i)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func storeBenchmark(ctx context.Context, o options, stdout, log io.Writer) error {
	dir, err := os.MkdirTemp("", "pushdeck-bench-store-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := buildPushdeck(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "== store: devices import of %d, send --group %d vs --tokens-file, %d paired rounds, load %s\n", o.storeImport, o.storeGroup, o.runs, loadAvg())
	env := func(home string) []string { return append(os.Environ(), "PUSHDECK_HOME="+home, "NO_COLOR=1") }

	// Import into a fresh folder each round.
	imp := filepath.Join(dir, "import.txt")
	if err := labelledTokens(imp, 0, o.storeImport); err != nil {
		return err
	}
	// Then the same file again into that book: every line is in it
	// already (a re-import updates, never doubles).
	var imports, reimports []storeSample
	for r := range o.runs {
		home := filepath.Join(dir, fmt.Sprintf("import-home-%d", r))
		var got [2]storeSample
		for k := range got {
			cmd := exec.CommandContext(ctx, bin, "devices", "import", imp, "--env", "development", "--group", "qa")
			cmd.Env = env(home)
			if got[k], err = runTimed(cmd); err != nil {
				return err
			}
		}
		os.RemoveAll(home)
		s, s2 := got[0], got[1]
		fmt.Fprintf(log, "import    run %d/%d: %.2f s wall, %.2f s CPU, %.1f MB; again: %.2f s wall, %.2f s CPU, %.1f MB\n", r+1, o.runs,
			s.WallS, s.CPUS, s.PeakRSSMB, s2.WallS, s2.CPUS, s2.PeakRSSMB)
		imports, reimports = append(imports, s), append(reimports, s2)
	}

	// Two identical books of 2 x group devices: "half" holds the first
	// group's worth; the other half are devices the send must skip.
	cr, err := newCreds()
	if err != nil {
		return err
	}
	srv, err := startServer(serveConfig{MaxStreams: o.maxStreams, ClientCAPEM: cr.ca.CertPEM(),
		KeyID: benchKeyID, TeamID: benchTeamID, TokenPubDER: cr.pubDER})
	if err != nil {
		return err
	}
	defer srv.close()
	cert, ca, pl := filepath.Join(dir, "bench.pem"), filepath.Join(dir, "server-ca.pem"), filepath.Join(dir, "payload.json")
	for p, b := range map[string][]byte{cert: cr.certPEM, ca: srv.CAPEM, pl: makePayload(o.procPayload)} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
	}
	half, rest, plain := filepath.Join(dir, "half.txt"), filepath.Join(dir, "rest.txt"), filepath.Join(dir, "half-tokens.txt")
	if err := labelledTokens(half, 0, o.storeGroup); err != nil {
		return err
	}
	if err := labelledTokens(rest, o.storeGroup, o.storeGroup); err != nil {
		return err
	}
	if err := os.WriteFile(plain, []byte(strings.Join(makeTokens(o.storeGroup), "\n")+"\n"), 0o600); err != nil {
		return err
	}
	homes := map[string]string{"group": filepath.Join(dir, "home-group"), "file": filepath.Join(dir, "home-file")}
	for _, home := range homes {
		for _, args := range [][]string{
			{"devices", "import", half, "--env", "development", "--group", "half"},
			{"devices", "import", rest, "--env", "development", "--group", "rest"},
		} {
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = env(home)
			if _, err := runTimed(cmd); err != nil {
				return err
			}
		}
	}
	send := func(kind string) (storeSample, error) {
		args := []string{"send", "--cert", cert, "--env", "development", "--host", srv.URL, "--server-ca", ca, "--payload", pl, "--json"}
		if kind == "group" {
			args = append(args, "--group", "half")
		} else {
			args = append(args, "--tokens-file", plain)
		}
		// Each send starts from a settled store: the previous round's
		// results are moved into history first (untimed), as any read
		// would, so neither send pays for the other's indexing.
		settle := exec.CommandContext(ctx, bin, "history", "--limit", "1", "--json")
		settle.Env = env(homes[kind])
		if _, err := runTimed(settle); err != nil {
			return storeSample{}, err
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env(homes[kind])
		return runTimed(cmd)
	}
	var groups, files []storeSample
	var ratios []float64
	for r := range o.runs {
		order := []string{"group", "file"}
		if r%2 == 1 {
			order = []string{"file", "group"}
		}
		got := map[string]storeSample{}
		for _, kind := range order {
			s, err := send(kind)
			if err != nil {
				return err
			}
			got[kind] = s
			fmt.Fprintf(log, "send %-5s run %d/%d: %.2f s wall, %.2f s CPU, %.1f MB\n", kind, r+1, o.runs, s.WallS, s.CPUS, s.PeakRSSMB)
		}
		groups, files = append(groups, got["group"]), append(files, got["file"])
		ratios = append(ratios, got["group"].WallS/got["file"].WallS)
	}

	med := func(xs []storeSample) storeSample {
		var w, c, m []float64
		for _, x := range xs {
			w, c, m = append(w, x.WallS), append(c, x.CPUS), append(m, x.PeakRSSMB)
		}
		return storeSample{WallS: medianF(w), CPUS: medianF(c), PeakRSSMB: medianF(m)}
	}
	mi, mr, mg, mf := med(imports), med(reimports), med(groups), med(files)
	m := readMachine()
	fmt.Fprintf(stdout, "Machine: %d CPUs (%s), %s; load %s at the end. Whole process, median of %d rounds (paired and alternating for the sends).\n\n", m.NumCPU, m.CPUModel, m.GoVersion, loadAvg(), o.runs)
	fmt.Fprintf(stdout, "| what | wall s | CPU s | peak RSS MB |\n| --- | --- | --- | --- |\n")
	fmt.Fprintf(stdout, "| devices import of %d tokens with labels, --group qa, fresh folder | %.2f (%s) | %.2f (%s) | %.1f |\n", o.storeImport,
		mi.WallS, spread(imports, func(x storeSample) float64 { return x.WallS }), mi.CPUS, spread(imports, func(x storeSample) float64 { return x.CPUS }), mi.PeakRSSMB)
	fmt.Fprintf(stdout, "| the same import again (every line in the book) | %.2f | %.2f | %.1f |\n", mr.WallS, mr.CPUS, mr.PeakRSSMB)
	fmt.Fprintf(stdout, "| send --group half (%d of a %d-device book) | %.2f | %.2f | %.1f |\n", o.storeGroup, 2*o.storeGroup, mg.WallS, mg.CPUS, mg.PeakRSSMB)
	fmt.Fprintf(stdout, "| send --tokens-file, the same %d tokens | %.2f | %.2f | %.1f |\n", o.storeGroup, mf.WallS, mf.CPUS, mf.PeakRSSMB)
	fmt.Fprintf(stdout, "\n--group ÷ --tokens-file, wall, median of the per-round ratios: %.2f (rounds %s)\n", medianF(ratios), fmtList(ratios))
	return nil
}

// spread is the range of a figure over the rounds, "min–max".
func spread(xs []storeSample, f func(storeSample) float64) string {
	lo, hi := f(xs[0]), f(xs[0])
	for _, x := range xs {
		lo, hi = min(lo, f(x)), max(hi, f(x))
	}
	return fmt.Sprintf("%.2f–%.2f", lo, hi)
}

func fmtList(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}
