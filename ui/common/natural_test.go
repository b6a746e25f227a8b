package common

import (
	"slices"
	"testing"
)

func TestNaturalCompare(t *testing.T) {
	got := []string{"device 100", "Device 99", "device 9", "device 010", "apple", "device"}
	slices.SortFunc(got, NaturalCompare)
	want := []string{"apple", "device", "device 9", "device 010", "Device 99", "device 100"}
	if !slices.Equal(got, want) {
		t.Fatalf("%q", got)
	}
}
