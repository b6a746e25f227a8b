package send

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/push"
)

// The results filter: all, failed only, one reason, one status. f steps
// through them (the reasons present, most frequent first), F shows all
// again. The filtered rows are an index kept as results arrive, so a
// filter over 100,000 results costs the view nothing.

type filterKind int

const (
	filterAll filterKind = iota
	filterFailed
	filterReason
	filterStatus
)

// resultFilter is the filter applied to the results table.
type resultFilter struct {
	kind   filterKind
	reason string
	status int
}

func (f resultFilter) match(r push.Result) bool {
	switch f.kind {
	case filterFailed:
		return !r.OK()
	case filterReason:
		return !r.OK() && reasonKey(r) == f.reason
	case filterStatus:
		return r.Status == f.status
	}
	return true
}

func (f resultFilter) String() string {
	switch f.kind {
	case filterFailed:
		return "failed only"
	case filterReason:
		return "reason " + f.reason
	case filterStatus:
		return fmt.Sprintf("status %d", f.status)
	}
	return "all"
}

// reasonKey is the breakdown's name for a failure: APNs' reason, or the
// transport's class.
func reasonKey(r push.Result) string {
	if _, ok := push.NotAPNs(r); ok && r.Reason == "" {
		return "not APNs"
	}
	s := reasonOf(r)
	if s == "" {
		return fmt.Sprintf("HTTP %d", r.Status)
	}
	return humanize.FirstLine(s)
}

// countReasons adds rs's failures to the breakdown.
func (m *Model) countReasons(rs []push.Result) {
	if m.reasons == nil {
		m.reasons, m.statuses = map[string]int{}, map[int]int{}
	}
	for _, r := range rs {
		m.statuses[r.Status]++
		if !r.OK() {
			m.reasons[reasonKey(r)]++
		}
	}
}

// breakdown is the failures by reason, most frequent first.
func (m *Model) breakdown() []reasonCount {
	out := make([]reasonCount, 0, len(m.reasons))
	for k, n := range m.reasons {
		out = append(out, reasonCount{k, n})
	}
	slices.SortFunc(out, func(a, b reasonCount) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return strings.Compare(a.reason, b.reason)
	})
	return out
}

type reasonCount struct {
	reason string
	n      int
}

// filters are the filters f steps through now: all, failed, then each
// reason present, then each failing status present.
func (m *Model) filters() []resultFilter {
	out := []resultFilter{{kind: filterAll}}
	if m.failN+m.cancelN == 0 {
		return out
	}
	out = append(out, resultFilter{kind: filterFailed})
	for _, rc := range m.breakdown() {
		out = append(out, resultFilter{kind: filterReason, reason: rc.reason})
	}
	var sts []int
	for s := range m.statuses {
		if s != 200 {
			sts = append(sts, s)
		}
	}
	slices.Sort(sts)
	for _, s := range sts {
		out = append(out, resultFilter{kind: filterStatus, status: s})
	}
	return out
}

// setFilter applies f: the index of matching rows is rebuilt once, then
// kept as results arrive.
func (m *Model) setFilter(f resultFilter) {
	m.filter = f
	if f.kind == filterAll {
		m.view = nil
		m.table.SetRows(len(m.results))
		return
	}
	m.view = m.view[:0:0]
	for i, r := range m.results {
		if f.match(r) {
			m.view = append(m.view, i)
		}
	}
	m.table.SetRows(len(m.view))
	m.table.SetCursor(0)
}

// nextFilter steps to the next filter.
func (m *Model) nextFilter() {
	fs := m.filters()
	i := slices.Index(fs, m.filter)
	m.setFilter(fs[(i+1)%len(fs)])
}

// filtered takes newly arrived results (starting at index from) into the
// filter's index.
func (m *Model) filtered(from int) {
	m.sizeTable() // the breakdown line may have appeared
	if m.filter.kind == filterAll {
		m.table.SetRows(len(m.results))
		return
	}
	for i := from; i < len(m.results); i++ {
		if m.filter.match(m.results[i]) {
			m.view = append(m.view, i)
		}
	}
	m.table.SetRows(len(m.view))
}

// rowIndex maps a table row to its result.
func (m *Model) rowIndex(row int) int {
	if m.filter.kind == filterAll {
		return row
	}
	return m.view[row]
}

// breakdownLine is the failures by reason in one line, as many as fit.
func (m *Model) breakdownLine(w int) string {
	st := m.c.Styles
	bd := m.breakdown()
	if len(bd) == 0 {
		return ""
	}
	s := st.Subtle.Render("failed by reason: ")
	for i, rc := range bd {
		item := fmt.Sprintf("%s %d", rc.reason, rc.n)
		if i > 0 {
			item = " · " + item
		}
		more := ""
		if rest := len(bd) - i - 1; rest > 0 {
			more = fmt.Sprintf(" · +%d more", rest)
		}
		if i > 0 && ansi.StringWidth(s+item+more) > w {
			s += st.Subtle.Render(fmt.Sprintf(" · +%d more", len(bd)-i))
			break
		}
		s += st.Problem.Render(item)
	}
	return s
}
