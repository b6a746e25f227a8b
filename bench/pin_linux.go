package main

import (
	"fmt"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// pinning, when on, starts the server process on the machine's last CPU
// and every client (pushdeck, the apns2 driver, h2load) on the others, so
// that what one side burns is not taken from the other: APNs does not run
// on the sender's CPUs, and h2load's rate is then the server's own ceiling.
type pinning struct {
	server, clients unix.CPUSet
}

var pin *pinning

// enablePinning sets up -pin; it needs two CPUs or more.
func enablePinning() error {
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		return fmt.Errorf("-pin: reading this process's CPUs: %v", err)
	}
	var cpus []int
	for c := range 1024 {
		if all.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) < 2 {
		return fmt.Errorf("-pin needs two CPUs or more; this process may use %d", len(cpus))
	}
	p := &pinning{}
	p.server.Set(cpus[len(cpus)-1])
	for _, c := range cpus[:len(cpus)-1] {
		p.clients.Set(c)
	}
	pin = p
	return nil
}

// pinDescription says how processes were placed, for the reports.
func pinDescription() string {
	if pin == nil {
		return ""
	}
	return fmt.Sprintf("server pinned to %d CPU(s), clients to %d", pin.server.Count(), pin.clients.Count())
}

// startCmd starts cmd on its role's CPUs: a child inherits the affinity of
// the thread that forks it, so the fork runs on a locked thread given
// that affinity for the moment of the fork.
func startCmd(cmd *exec.Cmd, server bool) error {
	if pin == nil {
		return cmd.Start()
	}
	set := pin.clients
	if server {
		set = pin.server
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("-pin: %v", err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
