package main

import "fmt"

func runDevices(e env, args []string) int {
	fmt.Fprintln(e.stderr, "pushdeck devices: not built yet")
	return exitInternal
}
