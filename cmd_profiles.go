package main

import "fmt"

func runProfiles(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck profiles: not built yet")
	return exitInternal
}
