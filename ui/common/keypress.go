package common

import (
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

var namedKeys = map[string]rune{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "space": tea.KeySpace,
	"backspace": tea.KeyBackspace, "delete": tea.KeyDelete,
	"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
	"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
}

// KeyPress builds the key message a terminal sends for a key written the
// way msg.String() prints it ("a", "A", "enter", "ctrl+t", "shift+tab",
// "alt+n"), so tests and scripted demos can type.
func KeyPress(s string) tea.KeyPressMsg {
	var k tea.Key
	parts := strings.Split(s, "+")
	name := parts[len(parts)-1]
	if s == "+" || strings.HasSuffix(s, "++") {
		name = "+"
		parts = append(strings.Split(strings.TrimSuffix(s, "++"), "+"), "+")
		if s == "+" {
			parts = []string{"+"}
		}
	}
	for _, p := range parts[:len(parts)-1] {
		switch p {
		case "ctrl":
			k.Mod |= tea.ModCtrl
		case "alt":
			k.Mod |= tea.ModAlt
		case "shift":
			k.Mod |= tea.ModShift
		}
	}
	if r, ok := namedKeys[name]; ok {
		k.Code = r
		if name == "space" && k.Mod == 0 {
			k.Text = " "
		}
		return tea.KeyPressMsg(k)
	}
	r, _ := utf8.DecodeRuneInString(name)
	k.Code = r
	if k.Mod == 0 || k.Mod == tea.ModShift {
		k.Text = name
		if r >= 'A' && r <= 'Z' {
			k.Code = r + ('a' - 'A')
			k.ShiftedCode = r
			k.Mod |= tea.ModShift
		}
	}
	return tea.KeyPressMsg(k)
}

// Type builds the key messages for typing text, one rune a key.
func Type(text string) []tea.Msg {
	var out []tea.Msg
	for _, r := range text {
		switch r {
		case '\n':
			out = append(out, KeyPress("enter"))
		case ' ':
			out = append(out, KeyPress("space"))
		default:
			out = append(out, tea.KeyPressMsg(tea.Key{Code: r, Text: string(r)}))
		}
	}
	return out
}
