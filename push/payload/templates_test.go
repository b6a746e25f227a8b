package payload

import (
	"strings"
	"testing"
	"time"
)

// TestTemplatesLintClean: every template has no error and no warning under
// its own headers, with the topic its push type needs.
func TestTemplatesLintClean(t *testing.T) {
	const app = "com.example.app"
	for _, tpl := range Templates() {
		t.Run(tpl.Name, func(t *testing.T) {
			if tpl.Headers.PushType == "" || tpl.Headers.Priority == 0 || tpl.Description == "" {
				t.Errorf("template must carry push type, priority and a description: %+v", tpl)
			}
			if tpl.TopicSuffix != TopicSuffix(tpl.Headers.PushType) {
				t.Errorf("topic suffix %q, want %q", tpl.TopicSuffix, TopicSuffix(tpl.Headers.PushType))
			}
			h := tpl.Headers
			h.Topic = app + tpl.TopicSuffix
			r := Validate([]byte(tpl.Body), Options{Headers: h, AppTopic: app})
			if !r.Valid || len(r.Warnings) != 0 {
				t.Errorf("template does not lint clean:\n%s\nerrors %+v\nwarnings %+v", tpl.Body, r.Errors, r.Warnings)
			}
			// The gallery is what the editor shows: it must already be in
			// the editor's own format.
			if f, err := Format([]byte(tpl.Body)); err != nil || string(f) != tpl.Body {
				t.Errorf("template is not formatted (err %v):\n%s", err, f)
			}
		})
	}
}

func TestTemplatesGallery(t *testing.T) {
	want := []string{"Simple alert", "Title, subtitle and body", "Badge only", "Sound", "Critical sound",
		"Silent background refresh", "Rich notification", "Localized alert", "Thread and category grouping",
		"Time-sensitive", "Live Activity start", "Live Activity update", "Live Activity end", "VoIP call", "Widgets reload"}
	got := map[string]Template{}
	for _, tpl := range Templates() {
		if _, dup := got[tpl.Name]; dup {
			t.Errorf("duplicate template %q", tpl.Name)
		}
		got[tpl.Name] = tpl
	}
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("missing template %q", name)
		}
	}
	checks := map[string][]string{
		"Silent background refresh":    {`"content-available": 1`},
		"Rich notification":            {`"mutable-content": 1`, `"category"`, `"image-url"`},
		"Localized alert":              {`"loc-key"`, `"loc-args"`},
		"Thread and category grouping": {`"thread-id"`, `"category"`},
		"Critical sound":               {`"critical": 1`},
		"Time-sensitive":               {`"time-sensitive"`},
		"Live Activity end":            {`"event": "end"`, `"timestamp"`, `"content-state"`, `"dismissal-date"`},
		"Live Activity start":          {`"event": "start"`, `"attributes-type"`, `"attributes"`, `"alert"`},
	}
	for name, subs := range checks {
		for _, s := range subs {
			if !strings.Contains(got[name].Body, s) {
				t.Errorf("%s lacks %s", name, s)
			}
		}
	}
	if h := got["Silent background refresh"].Headers; h.PushType != Background || h.Priority != 5 {
		t.Errorf("background template headers %+v", h)
	}
	if h := got["VoIP call"].Headers; h.PushType != VoIP || got["VoIP call"].TopicSuffix != ".voip" {
		t.Errorf("voip template headers %+v", h)
	}
}

func TestTemplatesAtUsesTheClock(t *testing.T) {
	now := time.Unix(1767225600, 0)
	for _, tpl := range TemplatesAt(now) {
		if strings.Contains(tpl.Body, "$") {
			t.Errorf("%s: placeholder left in body", tpl.Name)
		}
		if tpl.Headers.PushType == LiveActivity && !strings.Contains(tpl.Body, `"timestamp": 1767225600`) {
			t.Errorf("%s: timestamp is not the clock's:\n%s", tpl.Name, tpl.Body)
		}
	}
}
