package coalesce

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Everything written arrives, in order, whatever the writers' interleaving
// of whole writes; Close ends the writer goroutine.
func TestWritesArriveInOrder(t *testing.T) {
	a, b := net.Pipe()
	c := New(a)
	var want bytes.Buffer
	got := make(chan []byte)
	go func() {
		data, _ := io.ReadAll(b)
		got <- data
	}()
	for i := range 2000 {
		p := bytes.Repeat([]byte{byte(i)}, 1+i%700)
		want.Write(p)
		if n, err := c.Write(p); n != len(p) || err != nil {
			t.Fatalf("write %d: %d, %v", i, n, err)
		}
	}
	drain(c)
	c.Close()
	<-c.done
	data := <-got
	if !bytes.Equal(data, want.Bytes()) {
		t.Fatalf("read %d bytes, wrote %d (a prefix: %v)", len(data), want.Len(), bytes.HasPrefix(want.Bytes(), data))
	}
}

// Concurrent writers' writes are never split or interleaved.
func TestConcurrentWritesStayWhole(t *testing.T) {
	a, b := net.Pipe()
	c := New(a)
	const writers, each, size = 8, 200, 97
	done := make(chan []byte)
	go func() {
		buf := make([]byte, writers*each*size)
		_, err := io.ReadFull(b, buf)
		if err != nil {
			t.Error(err)
		}
		done <- buf
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := bytes.Repeat([]byte{byte('a' + w)}, size)
			for range each {
				if _, err := c.Write(p); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	buf := <-done
	for i := 0; i < len(buf); i += size {
		chunk := buf[i : i+size]
		if bytes.Count(chunk, chunk[:1]) != size {
			t.Fatalf("write at %d split or interleaved: %q", i, chunk)
		}
	}
	c.Close()
	<-c.done
}

// A failed write is returned by a later Write and closes the connection.
func TestWriteErrorIsSticky(t *testing.T) {
	a, b := net.Pipe()
	c := New(a)
	b.Close() // the peer is gone: the writer's write fails
	if _, err := c.Write([]byte("x")); err != nil {
		t.Fatalf("the first write: %v (it only fills the buffer)", err)
	}
	<-c.done // the writer stops at its failed write
	if _, err := c.Write([]byte("y")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Write after the peer closed: %v, want %v", err, io.ErrClosedPipe)
	}
	if _, err := a.Read(make([]byte, 1)); err == nil {
		t.Fatal("the connection is still open after a failed write")
	}
	c.Close()
}

// drain waits until everything written so far has been written through.
func drain(c *Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for (len(c.pending) > 0 || c.busy) && c.err == nil {
		c.room.Wait()
	}
}

// Flush returns once what was written has gone to the connection, and
// after its limit when the peer reads nothing.
func TestFlush(t *testing.T) {
	a, b := net.Pipe()
	c := New(a)
	defer c.Close()
	got := make(chan []byte)
	go func() {
		buf := make([]byte, 5)
		n, _ := io.ReadFull(b, buf)
		got <- buf[:n]
	}()
	c.Write([]byte("hello"))
	c.Flush(time.Minute)
	c.mu.Lock()
	left := len(c.pending) > 0 || c.busy
	c.mu.Unlock()
	if left {
		t.Fatal("Flush returned with bytes still to write")
	}
	if s := string(<-got); s != "hello" {
		t.Fatalf("peer read %q", s)
	}
	c.Write([]byte("stuck")) // nobody reads b now: the writer blocks
	c.Flush(time.Millisecond)
	b.Close()
}
