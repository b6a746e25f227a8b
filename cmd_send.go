package main

import "fmt"

func runSend(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck send: not built yet")
	return exitInternal
}
