package devices

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// groupCount is a group of this environment's devices.
type groupCount struct {
	name     string
	n, nSel  int
	keysOfIt []string
}

// groupCounts lists the groups of the devices of this view that can be
// selected.
func (m *Model) groupCounts() []groupCount {
	idx := map[string]int{}
	var out []groupCount
	for _, d := range m.all {
		if ok, _ := m.selectable(d); !ok || !m.inView(d) {
			continue
		}
		for _, g := range d.Groups {
			i, ok := idx[g]
			if !ok {
				i = len(out)
				idx[g] = i
				out = append(out, groupCount{name: g})
			}
			out[i].n++
			out[i].keysOfIt = append(out[i].keysOfIt, selKey(d))
			if m.selected[selKey(d)] {
				out[i].nSel++
			}
		}
	}
	slices.SortFunc(out, func(a, b groupCount) int { return strings.Compare(a.name, b.name) })
	return out
}

func (m *Model) keyGroups(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.GroupClose):
		m.mode = modeList
	case key.Matches(msg, k.GroupUp):
		m.groupCur = max(0, m.groupCur-1)
	case key.Matches(msg, k.GroupDown):
		m.groupCur = min(len(m.groups)-1, m.groupCur+1)
	case key.Matches(msg, k.Clear):
		clear(m.selected)
		m.groups = m.groupCounts()
		m.setNote("selection cleared", false)
		return m.selectionCmd()
	case key.Matches(msg, k.GroupToggle), key.Matches(msg, k.GroupDone):
		g := m.groups[m.groupCur]
		all := g.nSel == g.n
		for _, k := range g.keysOfIt {
			if all {
				delete(m.selected, k)
			} else {
				m.selected[k] = true
			}
		}
		verb := "selected"
		if all {
			verb = "cleared"
		}
		m.setNote(fmt.Sprintf("%s group %s (%s)", verb, g.name, common.Count(g.n, m.noun())), false)
		m.groups = m.groupCounts()
		if key.Matches(msg, k.GroupDone) {
			m.mode = modeList
		}
		return m.selectionCmd()
	}
	return nil
}

func (m *Model) groupsView(w, h int) string {
	st := m.c.Styles
	lines := []string{st.Title.Render("Select a group") + st.Subtle.Render("  space toggle · enter toggle and close · C clear all · esc close")}
	for i, g := range m.groups {
		mark := "[ ]"
		switch {
		case g.nSel == g.n:
			mark = "[x]"
		case g.nSel > 0:
			mark = "[-]"
		}
		line := fmt.Sprintf("%s %s  %s", mark, g.name, st.Subtle.Render(fmt.Sprintf("%s, %d selected", common.Count(g.n, m.noun()), g.nSel)))
		if i == m.groupCur {
			line = st.Selected.Render("› ") + line
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	return common.ClipLines(strings.Join(lines, "\n"), w, h)
}
