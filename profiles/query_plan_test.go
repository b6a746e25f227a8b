package profiles

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

// historyPlan is SQLite's plan for f's query, one step a line.
func historyPlan(t *testing.T, s *Store, f HistoryFilter) string {
	t.Helper()
	q, args, err := historyQuery(historySelect, f)
	if err != nil {
		t.Fatal(err)
	}
	db, err := s.db()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// A look-up that finds few rows is answered from its own index, also when
// a broad filter (environment, status, outcome, profile) comes with it:
// never from the broad filter's index with the rare value checked row by
// row (reason + environment took 670 ms with 1,000,000 entries that way).
func TestHistoryQueryPlans(t *testing.T) {
	s := openTemp(t)
	appendN(t, s, 0, 50)
	for _, c := range []struct {
		f     HistoryFilter
		index string
	}{
		{HistoryFilter{Reason: "Unregistered", Environment: certs.Production, Limit: 50, Payloads: true}, "history_reason"},
		{HistoryFilter{Reason: "Unregistered", Environment: certs.Development, Status: 410, StatusSet: true, Limit: 200}, "history_reason"},
		{HistoryFilter{Reason: "BadDeviceToken", Failed: true, Profile: "myapp-dev"}, "history_reason"},
		{HistoryFilter{Batch: "b3", Environment: certs.Production, Succeeded: true}, "history_batch"},
		{HistoryFilter{ApnsID: "00000003-0000-0000-0000-000000000003", Environment: certs.Development}, "history_apns_id"},
		{HistoryFilter{ApnsUniqueID: "u-3", Status: 200, StatusSet: true}, "history_apns_unique_id"},
		{HistoryFilter{Device: "Phone 3", Environment: certs.Development, Limit: 50}, "history_label"},
		{HistoryFilter{Device: tok(3)[:16], Profile: "myapp-dev", Limit: 50}, "history_token"},
		{HistoryFilter{Channel: "ch", Environment: certs.Production}, "history_channel"},
		// a broad filter alone may use its index (if the schema keeps
		// one) or walk history_at, newest first either way
		{HistoryFilter{Environment: certs.Production, Limit: 50}, "(history_env|history_at)"},
		{HistoryFilter{Status: 410, StatusSet: true, Limit: 50}, "(history_failed|history_status|history_at)"},
		{HistoryFilter{Profile: "myapp-prod", Limit: 50}, "(history_profile|history_at)"},
		{HistoryFilter{Limit: 50}, "history_at"},
	} {
		plan := historyPlan(t, s, c.f)
		if !regexp.MustCompile(`INDEX `+c.index+`\b`).MatchString(plan) || strings.Contains(plan, "TEMP B-TREE") && c.f.Limit > 0 && c.index != "history_label" && c.index != "history_token" {
			t.Errorf("%+v: want %s, newest first without a sort:\n%s", c.f, c.index, plan)
		}
	}
}
