package send

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/push"
)

// resultRow is one line of a saved results file.
type resultRow struct {
	Batch        string  `json:"batch"`
	Label        string  `json:"label,omitempty"`
	Token        string  `json:"token"`
	Status       int     `json:"status"`
	Reason       string  `json:"reason,omitempty"`
	ApnsID       string  `json:"apns_id,omitempty"`
	ApnsUniqueID string  `json:"apns_unique_id,omitempty"`
	LatencyMS    float64 `json:"latency_ms"`
	Attempts     int     `json:"attempts"`
	Error        string  `json:"error,omitempty"`
}

// saveResults writes results as JSON Lines, or CSV when the name ends in
// .csv. results is only ever appended to, so this prefix is stable while
// the Cmd runs.
func saveResults(path string, results []push.Result, run runInfo) tea.Cmd {
	return func() tea.Msg {
		n, err := writeResults(path, results, run.batch)
		return savedMsg{path: path, n: n, err: err}
	}
}

// savePath is where a typed name is saved: a bare name goes into the
// exports folder (never the folder the console was started from), ~/ is
// the home folder, a path is taken as it is.
func savePath(typed, dir string) string {
	if !strings.ContainsAny(typed, `/\`) && !strings.HasPrefix(typed, "~") {
		return filepath.Join(dir, typed)
	}
	return typed
}

func writeResults(path string, results []push.Result, batch string) (int, error) {
	p := path
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[2:])
		}
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	var err error
	rows := func(yield func(resultRow) bool) {
		for _, r := range results {
			row := resultRow{
				Batch: batch, Label: r.Label, Token: r.Token, Status: r.Status,
				Reason: reasonOf(r), ApnsID: r.ApnsID, ApnsUniqueID: r.ApnsUniqueID,
				LatencyMS: float64(r.Latency) / float64(time.Millisecond), Attempts: r.Attempts,
			}
			if r.Err != nil {
				row.Error = r.Err.Error()
			}
			if !yield(row) {
				return
			}
		}
	}
	if strings.EqualFold(filepath.Ext(p), ".csv") {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"batch", "label", "token", "status", "reason", "apns_id", "apns_unique_id", "latency_ms", "attempts", "error"})
		for r := range rows {
			_ = cw.Write([]string{r.Batch, r.Label, r.Token, strconv.Itoa(r.Status), r.Reason, r.ApnsID, r.ApnsUniqueID,
				strconv.FormatFloat(r.LatencyMS, 'f', 3, 64), strconv.Itoa(r.Attempts), r.Error})
		}
		cw.Flush()
		err = cw.Error()
	} else {
		enc := json.NewEncoder(w)
		for r := range rows {
			if err = enc.Encode(r); err != nil {
				break
			}
		}
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = writeExport(p, buf.Bytes())
	}
	if err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return len(results), nil
}
