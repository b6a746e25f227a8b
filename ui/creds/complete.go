package creds

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// completeCmd completes the path typed in a field; it reads a folder, so
// it runs as a Cmd.
func completeCmd(id fieldID, input string) tea.Cmd {
	return func() tea.Msg {
		v, c := completePath(input)
		return completeMsg{id: id, input: input, value: v, candidates: c}
	}
}

// completePath extends in to the longest prefix its folder's entries share
// (a folder gets its slash) and lists the candidates when there are
// several. It keeps the user's spelling of the folder (~ stays ~).
func completePath(in string) (string, []string) {
	typedDir, base := in[:strings.LastIndex(in, "/")+1], in[strings.LastIndex(in, "/")+1:]
	dir := expandHome(typedDir)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return in, nil
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		if isDir(filepath.Join(dir, n), e) {
			n += "/"
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return in, nil
	}
	slices.Sort(names)
	prefix := names[0]
	for _, n := range names[1:] {
		prefix = commonPrefix(prefix, n)
	}
	if len(names) == 1 {
		return typedDir + names[0], nil
	}
	return typedDir + prefix, names
}

func isDir(path string, e os.DirEntry) bool {
	if e.IsDir() {
		return true
	}
	if e.Type()&os.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		return err == nil && fi.IsDir()
	}
	return false
}

func commonPrefix(a, b string) string {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	for i > 0 && !utf8.ValidString(a[:i]) {
		i-- // never split a character
	}
	return a[:i]
}

// expandHome turns a leading ~/ into the home folder.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	return p
}

// browseDir is the folder the file browser opens in: the folder of what
// is typed, else the current folder.
func browseDir(typed string) string {
	dir := "."
	if p := expandHome(typed); strings.HasSuffix(p, "/") {
		dir = filepath.Clean(p)
	} else if p != "" {
		dir = filepath.Dir(p)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return abs // the browser's title shows where it is
	}
	return dir
}
