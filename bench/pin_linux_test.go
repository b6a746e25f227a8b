package main

import (
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStartCmdPins checks that -pin places a server child on the server's
// CPU and a client child on the others, and leaves this process's thread
// as it was.
func TestStartCmdPins(t *testing.T) {
	var mine unix.CPUSet
	if err := unix.SchedGetaffinity(0, &mine); err != nil {
		t.Fatal(err)
	}
	if mine.Count() < 2 {
		t.Skip("needs two CPUs")
	}
	if err := enablePinning(); err != nil {
		t.Fatal(err)
	}
	defer func() { pin = nil }()
	for _, server := range []bool{true, false} {
		cmd := exec.Command("sleep", "30")
		if err := startCmd(cmd, server); err != nil {
			t.Fatal(err)
		}
		var got unix.CPUSet
		err := unix.SchedGetaffinity(cmd.Process.Pid, &got)
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		want := pin.clients
		if server {
			want = pin.server
		}
		if got != want {
			t.Errorf("server=%v: child on %v, want %v", server, got, want)
		}
	}
	if got := pin.server.Count() + pin.clients.Count(); got != mine.Count() {
		t.Errorf("server and clients hold %d CPUs, the process %d", got, mine.Count())
	}
	var after unix.CPUSet
	if err := unix.SchedGetaffinity(0, &after); err != nil {
		t.Fatal(err)
	}
	if after != mine {
		t.Errorf("this thread's CPUs changed from %v to %v", mine, after)
	}
}
