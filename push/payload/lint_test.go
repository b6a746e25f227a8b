package payload

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func hdr(t PushType, prio int) Options { return Options{Headers: Headers{PushType: t, Priority: prio}} }

// ruleCase is one lint rule with a payload that trips it and one that does
// not. at is the text the finding's offset must point at (the editor's
// cursor); empty for header findings, which have no position.
type ruleCase struct {
	rule     string
	sev      Severity
	path     string
	at       string
	bad      string
	badOpts  Options
	good     string
	goodOpts Options
}

func ruleCases() []ruleCase {
	alert, bg, la, wid, voip := hdr(Alert, 10), hdr(Background, 5), hdr(LiveActivity, 10), hdr(Widgets, 5), hdr(VoIP, 10)
	laOK := `{"aps":{"event":"update","timestamp":1767225600,"content-state":{"s":1}}}`
	// Live Activity dates are checked against a fixed clock: 2026-01-01.
	laAt := la
	laAt.Now = time.Unix(1767225600, 0)
	laChannel, laCert := laAt, laAt
	laChannel.Channel, laCert.Auth = true, "certificate"
	laPrio := func(p int) Options { o := laAt; o.Headers.Priority = p; return o }
	laStart := func(extra string) string {
		return `{"aps":{"event":"start","timestamp":1767225600,"attributes-type":"A","attributes":{},"content-state":{}` + extra + `}}`
	}
	laBig := func(n int) string {
		s := `{"aps":{"event":"update","timestamp":1767225600,"content-state":{"t":""}}}`
		return s[:len(s)-4] + strings.Repeat("x", n-len(s)) + s[len(s)-4:]
	}
	long := `{"aps":{"alert":"` + strings.Repeat("x", 4096-len(`{"aps":{"alert":""}}`)) + `"}}`
	voipBig := `{"d":"` + strings.Repeat("x", 5120-len(`{"d":""}`)) + `"}`
	topic := func(pt PushType, app, topic string) Options {
		o := hdr(pt, 10)
		if pt == Background {
			o.Headers.Priority = 5
		}
		o.AppTopic, o.Headers.Topic = app, topic
		return o
	}
	collapse := func(n int) Options { o := hdr(Alert, 10); o.Headers.CollapseID = strings.Repeat("c", n); return o }
	return []ruleCase{
		{"syntax", Error, "", `1 `, `{"aps":{"badge":1 "sound":"a"}}`, alert, `{"aps":{"badge":1,"sound":"a"}}`, alert},
		{"not-object", Error, "", `["aps"]`, `["aps"]`, alert, `{"aps":{"alert":"x"}}`, alert},
		{"size", Error, "", `}`, long[:len(long)-3] + `x"}}`, alert, long, alert},
		{"size", Error, "", `}`, voipBig[:len(voipBig)-2] + `x"}`, voip, voipBig, voip},
		{"aps-missing", Error, "aps", `{"alert"`, `{"alert":"hi"}`, alert, `{"caller":"Jenna"}`, voip},
		{"aps-type", Error, "aps", `"hi"`, `{"aps":"hi"}`, alert, `{"aps":{"alert":"hi"}}`, alert},
		{"aps-duplicate", Error, "aps", `"aps":{"badge"`, `{"aps":{"alert":"a"},"aps":{"badge":1}}`, alert, `{"aps":{"alert":"a","badge":1}}`, alert},
		{"aps-shadow", Warning, "APS", `"APS"`, `{"aps":{"alert":"a"},"APS":{"badge":1}}`, alert, `{"aps":{"alert":"a"},"apsx":1}`, alert},
		{"alert-type", Error, "aps.alert", `5`, `{"aps":{"alert":5}}`, alert, `{"aps":{"alert":{"body":"b"}}}`, alert},
		{"alert-key", Warning, "aps.alert.tittle", `"tittle"`, `{"aps":{"alert":{"tittle":"t","body":"b"}}}`, alert, `{"aps":{"alert":{"title":"t","body":"b","launch-image":"a.png","subtitle-loc-key":"S","subtitle-loc-args":["x"]}}}`, alert},
		{"value-type", Error, "aps.alert.title", `42`, `{"aps":{"alert":{"title":42}}}`, alert, `{"aps":{"alert":{"title":"42"}}}`, alert},
		{"value-type", Error, "aps.alert.loc-args[1]", `3`, `{"aps":{"alert":{"loc-key":"K","loc-args":["a",3]}}}`, alert, `{"aps":{"alert":{"loc-key":"K","loc-args":["a","3"]}}}`, alert},
		{"value-type", Error, "aps.thread-id", `7`, `{"aps":{"alert":"a","thread-id":7}}`, alert, `{"aps":{"alert":"a","thread-id":"7"}}`, alert},
		{"badge", Error, "aps.badge", `"1"`, `{"aps":{"badge":"1"}}`, alert, `{"aps":{"badge":1}}`, alert},
		{"badge", Error, "aps.badge", `-1`, `{"aps":{"badge":-1}}`, alert, `{"aps":{"badge":0}}`, alert},
		{"badge", Error, "aps.badge", `1.5`, `{"aps":{"badge":1.5}}`, alert, `{"aps":{"badge":2}}`, alert},
		{"badge", Error, "aps.badge", `true`, `{"aps":{"badge":true}}`, alert, `{"aps":{"badge":12}}`, alert},
		{"sound", Error, "aps.sound", `5`, `{"aps":{"alert":"a","sound":5}}`, alert, `{"aps":{"alert":"a","sound":"default"}}`, alert},
		{"sound", Error, "aps.sound.volume", `2`, `{"aps":{"alert":"a","sound":{"critical":1,"name":"default","volume":2}}}`, alert, `{"aps":{"alert":"a","sound":{"critical":1,"name":"default","volume":0.5}}}`, alert},
		{"sound", Error, "aps.sound", `{"critical"`, `{"aps":{"alert":"a","sound":{"critical":1}}}`, alert, `{"aps":{"alert":"a","sound":{"critical":1,"name":"x.caf"}}}`, alert},
		{"sound", Error, "aps.sound.critical", `true`, `{"aps":{"alert":"a","sound":{"critical":true,"name":"n"}}}`, alert, `{"aps":{"alert":"a","sound":{"critical":0,"name":"n"}}}`, alert},
		{"sound-key", Warning, "aps.sound.vol", `"vol"`, `{"aps":{"alert":"a","sound":{"name":"n","vol":1}}}`, alert, `{"aps":{"alert":"a","sound":{"name":"n","volume":1}}}`, alert},
		{"content-available", Error, "aps.content-available", `"1"`, `{"aps":{"content-available":"1"}}`, bg, `{"aps":{"content-available":1}}`, bg},
		{"content-available", Error, "aps.content-available", `true`, `{"aps":{"content-available":true}}`, bg, `{"aps":{"content-available":1.0}}`, bg},
		{"content-available", Warning, "aps.content-available", `0`, `{"aps":{"alert":"a","content-available":0}}`, alert, `{"aps":{"alert":"a"}}`, alert},
		{"mutable-content", Warning, "aps.mutable-content", `0`, `{"aps":{"alert":"a","mutable-content":0}}`, alert, `{"aps":{"alert":"a"}}`, alert},
		{"mutable-content", Error, "aps.mutable-content", `2`, `{"aps":{"alert":"a","mutable-content":2}}`, alert, `{"aps":{"alert":"a","mutable-content":1}}`, alert},
		{"interruption-level", Error, "aps.interruption-level", `"urgent"`, `{"aps":{"alert":"a","interruption-level":"urgent"}}`, alert, `{"aps":{"alert":"a","interruption-level":"passive"}}`, alert},
		{"interruption-level", Error, "aps.interruption-level", `"Time-Sensitive"`, `{"aps":{"alert":"a","interruption-level":"Time-Sensitive"}}`, alert, `{"aps":{"alert":"a","interruption-level":"time-sensitive"}}`, alert},
		{"relevance-score", Error, "aps.relevance-score", `1.5`, `{"aps":{"alert":"a","relevance-score":1.5}}`, alert, `{"aps":{"alert":"a","relevance-score":1}}`, alert},
		{"relevance-score", Error, "aps.relevance-score", `"0.5"`, `{"aps":{"alert":"a","relevance-score":"0.5"}}`, alert, `{"aps":{"alert":"a","relevance-score":0}}`, alert},
		{"alert-invisible", Error, "aps", `{"thread-id"`, `{"aps":{"thread-id":"t"}}`, alert, `{"aps":{"thread-id":"t","sound":"default"}}`, alert},
		{"alert-invisible", Error, "aps", `{"alert"`, `{"aps":{"alert":{"launch-image":"a.png"}}}`, alert, `{"aps":{"alert":{"loc-key":"K"}}}`, alert},
		{"alert-invisible", Error, "aps", `{"alert"`, `{"aps":{"alert":""}}`, alert, `{"aps":{"alert":"."}}`, alert},
		{"background-visible", Error, "aps.alert", `"alert"`, `{"aps":{"content-available":1,"alert":"hi"}}`, bg, `{"aps":{"content-available":1},"alert":"custom"}`, bg},
		{"background-visible", Error, "aps.badge", `"badge"`, `{"aps":{"content-available":1,"badge":1}}`, bg, `{"aps":{"content-available":1}}`, bg},
		{"background-content-available", Error, "aps", `{}`, `{"aps":{}}`, bg, `{"aps":{"content-available":1}}`, bg},
		{"background-priority", Error, "apns-priority", "", `{"aps":{"content-available":1}}`, hdr(Background, 10), `{"aps":{"content-available":1}}`, hdr(Background, 5)},
		{"background-priority", Error, "apns-priority", "", `{"aps":{"content-available":1}}`, hdr(Background, 0), `{"aps":{"content-available":1}}`, hdr(Background, 1)},
		{"mutable-content-no-alert", Error, "aps.mutable-content", `1`, `{"aps":{"badge":1,"mutable-content":1}}`, alert, `{"aps":{"alert":"a","mutable-content":1}}`, alert},
		{"liveactivity-event", Error, "aps", `{"timestamp"`, `{"aps":{"timestamp":1767225600,"content-state":{}}}`, la, laOK, la},
		{"liveactivity-event", Error, "aps.event", `"stop"`, `{"aps":{"event":"stop","timestamp":1767225600,"content-state":{}}}`, la, `{"aps":{"event":"end","timestamp":1767225600,"content-state":{}}}`, la},
		{"liveactivity-timestamp", Error, "aps", `{"event"`, `{"aps":{"event":"update","content-state":{}}}`, la, laOK, la},
		{"liveactivity-content-state", Error, "aps", `{"event"`, `{"aps":{"event":"update","timestamp":1767225600}}`, la, laOK, la},
		{"liveactivity-start", Error, "aps", `{"event"`, `{"aps":{"event":"start","timestamp":1767225600,"content-state":{},"attributes":{}}}`, la,
			`{"aps":{"event":"start","timestamp":1767225600,"content-state":{},"attributes-type":"A","attributes":{},"alert":"x"}}`, la},
		{"date", Error, "aps.timestamp", `"now"`, `{"aps":{"event":"update","timestamp":"now","content-state":{}}}`, la, laOK, la},
		{"date", Warning, "aps.timestamp", `1767225600000`, `{"aps":{"event":"update","timestamp":1767225600000,"content-state":{}}}`, la, laOK, la},
		{"date", Error, "aps.stale-date", `-5`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"stale-date":-5}}`, la,
			`{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"stale-date":1767229200}}`, la},
		{"value-type", Error, "aps.content-state", `[]`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":[]}}`, la, laOK, la},
		{"liveactivity-timestamp-future", Error, "aps.timestamp", `1767225600000`, `{"aps":{"event":"update","timestamp":1767225600000,"content-state":{}}}`, laAt, laOK, laAt},
		{"liveactivity-timestamp-future", Error, "aps.timestamp", `1767229200`, `{"aps":{"event":"update","timestamp":1767229200,"content-state":{}}}`, laAt,
			`{"aps":{"event":"update","timestamp":1767225800,"content-state":{}}}`, laAt},
		{"liveactivity-timestamp-stale", Warning, "aps.timestamp", `1767218400`, `{"aps":{"event":"update","timestamp":1767218400,"content-state":{}}}`, laAt,
			`{"aps":{"event":"update","timestamp":1767222600,"content-state":{}}}`, laAt},
		{"liveactivity-start-alert", Error, "aps", `{"event"`, laStart(``), laAt, laStart(`,"alert":{"title":"Order 1042","body":"Preparing"}`), laAt},
		{"liveactivity-start-only", Warning, "aps.attributes", `"attributes"`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"attributes":{}}}`, laAt, laOK, laAt},
		{"liveactivity-start-only", Warning, "aps.input-push-channel", `"input-push-channel"`, `{"aps":{"event":"end","timestamp":1767225600,"content-state":{},"input-push-channel":"dHN0"}}`, laAt,
			`{"aps":{"event":"end","timestamp":1767225600,"content-state":{}}}`, laAt},
		{"liveactivity-input", Error, "aps.input-push-channel", `"input-push-channel"`, laStart(`,"alert":"x","input-push-token":1,"input-push-channel":"dHN0LXNyY2gtY2hubA=="`), laAt,
			laStart(`,"alert":"x","input-push-channel":"dHN0LXNyY2gtY2hubA=="`), laAt},
		{"liveactivity-input", Error, "aps.input-push-channel", `"not a channel!"`, laStart(`,"alert":"x","input-push-channel":"not a channel!"`), laAt,
			laStart(`,"alert":"x","input-push-token":1`), laAt},
		{"liveactivity-dismissal", Warning, "aps.dismissal-date", `"dismissal-date"`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"dismissal-date":1767226000}}`, laAt,
			`{"aps":{"event":"end","timestamp":1767225600,"content-state":{},"dismissal-date":1767226000}}`, laAt},
		{"liveactivity-dismissal", Warning, "aps.dismissal-date", `1767312000`, `{"aps":{"event":"end","timestamp":1767225600,"content-state":{},"dismissal-date":1767312000}}`, laAt,
			`{"aps":{"event":"end","timestamp":1767225600,"content-state":{},"dismissal-date":1663177260}}`, laAt},
		{"liveactivity-stale-date", Warning, "aps.stale-date", `1767225000`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"stale-date":1767225000}}`, laAt,
			`{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"stale-date":1767227400}}`, laAt},
		{"liveactivity-broadcast-start", Error, "aps.event", `"start"`, laStart(`,"alert":"x"`), laChannel, laOK, laChannel},
		{"liveactivity-auth", Warning, "authorization", "", laOK, laCert, laOK, laAt},
		{"liveactivity-priority", Warning, "apns-priority", "", laOK, laPrio(0), laOK, laPrio(5)},
		{"liveactivity-priority", Error, "apns-priority", "", laOK, laPrio(1), laOK, laPrio(10)},
		{"relevance-score", Error, "aps.relevance-score", `-1`, `{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"relevance-score":-1}}`, laAt,
			`{"aps":{"event":"update","timestamp":1767225600,"content-state":{},"relevance-score":100}}`, laAt},
		{"size", Error, "", `}`, laBig(5121), laChannel, laBig(5120), laChannel},
		{"liveactivity-push-type", Warning, "aps.event", `"event"`, `{"aps":{"alert":"a","event":"update"}}`, alert, laOK, la},
		{"widgets-content-changed", Error, "aps", `{}`, `{"aps":{}}`, wid, `{"aps":{"content-changed":true}}`, wid},
		{"widgets-content-changed", Error, "aps.content-changed", `1`, `{"aps":{"content-changed":1}}`, wid, `{"aps":{"content-changed":true}}`, wid},
		{"widgets-push-type", Warning, "aps.content-changed", `"content-changed"`, `{"aps":{"alert":"a","content-changed":true}}`, alert, `{"aps":{"content-changed":true}}`, wid},
		{"aps-unknown-key", Warning, "aps.sond", `"sond"`, `{"aps":{"alert":"a","sond":"default"}}`, alert, `{"aps":{"alert":"a","sound":"default"}}`, alert},
		{"aps-unknown-key", Warning, "aps.Badge", `"Badge"`, `{"aps":{"alert":"a","Badge":1}}`, alert,
			`{"aps":{"alert":"a","badge":1,"category":"C","target-content-id":"w","filter-criteria":"f","url-args":["x"],"input-push-channel":"c"}}`, alert},
		{"duplicate-key", Warning, "aps.alert", `"alert":"b"`, `{"aps":{"alert":"a","alert":"b"}}`, alert, `{"aps":{"alert":"a"},"alert":"b"}`, alert},
		{"topic", Error, "apns-topic", "", `{"caller":"x"}`, topic(VoIP, "com.example.app", "com.example.app"), `{"caller":"x"}`, topic(VoIP, "com.example.app", "com.example.app.voip")},
		{"topic", Error, "apns-topic", "", `{"aps":{"alert":"a"}}`, topic(Alert, "", "com.example.app.voip"), `{"aps":{"alert":"a"}}`, topic(Alert, "", "com.example.app")},
		{"topic", Error, "apns-topic", "", laOK, topic(LiveActivity, "", "com.example.app"), laOK, topic(LiveActivity, "", "com.example.app.push-type.liveactivity")},
		{"topic", Error, "apns-topic", "", `{"aps":{"content-available":1}}`, topic(Background, "com.example.app", "com.example.other"), `{"aps":{"content-available":1}}`, topic(Background, "com.example.app", "com.example.app")},
		{"collapse-id", Error, "apns-collapse-id", "", `{"aps":{"alert":"a"}}`, collapse(65), `{"aps":{"alert":"a"}}`, collapse(64)},
		{"priority", Error, "apns-priority", "", `{"aps":{"alert":"a"}}`, hdr(Alert, 7), `{"aps":{"alert":"a"}}`, hdr(Alert, 1)},
		{"push-type", Error, "apns-push-type", "", `{"aps":{"alert":"a"}}`, hdr("alrt", 10), `{"aps":{"alert":"a"}}`, hdr(Alert, 10)},
		{"push-type", Warning, "apns-push-type", "", `{"aps":{"alert":"a"}}`, hdr("", 10), `{"aps":{"alert":"a"}}`, hdr(Alert, 10)},
		{"utf8", Warning, "", "\"\xff", "{\"aps\":{\"alert\":\"\xff\"}}", alert, `{"aps":{"alert":"ÿ"}}`, alert},
		{"value-type", Error, "aps.input-push-token", `true`, `{"aps":{"event":"start","timestamp":1,"content-state":{},"attributes-type":"A","attributes":{},"input-push-token":true}}`, la,
			`{"aps":{"event":"start","timestamp":1,"content-state":{},"attributes-type":"A","attributes":{},"input-push-token":1,"alert":"x"}}`, la},
	}
}

func find(r Report, rule string, sev Severity) (Finding, bool) {
	list := r.Errors
	if sev == Warning {
		list = r.Warnings
	}
	for _, f := range list {
		if f.Rule == rule {
			return f, true
		}
	}
	return Finding{}, false
}

// wantPosition recomputes line and column by walking the body rune by rune,
// independently of position().
func wantPosition(body []byte, off int) (int, int) {
	line, col := 1, 1
	for i := 0; i < off; {
		r, n := utf8.DecodeRune(body[i:])
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return line, col
}

func TestLintRules(t *testing.T) {
	for _, c := range ruleCases() {
		t.Run(c.rule+"/"+c.path, func(t *testing.T) {
			bad := Validate([]byte(c.bad), c.badOpts)
			f, ok := find(bad, c.rule, c.sev)
			if !ok {
				t.Fatalf("%s did not trip %s (%s): errors %+v warnings %+v", c.bad, c.rule, c.sev, bad.Errors, bad.Warnings)
			}
			if f.Severity != c.sev || f.Path != c.path || f.Message == "" || f.Fix == "" {
				t.Errorf("finding %+v: want severity %s, path %q, a message and a fix", f, c.sev, c.path)
			}
			if c.sev == Error && bad.Valid {
				t.Error("a report with an error must not be valid")
			}
			if c.at == "" {
				if f.Offset != -1 || f.Line != 0 {
					t.Errorf("header finding should have no position, got offset %d line %d", f.Offset, f.Line)
				}
			} else {
				if f.Offset < 0 || !bytes.HasPrefix([]byte(c.bad)[f.Offset:], []byte(c.at)) {
					t.Errorf("offset %d points at %q, want %q", f.Offset, tail(c.bad, f.Offset), c.at)
				}
				if l, col := wantPosition([]byte(c.bad), f.Offset); f.Line != l || f.Column != col {
					t.Errorf("line:column %d:%d, want %d:%d", f.Line, f.Column, l, col)
				}
			}
			good := Validate([]byte(c.good), c.goodOpts)
			if g, tripped := find(good, c.rule, c.sev); tripped {
				t.Errorf("%s tripped %s: %+v", c.good, c.rule, g)
			}
			if len(good.Errors) > 0 && c.sev == Error && c.rule != "size" {
				t.Errorf("good payload %s has errors: %+v", c.good, good.Errors)
			}
		})
	}
}

func tail(s string, off int) string {
	if off < 0 || off > len(s) {
		return ""
	}
	return s[off:min(len(s), off+12)]
}

// TestEveryRuleHasCases keeps the table honest: each rule the linter can
// report has a tripping and a passing case.
func TestEveryRuleHasCases(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range ruleCases() {
		covered[c.rule+"/"+string(c.sev)] = true
	}
	documented := map[string]bool{}
	for _, rule := range Rules() {
		key := rule.ID + "/" + string(rule.Severity)
		documented[key] = true
		if !covered[key] {
			t.Errorf("rule %s (%s) has no test case", rule.ID, rule.Severity)
		}
	}
	for key := range covered {
		if !documented[key] {
			t.Errorf("rule %s is tested but missing from Rules()", key)
		}
	}
}

func TestSizeCountsExactBytes(t *testing.T) {
	body := []byte(`{"aps":{"alert":"` + strings.Repeat("é", 2100) + `"}}`) // 2 bytes each
	r := Validate(body, hdr(Alert, 10))
	f, ok := find(r, "size", Error)
	if !ok || r.Bytes != len(body) || r.Limit != 4096 {
		t.Fatalf("size not reported on %d bytes: %+v", len(body), r)
	}
	if f.Offset != 4096 {
		t.Errorf("size finding points at %d, want the first byte over the limit (4096)", f.Offset)
	}
	if r := Validate(body, hdr(VoIP, 10)); r.Limit != 5120 {
		t.Errorf("voip limit %d", r.Limit)
	}
	spaced := []byte("{\n\n\n" + strings.Repeat(" ", 4100) + `"aps":{"alert":"a"}}`)
	f, ok = find(Validate(spaced, hdr(Alert, 10)), "size", Error)
	if !ok || !strings.Contains(f.Fix, "minify") {
		t.Errorf("whitespace-heavy payload should suggest minifying: %+v", f)
	}
}

func TestReportValidMeansNoErrors(t *testing.T) {
	r := Validate([]byte(`{"aps":{"alert":"a","sond":1}}`), hdr(Alert, 10))
	if !r.Valid || len(r.Errors) != 0 || len(r.Warnings) != 1 {
		t.Errorf("warnings alone must keep the payload valid: %+v", r)
	}
}

func TestFindingsInDocumentOrder(t *testing.T) {
	r := Validate([]byte(`{"aps":{"badge":"x","sound":5,"alert":7}}`), hdr(Alert, 7))
	last := -1
	for i, f := range r.Errors {
		if f.Offset == -1 {
			if i != len(r.Errors)-1 {
				t.Errorf("header finding %d is not last", i)
			}
			continue
		}
		if f.Offset < last {
			t.Errorf("findings out of order: %+v", r.Errors)
		}
		last = f.Offset
	}
}

func TestInferredPushType(t *testing.T) {
	r := Validate([]byte(`{"aps":{"content-available":1}}`), Options{Headers: Headers{Priority: 5}})
	if !r.Valid {
		t.Errorf("silent push without push type should be read as background: %+v", r.Errors)
	}
	if f, ok := find(r, "push-type", Warning); !ok || !strings.Contains(f.Message, "background") {
		t.Errorf("want a warning naming the assumed type, got %+v", r.Warnings)
	}
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"content_available": "content-available", "Badge": "badge", "sond": "sound",
		"thread_id": "thread-id", "zzzz": "", "interruption": "",
	} {
		if got := suggest(in, apsKeyNames()); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
