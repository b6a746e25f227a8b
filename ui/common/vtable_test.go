package common

import "testing"

func TestTableLayoutCapsAndShares(t *testing.T) {
	cols := []Column{
		{Title: "Device", Min: 12},
		{Title: "Status", Width: 6},
		{Title: "Reason", Min: 16, Max: 27},
		{Title: "apns-id", Width: 14},
	}
	for _, tc := range []struct {
		w    int
		want []int
	}{
		// 120 - 20 fixed - 3 gaps = 97: the reason stops at 27, the device takes 70.
		{120, []int{70, 6, 27, 14}},
		// 60 - 23 = 37: an even share (18) is above Reason's Min, below its Max.
		{60, []int{18, 6, 19, 14}},
		// 40 - 23 = 17: both below Min; each gets its Min (the row is clipped).
		{40, []int{12, 6, 16, 14}},
	} {
		tb := NewTable(cols)
		tb.SetSize(tc.w, 10)
		sum := len(cols) - 1
		for i, w := range tc.want {
			if got := tb.ColumnWidth(i); got != w {
				t.Errorf("width %d: column %q is %d, want %d", tc.w, cols[i].Title, got, w)
			}
			sum += tb.ColumnWidth(i)
		}
		if tc.w >= 60 && sum != tc.w {
			t.Errorf("width %d: columns fill %d", tc.w, sum)
		}
	}
}

func TestTableMinIsKeptWhenSharing(t *testing.T) {
	// A column whose Min is above the even share gets its Min; the others
	// share what is left, so the row still fits.
	tb := NewTable([]Column{{Title: "Device", Min: 12}, {Title: "Reason", Min: 22, Max: 27}, {Title: "id", Width: 14}})
	tb.SetSize(56, 10)
	if d, r := tb.ColumnWidth(0), tb.ColumnWidth(1); r != 22 || d+r+14+2 != 56 {
		t.Errorf("device %d reason %d", d, r)
	}
}
