package ui

import (
	"github.com/pushdeck/pushdeck/ui/channels"
	"github.com/pushdeck/pushdeck/ui/common"
	"github.com/pushdeck/pushdeck/ui/creds"
	"github.com/pushdeck/pushdeck/ui/devices"
	"github.com/pushdeck/pushdeck/ui/editor"
	"github.com/pushdeck/pushdeck/ui/history"
	"github.com/pushdeck/pushdeck/ui/probe"
	"github.com/pushdeck/pushdeck/ui/send"
)

// Screens builds the tabs in order. Each line is one tab.
func Screens(c common.Common) []common.Screen {
	return []common.Screen{
		creds.New(c),
		probe.New(c),
		editor.New(c),
		devices.New(c),
		send.New(c),
		history.New(c),
		channels.New(c),
	}
}
