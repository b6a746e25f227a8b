package main

import "fmt"

func runMock(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck mock: not built yet")
	return exitInternal
}
