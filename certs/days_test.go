package certs_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

func TestDaysLeftAndValidity(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day, hour := 24*time.Hour, time.Hour
	nb := now.AddDate(-1, 0, 0)
	cases := []struct {
		name      string
		notBefore time.Time
		notAfter  time.Time
		days      int
		expired   bool
		phrase    string
	}{
		{"a year", nb, now.Add(364*day + 23*hour), 364, false, "expires in 364 days"},
		{"12 days 23 hours", nb, now.Add(12*day + 23*hour), 12, false, "expires in 12 days"},
		{"exactly 2 days", nb, now.Add(2 * day), 2, false, "expires in 2 days"},
		{"1 day 1 hour", nb, now.Add(day + hour), 1, false, "expires in 1 day"},
		{"23 hours", nb, now.Add(23*hour + 59*time.Minute), 0, false, "expires in 23 hours"},
		{"1 hour", nb, now.Add(90 * time.Minute), 0, false, "expires in 1 hour"},
		{"minutes", nb, now.Add(10 * time.Minute), 0, false, "expires in less than an hour"},
		{"this instant", nb, now, 0, false, "expires in less than an hour"},
		{"a second ago", nb, now.Add(-time.Second), 0, true, "expired less than an hour ago"},
		{"5 hours ago", nb, now.Add(-5*hour - time.Minute), 0, true, "expired 5 hours ago"},
		{"1 hour ago", nb, now.Add(-hour), 0, true, "expired 1 hour ago"},
		{"exactly a day ago", nb, now.Add(-day), -1, true, "expired 1 day ago"},
		{"35 days 4 hours ago", nb, now.Add(-35*day - 4*hour), -35, true, "expired 35 days ago"},
		{"35 days 23 hours ago", nb, now.Add(-35*day - 23*hour), -35, true, "expired 35 days ago"},
		{"36 days ago", nb, now.Add(-36 * day), -36, true, "expired 36 days ago"},
		{"not yet valid", now.Add(29 * day), now.Add(394 * day), 394, false, "not valid until 2026-12-30"},
		{"no notBefore given", time.Time{}, now.Add(3 * day), 3, false, "expires in 3 days"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := certs.DaysLeft(tc.notAfter, now); got != tc.days {
				t.Errorf("DaysLeft = %d, want %d", got, tc.days)
			}
			if got := certs.Expired(tc.notAfter, now); got != tc.expired {
				t.Errorf("Expired = %v, want %v", got, tc.expired)
			}
			if got := certs.Validity(tc.notBefore, tc.notAfter, now); got != tc.phrase {
				t.Errorf("Validity = %q, want %q", got, tc.phrase)
			}
			// The phrase's number is DaysLeft's, whenever it speaks of days.
			if d := certs.DaysLeft(tc.notAfter, now); d != 0 && !strings.HasPrefix(tc.phrase, "not valid") {
				want := fmt.Sprint(d)
				if d < 0 {
					want = fmt.Sprint(-d)
				}
				if !strings.Contains(tc.phrase, " "+want+" day") {
					t.Errorf("phrase %q does not carry DaysLeft %d", tc.phrase, d)
				}
			}
		})
	}
}

// TestDaysLeftOtherZones: the count is of elapsed time, so the zone a time
// carries (a certificate's UTC, the local clock) changes nothing.
func TestDaysLeftOtherZones(t *testing.T) {
	na := time.Date(2027, 1, 10, 0, 30, 0, 0, time.UTC)
	now := time.Date(2027, 1, 1, 23, 0, 0, 0, time.FixedZone("UTC-8", -8*3600)) // 2027-01-02 07:00 UTC
	if d := certs.DaysLeft(na, now); d != 7 {
		t.Fatalf("DaysLeft = %d, want 7 (7 days 17.5 hours)", d)
	}
	if v := certs.Validity(time.Time{}, na, now); v != "expires in 7 days" {
		t.Fatalf("Validity = %q", v)
	}
}

// TestReportUsesOneNumber: the report's days_left, its sentences and the
// CertInfo method all give the same count for an expired and a soon-expiring
// certificate, and a not-yet-valid one is not described by days left.
func TestReportUsesOneNumber(t *testing.T) {
	ca, err := certgen.NewCA("days test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cases := []struct {
		name     string
		nb, na   time.Time
		days     int
		phrase   string
		code     certs.Code
		problem  bool
		sentence string
	}{
		{"expired", now.AddDate(-1, 0, 0), now.Add(-35*24*time.Hour - 6*time.Hour), -35, "expired 35 days ago", certs.CodeExpired, true, "The certificate expired 35 days ago, on "},
		{"expiring", now.Add(-time.Hour), now.Add(12*24*time.Hour + 3*time.Hour), 12, "expires in 12 days", certs.CodeExpiresSoon, false, "The certificate expires in 12 days, on "},
		{"not yet valid", now.Add(29*24*time.Hour + time.Hour), now.Add(394*24*time.Hour + time.Hour), 394, "not valid until ", certs.CodeNotYetValid, true, "not valid until "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ca.Client(certgen.ClientSpec{Topic: "com.example.days", Environments: []certs.Environment{certs.Development}, NotBefore: tc.nb, NotAfter: tc.na})
			if err != nil {
				t.Fatal(err)
			}
			data, err := certgen.PEM(c)
			if err != nil {
				t.Fatal(err)
			}
			cred, _ := certs.LoadBytes(data, "days.pem", certs.Options{Now: now})
			r := cred.Report
			if r.Certificate.DaysLeft != tc.days {
				t.Errorf("days_left %d, want %d", r.Certificate.DaysLeft, tc.days)
			}
			if v := r.Certificate.Validity(now); !strings.HasPrefix(v, tc.phrase) {
				t.Errorf("Validity %q, want %q", v, tc.phrase)
			}
			list := r.Warnings
			if tc.problem {
				list = r.Problems
			}
			if len(list) == 0 || list[0].Code != tc.code || !strings.Contains(list[0].Message, tc.sentence) {
				t.Errorf("findings %+v, want %s saying %q", list, tc.code, tc.sentence)
			}
			var js struct {
				DaysLeft int `json:"days_left"`
			}
			b, _ := json.Marshal(r.Certificate)
			if err := json.Unmarshal(b, &js); err != nil || js.DaysLeft != tc.days {
				t.Errorf("JSON days_left %d (%v), want %d", js.DaysLeft, err, tc.days)
			}
		})
	}
}
