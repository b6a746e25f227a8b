package common

import (
	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
)

// Outgoing is the notification the Payload screen is editing: what the Send
// screen will send. Report is the lint of Body under Headers.
type Outgoing struct {
	Name    string // library name when loaded or saved, "" for a draft
	Body    string
	Headers payload.Headers
	Report  payload.Report
	// ErrLine is where the first error is (1-based line:column, 0 if none),
	// so the Send screen can say where to fix it.
	ErrLine, ErrColumn int
}

// PayloadChangedMsg carries the Payload screen's latest text, headers and
// lint to whoever needs them (the Send screen). The shell routes it to every
// screen. Cmds run concurrently, so two of these can arrive out of order:
// Seq grows with every edit and a receiver keeps only the newest.
type PayloadChangedMsg struct {
	Out Outgoing
	Seq uint64
}

// SelectionChangedMsg carries the devices selected on the Devices screen, all
// of them in Env (devices of the other environment cannot be selected).
// Seq grows with every change; a receiver keeps only the newest, since
// Cmds may deliver two of them out of order.
type SelectionChangedMsg struct {
	Env     certs.Environment
	Devices []profiles.Device
	Seq     uint64
}

// DevicesChangedMsg says the device book changed on disk (a send recorded
// last results, a device was added), so the Devices screen reloads it.
type DevicesChangedMsg struct{}

// HistoryChangedMsg says entries were appended to the send history, so the
// History screen reloads when it is next shown.
type HistoryChangedMsg struct{}
