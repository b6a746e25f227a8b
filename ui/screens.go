package ui

import (
	"github.com/pushdeck/pushdeck/ui/common"
	"github.com/pushdeck/pushdeck/ui/probe"
	"github.com/pushdeck/pushdeck/ui/profiles"
)

// Screens builds the six tabs in order. Each line is one tab: a screen
// that has not shipped yet is a placeholder that says so.
func Screens(c common.Common) []common.Screen {
	return []common.Screen{
		profiles.New(c),
		probe.New(c),
		newPlaceholder(c, "Payload", "Write a notification's JSON with live checks against APNs rules, and its headers."),
		newPlaceholder(c, "Devices", "The device book: tokens per environment, groups, last results."),
		newPlaceholder(c, "Send", "Send the payload to the selected devices and watch each result arrive."),
		newPlaceholder(c, "History", "Every send with Apple's answer, searchable, ready to send again."),
	}
}
