package payload

import (
	"strings"
	"testing"
	"time"
)

func TestBumpTimestamp(t *testing.T) {
	now := time.Unix(1767225600, 0)
	cases := []struct{ in, want string }{
		{"{\n  \"aps\": {\n    \"event\": \"update\",\n    \"timestamp\": 1700000000,\n    \"content-state\": {}\n  }\n}",
			"{\n  \"aps\": {\n    \"event\": \"update\",\n    \"timestamp\": 1767225600,\n    \"content-state\": {}\n  }\n}"},
		{"{\n  \"aps\": {\n    \"event\": \"update\",\n    \"content-state\": {}\n  }\n}",
			"{\n  \"aps\": {\n    \"timestamp\": 1767225600,\n    \"event\": \"update\",\n    \"content-state\": {}\n  }\n}"},
		{`{"aps":{}}`, `{"aps":{"timestamp": 1767225600}}`},
		{`{"aps":{"timestamp":"soon","event":"end"},"x":1}`, `{"aps":{"timestamp":1767225600,"event":"end"},"x":1}`},
	}
	for _, c := range cases {
		out, off, err := BumpTimestamp([]byte(c.in), now)
		if err != nil || string(out) != c.want {
			t.Errorf("%q:\n got %q %v\nwant %q", c.in, out, err, c.want)
			continue
		}
		if !strings.HasPrefix(string(out[off:]), "1767225600") {
			t.Errorf("offset %d points at %q", off, out[off:])
		}
	}
	for in, want := range map[string]string{`{"aps":`: "fix the JSON first", `[1]`: "not a JSON object", `{"x":1}`: "no aps object", `{"aps":3}`: "no aps object"} {
		if _, _, err := BumpTimestamp([]byte(in), now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	// A bumped template lints without a stale timestamp.
	old := TemplatesAt(now.Add(-3 * time.Hour))
	for _, tpl := range old {
		if tpl.Headers.PushType != LiveActivity {
			continue
		}
		opts := Options{Headers: tpl.Headers, Now: now}
		if _, stale := find(Validate([]byte(tpl.Body), opts), "liveactivity-timestamp-stale", Warning); !stale {
			t.Errorf("%s: a 3-hour-old timestamp should be stale", tpl.Name)
		}
		out, _, err := BumpTimestamp([]byte(tpl.Body), now)
		if err != nil {
			t.Fatal(err)
		}
		if f, stale := find(Validate(out, opts), "liveactivity-timestamp-stale", Warning); stale {
			t.Errorf("%s: still stale after the bump: %+v", tpl.Name, f)
		}
	}
}

func TestContentState(t *testing.T) {
	body := `{"aps":{"event":"update","content-state":{"score":"1-0"},"timestamp":1}}`
	s, e, ok := ContentState([]byte(body))
	if !ok || body[s:e] != `{"score":"1-0"}` {
		t.Fatalf("got %d..%d %v", s, e, ok)
	}
	for _, b := range []string{`{"aps":{"alert":"x"}}`, `{"aps":`, `{}`} {
		if _, _, ok := ContentState([]byte(b)); ok {
			t.Errorf("%s: found a content-state", b)
		}
	}
}

func TestBumpTimestampMovesDates(t *testing.T) {
	in := `{"aps":{"stale-date":1000,"timestamp":100,"dismissal-date":50,"content-state":{}}}`
	out, off, err := BumpTimestamp([]byte(in), time.Unix(10100, 0))
	want := `{"aps":{"stale-date":11000,"timestamp":10100,"dismissal-date":50,"content-state":{}}}`
	if err != nil || string(out) != want {
		t.Fatalf("got %s %v", out, err)
	}
	if !strings.HasPrefix(string(out[off:]), "10100,") {
		t.Errorf("offset %d points at %q", off, out[off:])
	}
}

// BenchmarkLintLiveActivity is the editor's per-keystroke cost for a Live
// Activity payload: Validate with the Live Activity rules and the clock.
func BenchmarkLintLiveActivity(b *testing.B) {
	now := time.Unix(1767225600, 0)
	var body []byte
	for _, tpl := range TemplatesAt(now) {
		if tpl.Name == "Live Activity start" {
			body = []byte(tpl.Body)
		}
	}
	opts := Options{Headers: Headers{PushType: LiveActivity, Priority: 10}, Now: now, Auth: "token"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if r := Validate(body, opts); !r.Valid {
			b.Fatal(r.Errors)
		}
	}
}

// BenchmarkBumpTimestamp is the cost of the editor's bump-timestamp key.
func BenchmarkBumpTimestamp(b *testing.B) {
	now := time.Unix(1767225600, 0)
	var body []byte
	for _, tpl := range TemplatesAt(now.Add(-time.Hour)) {
		if tpl.Name == "Live Activity update" {
			body = []byte(tpl.Body)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := BumpTimestamp(body, now); err != nil {
			b.Fatal(err)
		}
	}
}
