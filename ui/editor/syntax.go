package editor

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// JSON syntax colouring. A JSON string cannot hold a raw new line, so
// every logical line starts outside a string and is lexed on its own;
// only the rows on screen are lexed, each frame. Colours are applied as
// escape sequences taken from the styles once (a Lip Gloss Render per
// token would cost more than the whole frame may).

type jsonClass uint8

const (
	jsPlain jsonClass = iota
	jsKey
	jsString
	jsNumber
	jsLiteral // true, false, null
	jsPunct
	nClasses
)

// classify gives each rune of line its class.
func classify(line []rune) []jsonClass {
	out := make([]jsonClass, len(line))
	for i := 0; i < len(line); {
		r := line[i]
		switch {
		case r == '"':
			j := i + 1
			for j < len(line) && line[j] != '"' {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(line))
			c := jsString
			k := end
			for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
				k++
			}
			if k < len(line) && line[k] == ':' {
				c = jsKey
			}
			for x := i; x < end; x++ {
				out[x] = c
			}
			i = end
		case r == '-' || (r >= '0' && r <= '9'):
			j := i
			for j < len(line) && strings.ContainsRune("-+.eE0123456789", line[j]) {
				out[j] = jsNumber
				j++
			}
			i = j
		case r == 't' || r == 'f' || r == 'n':
			j := i
			for j < len(line) && line[j] >= 'a' && line[j] <= 'z' {
				j++
			}
			if w := string(line[i:j]); w == "true" || w == "false" || w == "null" {
				for x := i; x < j; x++ {
					out[x] = jsLiteral
				}
			}
			i = max(j, i+1)
		case strings.ContainsRune("{}[]:,", r):
			out[i] = jsPunct
			i++
		default:
			i++
		}
	}
	return out
}

// sgr is a style as the escape sequences before and after its text.
type sgr struct{ on, off string }

func sgrOf(s lipgloss.Style) sgr {
	const mark = "\x00"
	r := s.Render(mark)
	on, off, ok := strings.Cut(r, mark)
	if !ok {
		return sgr{}
	}
	return sgr{on, off}
}

// syntaxStyles are the token colours for the palette (none without colour).
func syntaxStyles(st common.Styles) [nClasses]sgr {
	var out [nClasses]sgr
	out[jsKey] = sgrOf(lipgloss.NewStyle().Foreground(st.JSON.Key))
	out[jsString] = sgrOf(lipgloss.NewStyle().Foreground(st.JSON.String))
	out[jsNumber] = sgrOf(lipgloss.NewStyle().Foreground(st.JSON.Number))
	out[jsLiteral] = sgrOf(lipgloss.NewStyle().Foreground(st.JSON.Literal))
	out[jsPunct] = sgrOf(lipgloss.NewStyle().Foreground(st.JSON.Punct))
	if st.Accent == nil { // NO_COLOR
		return [nClasses]sgr{}
	}
	return out
}

// coloured writes runes with their classes' colours.
func (ts *textStyles) coloured(b *strings.Builder, runes []rune, cls []jsonClass) {
	for i := 0; i < len(runes); {
		c := cls[i]
		j := i
		for j < len(runes) && cls[j] == c {
			j++
		}
		s := ts.syntax[c]
		b.WriteString(s.on)
		for _, r := range runes[i:j] {
			b.WriteRune(r)
		}
		b.WriteString(s.off)
		i = j
	}
}
