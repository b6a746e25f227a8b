package probe

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// The last step checks the broadcast channel-management host with
// push.ProbeChannels (it lists the app's channels, which changes
// nothing). It runs after the push host passed, as part of the same
// probe: esc cancels it, quitting waits for it.
const channelsStep = "channels"

// channelsMsg is the channel-management step's outcome.
type channelsMsg struct {
	run  int
	step push.ProbeStep
}

// channelsSkip says why the channel-management step does not apply to the
// profile ("" when it does).
func channelsSkip(p profiles.Profile) string {
	if p.Host == "" && p.Environment != certs.Development && p.Environment != certs.Production {
		return fmt.Sprintf("skipped: %s has no management host", p.Environment)
	}
	return ""
}

// channelsCmd runs push.ProbeChannels for the profile; IO stays out of
// Update.
func channelsCmd(ctx context.Context, run int, p profiles.Profile, cred *certs.Credential) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		s := push.ProbeStep{Name: channelsStep}
		cfg, err := session.Config(p, cred)
		var v push.Verdict
		if err != nil {
			v = push.Verdict{Reason: err.Error(), Advice: "Fix the profile, then probe again."}
		} else {
			v = push.ProbeChannels(ctx, cfg)
		}
		s.Duration, s.OK = time.Since(start), v.OK
		s.Detail = []string{v.Reason}
		if v.Advice != "" {
			s.Detail = append(s.Detail, v.Advice)
		}
		return channelsMsg{run: run, step: s}
	}
}

// afterVerdict starts the channel-management step once the push host
// passed, or notes why it is skipped; false when the probe is over.
func (m *Model) afterVerdict(v *push.Verdict) (tea.Cmd, bool) {
	if !v.OK || m.chanProf == nil {
		return nil, false
	}
	p, cred := *m.chanProf, m.chanCred
	if why := channelsSkip(p); why != "" {
		m.chanSkip = why
		return nil, false
	}
	ctx := m.ctx
	m.live++
	m.chanRunning = true
	return channelsCmd(ctx, m.run, p, cred), true
}

// gotChannels ends the probe with the channel-management step.
func (m *Model) gotChannels(msg channelsMsg) {
	m.live--
	if msg.run != m.run || !m.chanRunning {
		return
	}
	m.chanRunning = false
	m.steps = append(m.steps, msg.step)
	m.finish()
}

// channelsFailed is true when the channel-management step ran and failed.
func (m *Model) channelsFailed() bool {
	for _, s := range m.steps {
		if s.Name == channelsStep && !s.OK {
			return true
		}
	}
	return false
}
